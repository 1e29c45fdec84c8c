import { AnetError, type Volume } from '@anet/contracts';
import { axialView, displayToVoxel, formatSlicePosition, type AxialView } from './axialView';
import {
  createCanvas,
  drawText,
  drawTextOutlined,
  encodePng,
  textHeight,
  textWidth,
  type Canvas,
  type Rgb,
} from './canvas';
import { BG, drawWrapped, FOOTER_TEXT, GREY, WHITE, wrappedHeight } from './decorations';
import { drawAxialTile } from './drawAxialTile';
import { assertSameDims } from './montageLayout';
import { intensityWindow } from './intensityWindow';

export interface AlignmentQcInput {
  /** The baseline scan (the fixed image); its voxel grid is the grid of every other volume here. */
  baseline: Volume;
  /** The follow-up as stored, resampled into the baseline grid with no alignment (identity world transform). */
  before: Volume;
  /** The follow-up after rigid alignment, in the baseline grid. */
  after: Volume;
  /** Baseline brain mask (non-zero = brain): windows and slice choice use it, and it is outlined on every tile. */
  brainMask?: Volume;
  /** Text lines under the title, e.g. 'rotation 0.5°, translation 5.7 mm; NCC 0.36 → 0.73'. */
  lines?: string[];
  /** Default 'Alignment QC: follow-up on baseline'. */
  title?: string;
  /** Axial slice indices to show; default: `maxSlices` spread over the brain, empty slices skipped. */
  slices?: number[];
  /** How many slices to pick when `slices` is not given (clamped to 1..8). Default 5. */
  maxSlices?: number;
  /** Display size of one tile's longer side. Default 240. */
  tilePx?: number;
}

/** Where one tile lies on the canvas (for tests and tools). */
export interface AlignmentQcTile {
  row: 'before' | 'after';
  z: number;
  /** Canvas position of the tile's top-left pixel. */
  x: number;
  y: number;
  /** The view of the cropped slice: voxel (x, y) of the input is voxel (x − crop[0], y − crop[1]) here. */
  view: AxialView;
  crop: [number, number];
}

const BASELINE_MAGENTA: Rgb = [255, 70, 255];
const FOLLOWUP_GREEN: Rgb = [70, 255, 70];
const MASK_OUTLINE: Rgb = [255, 150, 30];
const ORIENTATION_COLOUR: Rgb = [255, 255, 160];
const FOOTER_COLOUR: Rgb = [255, 210, 120];

function checkInput(input: AlignmentQcInput): void {
  const parts = [
    ['baseline', input.baseline],
    ['before', input.before],
    ['after', input.after],
    ['brainMask', input.brainMask],
  ] as const;
  assertSameDims('alignment QC', 'baseline', input.baseline, parts);
  const [X, Y, Z] = input.baseline.dims;
  for (const [name, v] of parts) {
    if (v && v.data.length !== X * Y * Z) {
      throw new AnetError('INTERNAL', `alignment QC: ${name} data does not match its dims`);
    }
  }
}

function hasSignal(data: Float32Array): boolean {
  for (let i = 0; i < data.length; i++) if (data[i] !== 0 && Number.isFinite(data[i])) return true;
  return false;
}

/**
 * The non-zero, finite values inside the mask (or, where the mask holds none, all of them), sorted,
 * sampled with a fixed stride so large volumes cost little.
 */
function brainValues(v: Volume, mask: Volume | undefined, maxSamples = 200_000): Float32Array {
  const pick = (m: Float32Array | undefined) => {
    const n = v.data.length;
    const stride = Math.max(1, Math.floor(n / maxSamples));
    const buf = new Float32Array(Math.ceil(n / stride));
    let k = 0;
    for (let i = 0; i < n; i += stride) {
      const x = v.data[i];
      if (x !== 0 && Number.isFinite(x) && (!m || m[i] !== 0)) buf[k++] = x;
    }
    return buf.subarray(0, k).sort();
  };
  const inside = mask ? pick(mask.data) : new Float32Array(0);
  return inside.length > 0 ? inside : pick(undefined);
}

const quantile = (sorted: Float32Array, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.round((p / 100) * (sorted.length - 1))))];

