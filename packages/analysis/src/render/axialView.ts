import type { Volume } from '@anet/contracts';

type Geometry = Pick<Volume, 'dims' | 'spacing' | 'affine'>;

/**
 * How an axial slice is shown in radiological convention: anterior up, the patient's right on the
 * viewer's left, square display pixels (aspect from the voxel spacing). Worked out from the affine
 * (RAS+ world): the voxel axis closest to world x runs horizontally, decreasing world x to the right;
 * the other runs vertically, decreasing world y downwards.
 */
export interface AxialView {
  width: number;
  height: number;
  /** Display pixels per voxel along the horizontal / vertical voxel axis. */
  scaleH: number;
  scaleV: number;
  /** true: voxel y runs horizontally (the affine swaps in-plane axes). */
  transpose: boolean;
  flipH: boolean;
  flipV: boolean;
  /** Voxel counts along the horizontal and vertical display axes. */
  nH: number;
  nV: number;
}

/** `targetPx`: display size of the longer side of the slice. */
export function axialView(g: Geometry, targetPx: number): AxialView {
  const a = g.affine;
  // world (x, y) components of the voxel x and y axes (columns 0 and 1 of the row-major affine)
  const c0x = a[0];
  const c0y = a[4];
  const c1x = a[1];
  const c1y = a[5];
  const transpose = Math.abs(c1x) > Math.abs(c0x);
  const hx = transpose ? c1x : c0x;
  const vy = transpose ? c0y : c1y;
  const nH = transpose ? g.dims[1] : g.dims[0];
  const nV = transpose ? g.dims[0] : g.dims[1];
  const spH = Math.abs(transpose ? g.spacing[1] : g.spacing[0]) || 1;
  const spV = Math.abs(transpose ? g.spacing[0] : g.spacing[1]) || 1;
  const pxPerMm = targetPx / Math.max(nH * spH, nV * spV);
  const scaleH = spH * pxPerMm;
  const scaleV = spV * pxPerMm;
  return {
    width: Math.max(1, Math.round(nH * scaleH)),
    height: Math.max(1, Math.round(nV * scaleV)),
    scaleH,
    scaleV,
    transpose,
    flipH: hx > 0,
    flipV: vy > 0,
    nH,
    nV,
  };
}

/** Continuous voxel (x, y) at the centre of display pixel (u, v). */
export function displayToVoxel(view: AxialView, u: number, v: number): [number, number] {
  let h = (u + 0.5) / view.scaleH - 0.5;
  let w = (v + 0.5) / view.scaleV - 0.5;
  if (view.flipH) h = view.nH - 1 - h;
  if (view.flipV) w = view.nV - 1 - w;
  return view.transpose ? [w, h] : [h, w];
}

/** Display pixel (u, v) of voxel (x, y) (inverse of displayToVoxel, for labels and tests). */
export function voxelToDisplay(view: AxialView, x: number, y: number): [number, number] {
  let h = view.transpose ? y : x;
  let w = view.transpose ? x : y;
  if (view.flipH) h = view.nH - 1 - h;
  if (view.flipV) w = view.nV - 1 - w;
  return [(h + 0.5) * view.scaleH - 0.5, (w + 0.5) * view.scaleV - 0.5];
}

/**
 * World position (mm, RAS+ superior axis) of axial slice z: the superior coordinate of the slice's
 * centre voxel. Radiologists navigate by this number, not by a storage index.
 */
export function slicePositionMm(g: Geometry, z: number): number {
  const a = g.affine;
  const cx = (g.dims[0] - 1) / 2;
  const cy = (g.dims[1] - 1) / 2;
  return a[8] * cx + a[9] * cy + a[10] * z + a[11];
}

/** "S 34.0 mm" / "I 12.5 mm": a slice's position as a viewer shows it. */
export function formatSlicePosition(g: Geometry, z: number): string {
  const s = slicePositionMm(g, z);
  const r = Math.round(s * 10) / 10;
  return `${r < 0 ? 'I' : 'S'} ${Math.abs(r).toFixed(1)} mm`;
}
