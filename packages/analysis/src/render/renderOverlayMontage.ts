import { renderSliceGrid, shownImages, type OverlayInput } from './montageLayout';
import { selectSlices } from './selectSlices';

export interface OverlayMontageOptions extends OverlayInput {
  /** Axial slice indices to show; default: up to maxSlices spread over the slices with change. */
  slices?: number[];
  maxSlices?: number;
  /** Display size of one tile's longer side. Default 256. */
  tilePx?: number;
}

/** One overview PNG (overlay.png): a montage of axial slices with growth warm and reduction cool. */
export function renderOverlayMontage(opts: OverlayMontageOptions): Uint8Array {
  const slices =
    opts.slices ?? selectSlices(opts.ternary.data, opts.ternary.dims, opts.maxSlices ?? 12, shownImages(opts));
  return renderSliceGrid(opts, slices, opts.tilePx ?? 256, opts.baseline ? 2 : 4);
}