/**
 * The follow-up's window, matched to the baseline's: a straight line fitted through the two scans'
 * brain percentiles (5th … 95th) maps the baseline window into follow-up intensities, so tissue that
 * looks the same in both scans gets the same grey level in both channels (different scanners, gains and
 * contrast doses would otherwise tint the whole fusion). Falls back to the follow-up's own window.
 */
function matchedWindow(bl: Float32Array, fu: Float32Array, blWin: [number, number]): [number, number] {
  const own = intensityWindow(fu);
  if (bl.length < 20 || fu.length < 20) return own;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let p = 5; p <= 95; p += 5) {
    xs.push(quantile(bl, p));
    ys.push(quantile(fu, p));
  }
  const mx = xs.reduce((t, x) => t + x, 0) / xs.length;
  const my = ys.reduce((t, y) => t + y, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : NaN;
  if (!(slope > 0) || !Number.isFinite(slope)) return own;
  const lo = my + slope * (blWin[0] - mx);
  const hi = my + slope * (blWin[1] - mx);
  return hi > lo ? [lo, hi] : own;
}

/**
 * Brain area per axial slice: mask voxels, or baseline voxels above a tenth of its window (so faint
 * background noise of an unstripped scan does not count).
 */
function brainAreaPerSlice(input: AlignmentQcInput, blWin: [number, number]): number[] {
  const [X, Y, Z] = input.baseline.dims;
  const plane = X * Y;
  const useMask = input.brainMask && hasSignal(input.brainMask.data);
  const src = useMask ? input.brainMask!.data : input.baseline.data;
  const thr = useMask ? 0 : blWin[0] + 0.1 * (blWin[1] - blWin[0]);
  const area: number[] = [];
  for (let z = 0; z < Z; z++) {
    let n = 0;
    for (let i = z * plane, end = (z + 1) * plane; i < end; i++) if (src[i] > thr) n++;
    area.push(n);
  }
  return area;
}

/**
 * `count` slices spread over the brain's inner 80 % (top and bottom slivers are uninformative), skipping
 * slices with little or no brain (< 15 % of the largest slice's area).
 */
export function alignmentQcSlices(area: readonly number[], count: number): number[] {
  const maxArea = Math.max(0, ...area);
  if (maxArea === 0) return [Math.floor(area.length / 2)];
  const candidates = area.flatMap((a, z) => (a > 0 && a >= 0.15 * maxArea ? [z] : []));
  const n = Math.max(1, Math.min(count, candidates.length));
  const picked = new Set<number>();
  for (let k = 0; k < n; k++) {
    const f = n === 1 ? 0.5 : 0.1 + (0.8 * k) / (n - 1);
    picked.add(candidates[Math.round(f * (candidates.length - 1))]);
  }
  return [...picked].sort((a, b) => a - b);
}

/** Words of coloured segments, wrapped at `maxWidth`; draws when `cv` is given; returns the height used. */
function colouredText(
  cv: Canvas | undefined,
  segments: Array<[string, Rgb]>,
  x: number,
  y: number,
  maxWidth: number,
  fs: number,
): number {
  const lineH = textHeight(fs) + 2 * fs;
  const space = textWidth(' ', fs);
  let cx = x;
  let cy = y;
  let lineEmpty = true;
  for (const [text, colour] of segments) {
    const words = text.split(/\s+/).filter(Boolean);
    for (const w of words) {
      const ww = textWidth(w, fs);
      const at = lineEmpty ? cx : cx + space;
      if (!lineEmpty && at + ww > x + maxWidth) {
        cy += lineH;
        cx = x;
        lineEmpty = true;
      }
      const dx = lineEmpty ? cx : cx + space;
      if (cv) drawText(cv, w, dx, cy, colour, fs);
      cx = dx + ww;
      lineEmpty = false;
    }
  }
  return lineEmpty && cy === y ? 0 : cy - y + lineH;
}

/**
 * In-plane bounding box [x0, x1) × [y0, y1) of what is worth showing on the given slices, with a small
 * margin, so the tiles spend their pixels on anatomy. Per volume, voxels above `thr` are counted per
 * column and per row; columns/rows with fewer than `minFraction` of the fullest one's count are
 * background noise of an unstripped scan. The boxes of all volumes are joined.
 */
