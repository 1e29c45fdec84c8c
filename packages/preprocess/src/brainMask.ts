import type { Volume } from '@anet/contracts';
import { gridAxisMap, invertAxisMap, resampleAxisAligned } from './resample';

type Vec3 = [number, number, number];

/** [min, max] of the data (Infinity, −Infinity when empty), the histogram range of the thresholds. */
function valueRange(data: Float32Array): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    if (data[i] < min) min = data[i];
    if (data[i] > max) max = data[i];
  }
  return [min, max];
}

/** Otsu's threshold over a `bins`-level histogram of the data (maximises between-class variance). */
export function otsuThreshold(data: Float32Array, bins = 256): number {
  const [min, max] = valueRange(data);
  if (!(max > min)) return min;
  const counts = new Float64Array(bins);
  const scale = bins / (max - min);
  for (let i = 0; i < data.length; i++) {
    const b = Math.floor((data[i] - min) * scale);
    counts[b >= bins ? bins - 1 : b]++;
  }
  const centre = (b: number) => min + (b + 0.5) / scale;
  let total = 0;
  let sumAll = 0;
  for (let b = 0; b < bins; b++) {
    total += counts[b];
    sumAll += counts[b] * centre(b);
  }
  let w0 = 0;
  let sum0 = 0;
  let best = -1;
  let bestB = 0;
  for (let b = 0; b < bins - 1; b++) {
    w0 += counts[b];
    sum0 += counts[b] * centre(b);
    const w1 = total - w0;
    if (w0 === 0 || w1 === 0) continue;
    const d = sum0 / w0 - (sumAll - sum0) / w1;
    const between = w0 * w1 * d * d;
    if (between > best) {
      best = between;
      bestB = b;
    }
  }
  // Threshold at the upper edge of the last background bin.
  return min + (bestB + 1) / scale;
}

/**
 * Li's minimum cross-entropy threshold (Li & Lee 1993, iterative form of Li & Tam 1998, as
 * skimage.filters.threshold_li), on a `bins`-level histogram. On head MRI it separates head from
 * background without cutting grey matter off, which Otsu does when bright fat and vessels pull it up.
 */
export function liThreshold(data: Float32Array, bins = 1024): number {
  const [min, max] = valueRange(data);
  if (!(max > min)) return min;
  const counts = new Float64Array(bins);
  const scale = bins / (max - min);
  for (let i = 0; i < data.length; i++) {
    const b = ((data[i] - min) * scale) | 0;
    counts[b >= bins ? bins - 1 : b]++;
  }
  // Work on values shifted to be ≥ a small positive offset (the method needs logs of class means).
  const eps = 0.5 / scale;
  const val = (b: number) => (b + 0.5) / scale + eps;
  let total = 0;
  let sum = 0;
  for (let b = 0; b < bins; b++) {
    total += counts[b];
    sum += counts[b] * val(b);
  }
  let t = sum / total;
  for (let iter = 0; iter < 1000; iter++) {
    let n0 = 0;
    let s0 = 0;
    for (let b = 0; b < bins && val(b) <= t; b++) {
      n0 += counts[b];
      s0 += counts[b] * val(b);
    }
    const n1 = total - n0;
    if (n0 === 0 || n1 === 0) break;
    const m0 = s0 / n0;
    const m1 = (sum - s0) / n1;
    const next = (m1 - m0) / (Math.log(m1) - Math.log(m0));
    if (Math.abs(next - t) < 0.5 / scale) {
      t = next;
      break;
    }
    t = next;
  }
  return t - eps + min;
}

/**
 * Calls `visit` with each face (6-connected) neighbour of voxel `i` that lies inside the X × Y × Z
 * volume, in the order −x, +x, −y, +y, −z, +z.
 */
function forEachFaceNeighbour(i: number, X: number, Y: number, Z: number, visit: (j: number) => void): void {
  const XY = X * Y;
  const z = (i / XY) | 0;
  const rem = i - z * XY;
  const y = (rem / X) | 0;
  const x = rem - y * X;
  if (x > 0) visit(i - 1);
  if (x < X - 1) visit(i + 1);
  if (y > 0) visit(i - X);
  if (y < Y - 1) visit(i + X);
  if (z > 0) visit(i - XY);
  if (z < Z - 1) visit(i + XY);
}

