import type { Volume } from '@anet/contracts';
import { blendPixel, type Canvas } from './canvas';
import { changeColour, type ChangeColourScale } from './changeColours';
import { displayToVoxel, type AxialView } from './axialView';

export interface TileOverlay {
  ternary: Volume;
  map?: Volume;
  scale: ChangeColourScale;
  /** fill: translucent colour over changed voxels; outline: only their border, anatomy stays visible. */
  mode: 'fill' | 'outline';
  alpha?: number;
  /** A second mask (non-zero = inside) drawn as a thin outline on top, e.g. the ground-truth change. */
  contour?: { volume: Volume; colour: [number, number, number] };
}

/**
 * Draws axial slice z of `grey` (bilinear, windowed to [lo, hi]) at (ox, oy) in the view's orientation,
 * with the change overlay (nearest voxel) on top. The view only flips/transposes/scales, so the voxel
 * coordinate along each display axis is precomputed once per column and per row.
 */
export function drawAxialTile(
  cv: Canvas,
  ox: number,
  oy: number,
  view: AxialView,
  grey: Volume,
  z: number,
  window: [number, number],
  overlay?: TileOverlay,
): void {
  const [X, Y] = grey.dims;
  const W = view.width;
  const H = view.height;
  const base = X * Y * z;
  const g = grey.data;
  const [lo, hi] = window;
  const inv = 255 / (hi - lo);
  // continuous voxel x and y for each display column u and row v (one of them is 0 when transposed)
  const colX = new Float64Array(W);
  const colY = new Float64Array(W);
  const rowX = new Float64Array(H);
  const rowY = new Float64Array(H);
  for (let u = 0; u < W; u++) {
    const [a, b] = displayToVoxel(view, u, 0);
    const [c, d] = displayToVoxel(view, 0, 0);
    colX[u] = a - (view.transpose ? c : 0);
    colY[u] = b - (view.transpose ? 0 : d);
  }
  for (let v = 0; v < H; v++) {
    const [a, b] = displayToVoxel(view, 0, v);
    const [c, d] = displayToVoxel(view, 0, 0);
    rowX[v] = view.transpose ? a : a - c;
    rowY[v] = view.transpose ? b - d : b;
  }
  // nearest-voxel ternary value per display pixel (with a 1-pixel border of zeros for the outline test)
  const tern = new Int8Array((W + 2) * (H + 2));
  if (overlay) {
    const t = overlay.ternary.data;
    for (let v = 0; v < H; v++)
      for (let u = 0; u < W; u++) {
        const xi = Math.round(colX[u] + rowX[v]);
        const yi = Math.round(colY[u] + rowY[v]);
        if (xi < 0 || yi < 0 || xi >= X || yi >= Y) continue;
        tern[u + 1 + (W + 2) * (v + 1)] = t[base + xi + X * yi];
      }
  }
  const contour = new Int8Array(overlay?.contour ? (W + 2) * (H + 2) : 0);
  if (overlay?.contour) {
    const c = overlay.contour.volume.data;
    for (let v = 0; v < H; v++)
      for (let u = 0; u < W; u++) {
        const xi = Math.round(colX[u] + rowX[v]);
        const yi = Math.round(colY[u] + rowY[v]);
        if (xi < 0 || yi < 0 || xi >= X || yi >= Y) continue;
        contour[u + 1 + (W + 2) * (v + 1)] = c[base + xi + X * yi] !== 0 ? 1 : 0;
      }
  }
  for (let v = 0; v < H; v++) {
    const py = oy + v;
    if (py < 0 || py >= cv.height) continue;
    for (let u = 0; u < W; u++) {
      const px = ox + u;
      if (px < 0 || px >= cv.width) continue;
      const x = colX[u] + rowX[v];
      const y = colY[u] + rowY[v];
      const x0 = Math.max(0, Math.min(X - 1, Math.floor(x)));
      const y0 = Math.max(0, Math.min(Y - 1, Math.floor(y)));
      const x1 = Math.min(X - 1, x0 + 1);
      const y1 = Math.min(Y - 1, y0 + 1);
      const fx = Math.max(0, Math.min(1, x - x0));
      const fy = Math.max(0, Math.min(1, y - y0));
      const val =
        (g[base + x0 + X * y0] * (1 - fx) + g[base + x1 + X * y0] * fx) * (1 - fy) +
        (g[base + x0 + X * y1] * (1 - fx) + g[base + x1 + X * y1] * fx) * fy;
      const s = Math.max(0, Math.min(255, Math.round((val - lo) * inv)));
      const o = 4 * (py * cv.width + px);
      cv.data[o] = s;
      cv.data[o + 1] = s;
      cv.data[o + 2] = s;
      cv.data[o + 3] = 255;
      if (!overlay) continue;
      const k = u + 1 + (W + 2) * (v + 1);
      if (
        overlay.contour &&
        contour[k] &&
        !(contour[k - 1] && contour[k + 1] && contour[k - W - 2] && contour[k + W + 2])
      ) {
        blendPixel(cv, px, py, overlay.contour.colour, 1);
        continue;
      }
      const t = tern[k];
      if (t === 0) continue;
      // outline: draw only where a 4-neighbour display pixel shows another value
      if (
        overlay.mode === 'outline' &&
        tern[k - 1] === t &&
        tern[k + 1] === t &&
        tern[k - W - 2] === t &&
        tern[k + W + 2] === t
      )
        continue;
      const xi = Math.max(0, Math.min(X - 1, Math.round(x)));
      const yi = Math.max(0, Math.min(Y - 1, Math.round(y)));
      const m = overlay.map ? overlay.map.data[base + xi + X * yi] : undefined;
      blendPixel(
        cv,
        px,
        py,
        changeColour(t, m, overlay.scale),
        overlay.mode === 'outline' ? 1 : (overlay.alpha ?? 0.55),
      );
    }
  }
}