function contentBox(
  vols: Array<{ data: Float32Array; thr: number; minFraction: number }>,
  dims: readonly [number, number, number],
  zs: readonly number[],
): [number, number, number, number] {
  const [X, Y] = dims;
  let x0 = X;
  let x1 = -1;
  let y0 = Y;
  let y1 = -1;
  for (const { data, thr, minFraction } of vols) {
    const px = new Float64Array(X);
    const py = new Float64Array(Y);
    for (const z of zs)
      for (let y = 0, i = X * Y * z; y < Y; y++)
        for (let x = 0; x < X; x++, i++)
          if (data[i] > thr) {
            px[x]++;
            py[y]++;
          }
    const range = (p: Float64Array): [number, number] => {
      const min = Math.max(1e-9, minFraction * Math.max(...p));
      const first = p.findIndex((c) => c >= min);
      return first < 0 ? [-1, -1] : [first, p.findLastIndex((c) => c >= min)];
    };
    const [ax, bx] = range(px);
    const [ay, by] = range(py);
    if (ax < 0 || ay < 0) continue;
    x0 = Math.min(x0, ax);
    x1 = Math.max(x1, bx);
    y0 = Math.min(y0, ay);
    y1 = Math.max(y1, by);
  }
  if (x1 < 0) return [0, X, 0, Y];
  const mx = 2 + Math.round(0.05 * (x1 - x0 + 1));
  const my = 2 + Math.round(0.05 * (y1 - y0 + 1));
  return [Math.max(0, x0 - mx), Math.min(X, x1 + 1 + mx), Math.max(0, y0 - my), Math.min(Y, y1 + 1 + my)];
}

/**
 * The in-plane box [x0, x1) × [y0, y1) of the given axial slices, copied into a stack (slice k of the
 * stack is slice zs[k] of `v`). Only the in-plane geometry (what axialView reads) is kept exact: the
 * affine's origin moves to voxel (x0, y0, zs[0]).
 */
function cropSlices(v: Volume, box: [number, number, number, number], zs: readonly number[]): Volume {
  const [X, Y] = v.dims;
  const [x0, x1, y0, y1] = box;
  const W = x1 - x0;
  const H = y1 - y0;
  const data = new Float32Array(W * H * zs.length);
  zs.forEach((z, k) => {
    for (let y = 0; y < H; y++) {
      const src = x0 + X * (y0 + y + Y * z);
      data.set(v.data.subarray(src, src + W), W * (y + H * k));
    }
  });
  const a = v.affine;
  const affine = [...a];
  const z0 = zs[0] ?? 0;
  for (let r = 0; r < 3; r++)
    affine[4 * r + 3] = a[4 * r] * x0 + a[4 * r + 1] * y0 + a[4 * r + 2] * z0 + a[4 * r + 3];
  return { data, dims: [W, H, zs.length], spacing: [...v.spacing], affine };
}

/** A (anterior) at the top, P at the bottom, R on the left, L on the right of a tile (as the montage). */
function drawOrientation(cv: Canvas, x: number, y: number, view: AxialView, fs: number): void {
  const h = textHeight(fs);
  drawTextOutlined(cv, 'A', x + view.width / 2, y + 3, ORIENTATION_COLOUR, fs, 'center');
  drawTextOutlined(cv, 'P', x + view.width / 2, y + view.height - h - 3, ORIENTATION_COLOUR, fs, 'center');
  drawTextOutlined(cv, 'R', x + 4, y + view.height / 2 - h / 2, ORIENTATION_COLOUR, fs, 'left');
  drawTextOutlined(cv, 'L', x + view.width - 4, y + view.height / 2 - h / 2, ORIENTATION_COLOUR, fs, 'right');
}

/** Nearest-voxel mask per display pixel, with a border of zeros (for the outline test). */
function maskRaster(view: AxialView, mask: Volume, z: number): Uint8Array {
  const [X, Y] = mask.dims;
  const W = view.width;
  const H = view.height;
  const out = new Uint8Array((W + 2) * (H + 2));
  const base = X * Y * z;
  for (let v = 0; v < H; v++)
    for (let u = 0; u < W; u++) {
      const [x, y] = displayToVoxel(view, u, v);
      const xi = Math.round(x);
      const yi = Math.round(y);
      if (xi < 0 || yi < 0 || xi >= X || yi >= Y) continue;
      out[u + 1 + (W + 2) * (v + 1)] = mask.data[base + xi + X * yi] !== 0 ? 1 : 0;
    }
  return out;
}