/** Keeps the largest 6-connected component of a 0/1 mask (in place), returns its size. */
export function keepLargestComponent(mask: Uint8Array, dims: Vec3): number {
  const [X, Y, Z] = dims;
  const label = new Int32Array(mask.length);
  const queue = new Int32Array(mask.length);
  let bestLabel = 0;
  let bestSize = 0;
  let next = 0;
  let tail = 0;
  // The neighbours that exist, unlabelled foreground only.
  const visit = (j: number) => {
    if (mask[j] && !label[j]) {
      label[j] = next;
      queue[tail++] = j;
    }
  };
  for (let s = 0; s < mask.length; s++) {
    if (!mask[s] || label[s]) continue;
    next++;
    let head = 0;
    tail = 0;
    queue[tail++] = s;
    label[s] = next;
    while (head < tail) forEachFaceNeighbour(queue[head++], X, Y, Z, visit);
    if (tail > bestSize) {
      bestSize = tail;
      bestLabel = next;
    }
  }
  for (let i = 0; i < mask.length; i++) mask[i] = bestLabel > 0 && label[i] === bestLabel ? 1 : 0;
  return bestSize;
}

/**
 * Per axial slice, removes 4-connected islands smaller than `fraction` of that slice's largest one
 * (in place): scalp fragments that reach the brain only through other slices.
 */
export function dropSmallIslandsPerSlice(mask: Uint8Array, dims: Vec3, fraction: number): void {
  const [X, Y, Z] = dims;
  const XY = X * Y;
  const label = new Int32Array(XY);
  const queue = new Int32Array(XY);
  const sizes: number[] = [0];
  for (let z = 0; z < Z; z++) {
    const m = mask.subarray(z * XY, (z + 1) * XY);
    label.fill(0);
    sizes.length = 1;
    for (let s0 = 0; s0 < XY; s0++) {
      if (!m[s0] || label[s0]) continue;
      const id = sizes.length;
      let head = 0;
      let tail = 0;
      queue[tail++] = s0;
      label[s0] = id;
      while (head < tail) {
        const i = queue[head++];
        const y = (i / X) | 0;
        const x = i - y * X;
        for (const j of [
          x > 0 ? i - 1 : -1,
          x < X - 1 ? i + 1 : -1,
          y > 0 ? i - X : -1,
          y < Y - 1 ? i + X : -1,
        ]) {
          if (j >= 0 && m[j] && !label[j]) {
            label[j] = id;
            queue[tail++] = j;
          }
        }
      }
      sizes.push(tail);
    }
    const largest = Math.max(0, ...sizes);
    for (let i = 0; i < XY; i++) if (label[i] && sizes[label[i]] < fraction * largest) m[i] = 0;
  }
}

/** Fills every background region not 6-connected to the volume border (3D holes), in place. */
export function fillHoles3d(mask: Uint8Array, dims: Vec3): void {
  const [X, Y, Z] = dims;
  const outside = new Uint8Array(mask.length);
  const queue = new Int32Array(mask.length);
  let tail = 0;
  const seed = (i: number) => {
    if (!mask[i] && !outside[i]) {
      outside[i] = 1;
      queue[tail++] = i;
    }
  };
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++) {
      const row = X * (y + Y * z);
      // A single slice has no z border (2D filling), otherwise every voxel would seed.
      const zBorder = Z > 1 && (z === 0 || z === Z - 1);
      if (zBorder || y === 0 || y === Y - 1) for (let x = 0; x < X; x++) seed(row + x);
      else {
        seed(row);
        seed(row + X - 1);
      }
    }
  let head = 0;
  while (head < tail) forEachFaceNeighbour(queue[head++], X, Y, Z, seed);
  for (let i = 0; i < mask.length; i++) if (!outside[i]) mask[i] = 1;
}

/** Fills holes of each axial slice separately (cavities open to the top/bottom of the stack). */
export function fillHolesPerSlice(mask: Uint8Array, dims: Vec3): void {
  const [X, Y, Z] = dims;
  const XY = X * Y;
  for (let z = 0; z < Z; z++) {
    const slice = mask.subarray(z * XY, (z + 1) * XY);
    fillHoles3d(slice, [X, Y, 1]);
  }
}

/**
 * Binary erosion or dilation with a box of half-widths `radius` (voxels per axis), in place:
 * separable sliding-window counts, O(n) per axis whatever the radius. Outside the volume counts as
 * background.
 */
