import { formatSlicePosition } from './axialView';
import { prepareOverlay, renderSliceGrid, shownImages, type OverlayInput } from './montageLayout';
import { slicesWithChange } from './selectSlices';

export interface SliceOverlay {
  slice: number;
  /** overlay_slice_NNN.png (NNN = axial index from 0, zero-padded to 3 digits). */
  name: string;
  png: Uint8Array;
}

/** One larger PNG per axial slice that has change (or per listed slice), named overlay_slice_NNN.png. */
export function renderSliceOverlays(
  opts: OverlayInput & { slices?: number[]; tilePx?: number },
): SliceOverlay[] {
  const slices = opts.slices ?? slicesWithChange(opts.ternary.data, opts.ternary.dims, shownImages(opts));
  const prepared = prepareOverlay(opts);
  return slices.map((z) => ({
    slice: z,
    name: `overlay_slice_${String(z).padStart(3, '0')}.png`,
    png: renderSliceGrid(
      { ...opts, title: opts.title ?? `anet change map — axial slice ${formatSlicePosition(opts.followup, z)} (index ${z})` },
      [z],
      opts.tilePx ?? 512,
      1,
      prepared,
    ),
  }));
}