/**
 * One fused tile: baseline in magenta (R + B), follow-up in green (G), each windowed to its own robust
 * range; where the two agree the pixel is grey. The greyscale resampling is drawAxialTile's, drawn into
 * scratch canvases and combined channel by channel.
 */
function drawFusedTile(
  cv: Canvas,
  ox: number,
  oy: number,
  view: AxialView,
  baseline: Volume,
  followup: Volume,
  z: number,
  blWin: [number, number],
  fuWin: [number, number],
  scratch: { bl: Canvas; fu: Canvas },
  mask: Uint8Array | undefined,
): void {
  drawAxialTile(scratch.bl, 0, 0, view, baseline, z, blWin);
  drawAxialTile(scratch.fu, 0, 0, view, followup, z, fuWin);
  const W = view.width;
  for (let v = 0; v < view.height; v++) {
    const py = oy + v;
    if (py < 0 || py >= cv.height) continue;
    for (let u = 0; u < W; u++) {
      const px = ox + u;
      if (px < 0 || px >= cv.width) continue;
      const s = 4 * (v * W + u);
      const o = 4 * (py * cv.width + px);
      const k = u + 1 + (W + 2) * (v + 1);
      if (mask && mask[k] && !(mask[k - 1] && mask[k + 1] && mask[k - W - 2] && mask[k + W + 2])) {
        cv.data[o] = MASK_OUTLINE[0];
        cv.data[o + 1] = MASK_OUTLINE[1];
        cv.data[o + 2] = MASK_OUTLINE[2];
      } else {
        const b = scratch.bl.data[s];
        cv.data[o] = b;
        cv.data[o + 1] = scratch.fu.data[s];
        cv.data[o + 2] = b;
      }
      cv.data[o + 3] = 255;
    }
  }
}