export function morph(mask: Uint8Array, dims: Vec3, radius: Vec3, op: 'erode' | 'dilate'): void {
  const [X, Y, Z] = dims;
  const strides = [1, X, X * Y];
  const line = new Uint8Array(Math.max(X, Y, Z));
  for (let axis = 0; axis < 3; axis++) {
    const r = radius[axis];
    if (r <= 0) continue;
    const n = dims[axis];
    const stride = strides[axis];
    const others = [0, 1, 2].filter((a) => a !== axis);
    const [A, B] = [dims[others[0]], dims[others[1]]];
    for (let b = 0; b < B; b++)
      for (let a = 0; a < A; a++) {
        const start = a * strides[others[0]] + b * strides[others[1]];
        for (let k = 0; k < n; k++) line[k] = mask[start + k * stride];
        // count of ones in [k − r, k + r]
        let count = 0;
        for (let k = 0; k < Math.min(r, n); k++) count += line[k];
        for (let k = 0; k < n; k++) {
          if (k + r < n) count += line[k + r];
          if (k - r - 1 >= 0) count -= line[k - r - 1];
          const lo = Math.max(0, k - r);
          const hi = Math.min(n - 1, k + r);
          const full = 2 * r + 1;
          // Erosion needs the full window inside and all ones; dilation any one.
          mask[start + k * stride] =
            op === 'erode' ? (hi - lo + 1 === full && count === full ? 1 : 0) : count > 0 ? 1 : 0;
        }
      }
  }
}

// "No feature": far beyond any squared distance in mm², small enough to keep 1e-4 precision.
const FAR = 1e12;

/** Felzenszwalb–Huttenlocher 1D squared distance transform: d[q] = min_p w·(q − p)² + f[p]. */
function sqDistance1d(
  f: Float64Array,
  n: number,
  w: number,
  d: Float64Array,
  v: Int32Array,
  zz: Float64Array,
) {
  let k = 0;
  v[0] = 0;
  zz[0] = -Infinity;
  zz[1] = Infinity;
  for (let q = 1; q < n; q++) {
    let p = v[k];
    let s = (f[q] + w * q * q - (f[p] + w * p * p)) / (2 * w * (q - p));
    // zz[0] = −∞ stops the pop at k = 0.
    while (s <= zz[k]) {
      k--;
      p = v[k];
      s = (f[q] + w * q * q - (f[p] + w * p * p)) / (2 * w * (q - p));
    }
    k++;
    v[k] = q;
    zz[k] = s;
    zz[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (zz[k + 1] < q) k++;
    const p = v[k];
    d[q] = w * (q - p) * (q - p) + f[p];
  }
}

/**
 * Binary erosion or dilation of each axial slice with a disc of `radiusMm` (in-plane spacing honoured),
 * in place, via an exact 2D Euclidean distance transform: O(n) whatever the radius, round not blocky.
 * Outside the volume counts as background.
 */
export function morphDisc(
  mask: Uint8Array,
  dims: Vec3,
  spacing: Vec3,
  radiusMm: number,
  op: 'erode' | 'dilate',
): void {
  const [X, Y, Z] = dims;
  const wx = spacing[0] * spacing[0];
  const wy = spacing[1] * spacing[1];
  const r2 = radiusMm * radiusMm;
  const m = Math.max(X, Y);
  const f = new Float64Array(m);
  const d = new Float64Array(m);
  const v = new Int32Array(m);
  const zz = new Float64Array(m + 1);
  const rows = new Float64Array(X * Y);
  // Features: the set we measure distance to (mask for dilation, background for erosion).
  const feature = op === 'dilate' ? 1 : 0;
  for (let z = 0; z < Z; z++) {
    const base = z * X * Y;
    for (let y = 0; y < Y; y++) {
      for (let x = 0; x < X; x++) f[x] = mask[base + y * X + x] === feature ? 0 : FAR;
      sqDistance1d(f, X, wx, d, v, zz);
      for (let x = 0; x < X; x++) {
        // For erosion the border is background: virtual features just outside each end (taken after the
        // transform, as a constant per column, so the y pass carries them correctly).
        const border = op === 'erode' ? Math.min((x + 1) * (x + 1), (X - x) * (X - x)) * wx : FAR;
        rows[y * X + x] = Math.min(d[x], border);
      }
    }
    for (let x = 0; x < X; x++) {
      for (let y = 0; y < Y; y++) f[y] = rows[y * X + x];
      sqDistance1d(f, Y, wy, d, v, zz);
      for (let y = 0; y < Y; y++) {
        let dist = d[y];
        if (op === 'erode') dist = Math.min(dist, Math.min((y + 1) * (y + 1), (Y - y) * (Y - y)) * wy);
        mask[base + y * X + x] = op === 'dilate' ? (dist <= r2 ? 1 : 0) : dist > r2 ? 1 : 0;
      }
    }
  }
}

export interface BrainMaskOptions {
  /** In-plane erosion radius in mm that detaches the scalp from the brain (default 7). */
  openingRadiusMm: number;
  /** In-plane closing radius in mm that bridges sulci and dark brain regions (default 5). */
  closingRadiusMm: number;
}

/**
 * Our own brain mask when none is supplied: Li threshold → in-plane erosion (opening radius) →
 * largest 6-connected 3D component → dilation by the same radius (an opening restricted to that
 * component) → in-plane closing → per-slice removal of islands < 10 % of the slice's largest → 3D and
 * per-slice hole filling.
 *
 * Limits (read before trusting it): it works when the dark skull separates brain from scalp by about
 * the opening radius; where scalp, orbits or neck muscle touch the brain over a wider area they stay in,
 * and brain thinner than twice the radius (cortex next to the vertex, the brain stem) can be cut off.
 * Dark regions (ventricles, necrosis, sulcal CSF) are kept only when enclosed after the closing.
 * Discs (exact distance transform), radii capped at 6 % of the in-plane field of view. In-plane because a 3D ball removes whole slices of thick-slice clinical scans. It is
 * not HD-BET: supply a mask per scan for paper-grade skull stripping. Scans ≥ 160 voxels in-plane are
 * masked at half in-plane resolution.
 */
export function computeBrainMask(vol: Volume, opts: Partial<BrainMaskOptions> = {}): Volume {
  const [X, Y, Z] = vol.dims;
  if (X >= 160 && Y >= 160) {
    // A mask needs no sub-2 mm detail: build it at half in-plane resolution (¼ of the voxels; the
    // linear downsampling averages voxel pairs) and bring it back linearly, thresholded at ½.
    const half: Vec3 = [Math.ceil(X / 2), Math.ceil(Y / 2), Z];
    const map = gridAxisMap(vol.dims, half);
    const small = resampleAxisAligned(vol, half, map);
    const m = computeBrainMask(small, opts);
    const back = resampleAxisAligned(m, vol.dims, invertAxisMap(map));
    for (let i = 0; i < back.data.length; i++) back.data[i] = back.data[i] >= 0.5 ? 1 : 0;
    return { ...vol, data: back.data };
  }
  return computeBrainMaskAtResolution(vol, opts);
}

function computeBrainMaskAtResolution(vol: Volume, opts: Partial<BrainMaskOptions>): Volume {
  const openMm = opts.openingRadiusMm ?? 7;
  const closeMm = opts.closingRadiusMm ?? 5;
  const dims = vol.dims;
  // Radii at most 6 % of the in-plane field of view: a field of view only a few cm wide (a phantom, or
  // a header whose spacing was lost) would otherwise be eroded away entirely.
  const sp: Vec3 = [vol.spacing[0] || 1, vol.spacing[1] || 1, vol.spacing[2] || 1];
  const cap = Math.max(1.5 * Math.max(sp[0], sp[1]), 0.06 * Math.min(dims[0] * sp[0], dims[1] * sp[1]));
  const disc = (m: Uint8Array, mm: number, op: 'erode' | 'dilate') =>
    morphDisc(m, dims, sp, Math.min(cap, mm), op);
  const t = liThreshold(vol.data);
  const fg = new Uint8Array(vol.data.length);
  for (let i = 0; i < fg.length; i++) fg[i] = vol.data[i] > t ? 1 : 0;
  const m = fg.slice();
  disc(m, openMm, 'erode');
  if (keepLargestComponent(m, dims) === 0) {
    // Erosion removed everything (a small or thin object): fall back to the plain foreground.
    m.set(fg);
    keepLargestComponent(m, dims);
  } else {
    disc(m, openMm, 'dilate');
  }
  disc(m, closeMm, 'dilate');
  disc(m, closeMm, 'erode');
  dropSmallIslandsPerSlice(m, dims, 0.1);
  fillHoles3d(m, dims);
  fillHolesPerSlice(m, dims);
  const data = new Float32Array(m.length);
  for (let i = 0; i < m.length; i++) data[i] = m[i];
  return { ...vol, data };
}

/** Skull-strip: voxel-wise product with a 0/1 mask. */
export function applyMask(vol: Volume, mask: Volume): Volume {
  const out = new Float32Array(vol.data.length);
  for (let i = 0; i < out.length; i++) out[i] = mask.data[i] > 0.5 ? vol.data[i] : 0;
  return { ...vol, data: out };
}