/** The QC image as a canvas plus where each tile went (renderAlignmentQc encodes the canvas). */
export function renderAlignmentQcCanvas(input: AlignmentQcInput): {
  canvas: Canvas;
  tiles: AlignmentQcTile[];
} {
  checkInput(input);
  const { baseline, before, after, brainMask } = input;
  const tilePx = Math.max(32, Math.round(input.tilePx ?? 240));
  const fs = tilePx >= 384 ? 3 : 2;
  const small = fs - 1 || 1;
  const margin = 16;
  const gap = 10;
  const rowGap = 14;

  const blValues = brainValues(baseline, brainMask);
  const blWin = intensityWindow(blValues);
  // one window for both follow-up rows (the same scan), from the aligned one, where the brain mask fits it
  const afterValues = brainValues(after, brainMask);
  const fuWin = matchedWindow(
    blValues,
    afterValues.length > 0 ? afterValues : brainValues(before, brainMask),
    blWin,
  );
  const slices =
    input.slices ??
    alignmentQcSlices(
      brainAreaPerSlice(input, blWin),
      Math.max(1, Math.min(8, Math.round(input.maxSlices ?? 5))),
    );
  for (const z of slices) {
    if (!Number.isInteger(z) || z < 0 || z >= baseline.dims[2]) {
      throw new AnetError('INTERNAL', `alignment QC: slice ${z} outside 0..${baseline.dims[2] - 1}`);
    }
  }
  const tenth = (w: [number, number]) => w[0] + 0.1 * (w[1] - w[0]);
  const box = contentBox(
    [
      { data: baseline.data, thr: tenth(blWin), minFraction: 0.03 },
      { data: before.data, thr: tenth(fuWin), minFraction: 0.03 },
      { data: after.data, thr: tenth(fuWin), minFraction: 0.03 },
      ...(brainMask ? [{ data: brainMask.data, thr: 0, minFraction: 0 }] : []),
    ],
    baseline.dims,
    slices,
  );
  const crop = (v: Volume) => cropSlices(v, box, slices);
  const shown = { baseline: crop(baseline), before: crop(before), after: crop(after) };
  const shownMask = brainMask ? crop(brainMask) : undefined;
  const view = axialView(shown.baseline, tilePx);
  const cols = Math.max(1, slices.length);
  const width = Math.max(2 * margin + cols * view.width + (cols - 1) * gap, 560);
  const inner = width - 2 * margin;

  const title = input.title ?? 'Alignment QC: follow-up on baseline';
  const lines = input.lines ?? [];
  const legend: Array<[string, Rgb]> = [
    ['Baseline magenta,', BASELINE_MAGENTA],
    ['follow-up green:', FOLLOWUP_GREEN],
    ['grey where they agree.', WHITE],
    ...(brainMask ? ([['Orange outline: baseline brain mask.', MASK_OUTLINE]] as Array<[string, Rgb]>) : []),
  ];
  const rows: Array<{ key: 'before' | 'after'; label: string; followup: Volume }> = [
    { key: 'before', label: 'Before alignment (follow-up as stored)', followup: shown.before },
    { key: 'after', label: 'After alignment (follow-up registered to baseline)', followup: shown.after },
  ];
  const orientation =
    'Radiological orientation: patient right on image left, anterior up. Slice positions are the world superior (S) / inferior (I) coordinate in mm from the baseline header.';

  const headerH =
    wrappedHeight(title, inner, fs + 1) +
    4 +
    lines.reduce((h, l) => h + wrappedHeight(l, inner, fs), 0) +
    colouredText(undefined, legend, 0, 0, inner, fs) +
    8;
  const rowLabelH = rows.map((r) => wrappedHeight(r.label, inner, fs));
  const zLabelH = textHeight(fs) + 6;
  const rowH = rowLabelH.map((h) => h + zLabelH + view.height);
  const orientationH = wrappedHeight(orientation, inner, small);
  const footerH = wrappedHeight(FOOTER_TEXT, inner, small);
  const height = margin + headerH + rowH[0] + rowGap + rowH[1] + 16 + orientationH + 8 + footerH + margin;
  const cv = createCanvas(width, height, BG);

  let y = margin;
  y += drawWrapped(cv, title, margin, y, inner, WHITE, fs + 1) + 4;
  for (const line of lines) y += drawWrapped(cv, line, margin, y, inner, WHITE, fs);
  y += colouredText(cv, legend, margin, y, inner, fs);
  y = margin + headerH;

  const scratch = { bl: createCanvas(view.width, view.height), fu: createCanvas(view.width, view.height) };
  const masks = new Map<number, Uint8Array>();
  if (shownMask) slices.forEach((z, k) => masks.set(k, maskRaster(view, shownMask, k)));
  const tiles: AlignmentQcTile[] = [];
  rows.forEach((row, r) => {
    y += drawWrapped(cv, row.label, margin, y, inner, WHITE, fs);
    slices.forEach((z, k) => {
      const tx = margin + k * (view.width + gap);
      drawText(cv, formatSlicePosition(baseline, z), tx, y, GREY, fs);
      const ty = y + zLabelH;
      drawFusedTile(cv, tx, ty, view, shown.baseline, row.followup, k, blWin, fuWin, scratch, masks.get(k));
      drawOrientation(cv, tx, ty, view, small);
      tiles.push({ row: row.key, z, x: tx, y: ty, view, crop: [box[0], box[2]] });
    });
    y += zLabelH + view.height + (r === 0 ? rowGap : 0);
  });
  y += 16;
  y += drawWrapped(cv, orientation, margin, y, inner, GREY, small) + 8;
  drawWrapped(cv, FOOTER_TEXT, margin, y, inner, FOOTER_COLOUR, small);
  return { canvas: cv, tiles };
}

/**
 * Alignment QC PNG: for a few axial slices spread over the brain, the baseline (magenta) fused with the
 * follow-up (green) before and after the rigid alignment. Aligned anatomy is grey; misalignment shows as
 * magenta/green fringes. All volumes on the baseline's grid; the inputs are not modified.
 */
export function renderAlignmentQc(input: AlignmentQcInput): Uint8Array {
  return encodePng(renderAlignmentQcCanvas(input).canvas);
}
