import type { Volume } from '@anet/contracts';
import { FAR, sqDistance1d, sqDistanceTransform } from './distance';
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

/** 6-connected components of a 0/1 mask: labels 1..count per voxel (0 outside) and each one's size. */
function labelComponents(mask: Uint8Array, dims: Vec3): { label: Int32Array; sizes: number[] } {
  const [X, Y, Z] = dims;
  const label = new Int32Array(mask.length);
  const queue = new Int32Array(mask.length);
  const sizes = [0];
  let tail = 0;
  const visit = (j: number) => {
    if (mask[j] && !label[j]) {
      label[j] = sizes.length;
      queue[tail++] = j;
    }
  };
  for (let s = 0; s < mask.length; s++) {
    if (!mask[s] || label[s]) continue;
    let head = 0;
    tail = 0;
    visit(s);
    while (head < tail) forEachFaceNeighbour(queue[head++], X, Y, Z, visit);
    sizes.push(tail);
  }
  return { label, sizes };
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

// Development hook (removed before merge).
export const brainMaskDebug: { hook?: (stage: string, m: Uint8Array, vol: Volume) => void; log?: (s: string) => void } = {};

/** Fills the 4-connected background holes of each axial slice whose area is at most `maxVoxels`. */
function fillSmallHolesPerSlice(mask: Uint8Array, dims: Vec3, maxVoxels: number): void {
  const [X, Y, Z] = dims;
  const XY = X * Y;
  const seen = new Uint8Array(XY);
  const queue = new Int32Array(XY);
  for (let z = 0; z < Z; z++) {
    const m = mask.subarray(z * XY, (z + 1) * XY);
    seen.fill(0);
    for (let s0 = 0; s0 < XY; s0++) {
      if (m[s0] || seen[s0]) continue;
      let head = 0;
      let tail = 0;
      let border = false;
      queue[tail++] = s0;
      seen[s0] = 1;
      while (head < tail) {
        const i = queue[head++];
        const y = (i / X) | 0;
        const x = i - y * X;
        if (x === 0 || y === 0 || x === X - 1 || y === Y - 1) border = true;
        if (x > 0 && !m[i - 1] && !seen[i - 1]) ((seen[i - 1] = 1), (queue[tail++] = i - 1));
        if (x < X - 1 && !m[i + 1] && !seen[i + 1]) ((seen[i + 1] = 1), (queue[tail++] = i + 1));
        if (y > 0 && !m[i - X] && !seen[i - X]) ((seen[i - X] = 1), (queue[tail++] = i - X));
        if (y < Y - 1 && !m[i + X] && !seen[i + X]) ((seen[i + X] = 1), (queue[tail++] = i + X));
      }
      if (!border && tail <= maxVoxels) for (let k = 0; k < tail; k++) m[queue[k]] = 1;
    }
  }
}

/**
 * Geodesic growth: the voxels of `allowed` whose distance from `seed` along paths inside `allowed`
 * (8-connected in-plane, 6 through-plane, steps weighted by `spacing`) is at most `budgetMm`.
 * Exact Dijkstra with one FIFO per step length (few distinct weights keep each FIFO sorted).
 */
function geodesicGrow(seed: Uint8Array, allowed: Uint8Array, dims: Vec3, spacing: Vec3, budgetMm: number): Uint8Array {
  const [X, Y, Z] = dims;
  const XY = X * Y;
  const n = seed.length;
  const dist = new Float32Array(n).fill(Infinity);
  const w = [spacing[0], spacing[1], Math.hypot(spacing[0], spacing[1]), spacing[2]];
  const queues = w.map(() => new Int32Array(n));
  const qd = w.map(() => new Float32Array(n));
  const heads = [0, 0, 0, 0];
  const tails = [0, 0, 0, 0];
  // Seeds enter the first FIFO at distance 0 (all equal, so it stays sorted).
  for (let i = 0; i < n; i++)
    if (seed[i] && allowed[i]) {
      dist[i] = 0;
      queues[0][tails[0]] = i;
      qd[0][tails[0]++] = 0;
    }
  const out = new Uint8Array(n);
  const push = (j: number, d: number, k: number) => {
    if (d <= budgetMm && allowed[j] && d < dist[j]) {
      dist[j] = d;
      queues[k][tails[k]] = j;
      qd[k][tails[k]++] = d;
    }
  };
  for (;;) {
    let k = -1;
    let best = Infinity;
    for (let q = 0; q < 4; q++) if (heads[q] < tails[q] && qd[q][heads[q]] < best) ((best = qd[q][heads[q]]), (k = q));
    if (k < 0) break;
    const i = queues[k][heads[k]++];
    if (best > dist[i] || out[i]) continue;
    out[i] = 1;
    const z = (i / XY) | 0;
    const rem = i - z * XY;
    const y = (rem / X) | 0;
    const x = rem - y * X;
    const xm = x > 0;
    const xp = x < X - 1;
    const ym = y > 0;
    const yp = y < Y - 1;
    if (xm) push(i - 1, best + w[0], 0);
    if (xp) push(i + 1, best + w[0], 0);
    if (ym) push(i - X, best + w[1], 1);
    if (yp) push(i + X, best + w[1], 1);
    if (xm && ym) push(i - 1 - X, best + w[2], 2);
    if (xp && ym) push(i + 1 - X, best + w[2], 2);
    if (xm && yp) push(i - 1 + X, best + w[2], 2);
    if (xp && yp) push(i + 1 + X, best + w[2], 2);
    if (z > 0) push(i - XY, best + w[3], 3);
    if (z < Z - 1) push(i + XY, best + w[3], 3);
  }
  return out;
}

/** Erosion (distance to the background > r) or dilation (distance to the mask ≤ r) by an ellipsoid ball. */
function morphBall(mask: Uint8Array, dims: Vec3, spacing: Vec3, radiusMm: number, op: 'erode' | 'dilate', axes3d: boolean): Uint8Array {
  const d2 = sqDistanceTransform(mask, dims, spacing, op === 'erode' ? 0 : 1, false, axes3d);
  const r2 = radiusMm * radiusMm;
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < out.length; i++) out[i] = op === 'erode' ? (d2[i] > r2 ? 1 : 0) : d2[i] <= r2 ? 1 : 0;
  return out;
}

function quantile(values: Float32Array, n: number, q: number): number {
  const a = values.subarray(0, n).sort();
  return a[Math.min(n - 1, Math.max(0, Math.floor(q * (n - 1))))];
}

function computeBrainMaskAtResolution(vol: Volume, opts: Partial<BrainMaskOptions>): Volume {
  const dims = vol.dims;
  const [X, Y, Z] = dims;
  const XY = X * Y;
  const n = vol.data.length;
  const v = vol.data;
  const sp: Vec3 = [vol.spacing[0] || 1, vol.spacing[1] || 1, vol.spacing[2] || 1];
  const dbg = (stage: string, m: Uint8Array) => brainMaskDebug.hook?.(stage, m, vol);
  const toVolume = (m: Uint8Array): Volume => {
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = m[i];
    return { ...vol, data };
  };

  // 1. Head: above Li's threshold, largest component, holes (skull, CSF) filled.
  const li = liThreshold(v);
  const head = new Uint8Array(n);
  for (let i = 0; i < n; i++) head[i] = v[i] > li ? 1 : 0;
  if (keepLargestComponent(head, dims) === 0) return toVolume(head);
  fillHolesPerSlice(head, dims);
  fillHoles3d(head, dims);
  dbg('head', head);

  // Head size: equivalent diameter of the largest axial cross-section; s scales the mm constants
  // (1 for an adult head ~170 mm across, smaller for phantoms or headers with a lost spacing).
  let maxArea = 0;
  let headSlices = 0;
  for (let z = 0; z < Z; z++) {
    let a = 0;
    for (let i = z * XY; i < (z + 1) * XY; i++) a += head[i];
    if (a > 0) headSlices++;
    maxArea = Math.max(maxArea, a);
  }
  const diam = 2 * Math.sqrt((maxArea * sp[0] * sp[1]) / Math.PI);
  const s = Math.min(1, Math.max(0.1, diam / 170));
  // Through-plane spacing: a head only a fraction of its width tall means the header's z spacing is
  // wrong (thick slices labelled 1 mm); use a plausible one so that 3D distances stay meaningful.
  let sz = sp[2];
  if (Z > 1 && headSlices * sz < 0.45 * diam) sz = Math.max(sz, (0.75 * diam) / headSlices);
  const spE: Vec3 = [sp[0], sp[1], sz];

  // 2. Depth below the head surface (3D, mm).
  const depth2 = sqDistanceTransform(head, dims, spE, 0, false, Z > 1);

  // 3. Tissue reference: median of the deep head voxels above Li's threshold.
  const deepMm = 25 * s;
  const buf = new Float32Array(n);
  let nb = 0;
  for (let i = 0; i < n; i++) if (head[i] && depth2[i] > deepMm * deepMm && v[i] > li) buf[nb++] = v[i];
  if (nb < 100) {
    nb = 0;
    for (let i = 0; i < n; i++) if (head[i] && v[i] > li) buf[nb++] = v[i];
  }
  const m = quantile(buf, nb, 0.5);
  const lo1 = 0.6 * m;
  const lo2 = Math.max(li, 0.3 * m);
  const hi = 1.4 * m;
  brainMaskDebug.log?.(`li ${li.toFixed(1)} m ${m.toFixed(1)} s ${s.toFixed(2)} sz ${sz.toFixed(2)} diam ${diam.toFixed(0)}`);

  const dmin = 6 * s;
  const dmin2 = dmin * dmin;
  const rE = opts.openingRadiusMm ?? 6 * s;
  const cap = Math.max(1.5 * Math.max(sp[0], sp[1]), 0.06 * Math.min(X * sp[0], Y * sp[1]));
  const rErode = Math.min(cap, rE);

  // 4. Core tissue band (no CSF, no fat), away from the head surface; noise pinholes filled.
  const core = new Uint8Array(n);
  for (let i = 0; i < n; i++) core[i] = head[i] && depth2[i] >= dmin2 && v[i] >= lo1 && v[i] <= hi ? 1 : 0;
  fillSmallHolesPerSlice(core, dims, Math.ceil((Math.PI * (rErode / 2) ** 2) / (sp[0] * sp[1])));
  const fatMm = Number(process.env.FAT ?? 0) * s;
  if (fatMm > 0) {
    const fat = new Uint8Array(n);
    for (let i = 0; i < n; i++) fat[i] = head[i] && v[i] > hi ? 1 : 0;
    const df = sqDistanceTransform(fat, dims, sp, 1, false, false);
    for (let i = 0; i < n; i++) if (df[i] <= fatMm * fatMm) core[i] = 0;
  }
  dbg('core', core);
  // 5. Seed: the core eroded (ellipsoid ball), largest component.
  const seed = morphBall(core, dims, spE, rErode, 'erode', Z > 1);
  if (keepLargestComponent(seed, dims) === 0) {
    // Nothing survives the erosion (a tiny object): the core's largest component.
    seed.set(core);
    keepLargestComponent(seed, dims);
  }
  dbg('seed', seed);
  // 6. Back to the brain: the core within the eroded seed's reach (an opening), then a geodesic growth
  // into the wider band (CSF included) by a few mm.
  const opened = morphBall(seed, dims, spE, rErode + Math.max(sp[0], sp[1]), 'dilate', Z > 1);
  for (let i = 0; i < n; i++) opened[i] &= core[i];
  keepLargestComponent(opened, dims);
  dbg('opened', opened);
  const wide = new Uint8Array(n);
  for (let i = 0; i < n; i++) wide[i] = head[i] && depth2[i] >= dmin2 && v[i] >= lo2 ? 1 : 0;
  const brain = geodesicGrow(opened, wide, dims, spE, (Number(process.env.GROW ?? 4)) * s);
  for (let i = 0; i < n; i++) brain[i] |= opened[i];
  dbg('grown', brain);
  // 7. Closing (sulci, dark and bright regions at the surface), restricted to the deep head; holes filled.
  const closeMm = Math.min(cap, opts.closingRadiusMm ?? 5 * s);
  morphDisc(brain, dims, sp, closeMm, 'dilate');
  morphDisc(brain, dims, sp, closeMm, 'erode');
  for (let i = 0; i < n; i++) brain[i] &= head[i];
  dbg('closed', brain);
  // 8. Lesions at the brain surface (enhancing rim brighter than the band, necrosis darker than the core
  // band): bays of the mask up to ~2·rescue wide, filled with anything but skull-dark or shallow voxels.
  const rescueMm = 12 * s;
  const bay = brain.slice();
  morphDisc(bay, dims, sp, rescueMm, 'dilate');
  morphDisc(bay, dims, sp, rescueMm, 'erode');
  for (let i = 0; i < n; i++) if (bay[i] && !brain[i] && head[i] && depth2[i] >= dmin2 && v[i] >= lo2) brain[i] = 1;
  dbg('rescued', brain);
  // 9. Enhancing lesions at the surface: bright clusters (≥ 0.2 mL) mostly inside the mask, and what
  // lies within a few mm of them in-plane (not skull-dark, not shallow), so that a tumour touching the
  // skull is kept whole.
  {
    const near = brain.slice();
    morphDisc(near, dims, sp, 3 * s, 'dilate');
    const bright = new Uint8Array(n);
    for (let i = 0; i < n; i++) bright[i] = near[i] && head[i] && v[i] > hi ? 1 : 0;
    const { label, sizes } = labelComponents(bright, dims);
    const inside = new Float64Array(sizes.length);
    for (let i = 0; i < n; i++) if (label[i] && brain[i]) inside[label[i]]++;
    const minVox = (200 * s * s * s) / (sp[0] * sp[1] * sp[2]);
    const lesion = new Uint8Array(n);
    let any = false;
    for (let i = 0; i < n; i++) {
      const l = label[i];
      if (l && sizes[l] >= minVox && inside[l] >= 0.5 * sizes[l]) {
        lesion[i] = 1;
        any = true;
      }
    }
    if (any) {
      dbg('lesion', lesion);
      morphDisc(lesion, dims, sp, 6 * s, 'dilate');
      const d3 = (0.5 * dmin) ** 2;
      for (let i = 0; i < n; i++) if (lesion[i] && head[i] && depth2[i] >= d3 && v[i] >= lo2) brain[i] = 1;
    }
  }
  if (brainMaskDebug.log) {
    // ring statistics of each slice's 2D components
    const ring = brain.slice();
    morphDisc(ring, dims, sp, 3 * s, 'dilate');
    const lab = new Int32Array(n);
    for (let z = 0; z < Z; z++) {
      const sl = brain.slice(z * XY, (z + 1) * XY);
      const { label, sizes } = labelComponents(sl, [X, Y, 1]);
      // assign each ring pixel to nearest comp by dilation per component: approximate with 3mm search
      const stats = sizes.map(() => [0, 0, 0, 0]);
      const r = Math.ceil((3 * s) / sp[0]);
      for (let y = 0; y < Y; y++) for (let x = 0; x < X; x++) {
        const i = x + X * y;
        if (sl[i] || !ring[z * XY + i]) continue;
        let l = 0;
        for (let dy = -r; dy <= r && !l; dy++) for (let dx = -r; dx <= r && !l; dx++) {
          const xx = x + dx, yy = y + dy;
          if (xx >= 0 && yy >= 0 && xx < X && yy < Y && label[xx + X * yy]) l = label[xx + X * yy];
        }
        if (!l) continue;
        const val = v[z * XY + i];
        stats[l][0]++;
        if (val < lo1) stats[l][1]++;
        else if (val > hi) stats[l][2]++;
        else stats[l][3]++;
      }
      const parts = sizes.map((sz, l) => sz > 30 ? `${sz}:d${(stats[l][1] / stats[l][0]).toFixed(2)}b${(stats[l][2] / stats[l][0]).toFixed(2)}` : '').filter((x) => x);
      brainMaskDebug.log(`z${z} ${parts.join(' ')}`);
    }
    void lab;
  }
  dropSmallIslandsPerSlice(brain, dims, 0.1);
  fillHoles3d(brain, dims);
  fillHolesPerSlice(brain, dims);
  return toVolume(brain);
}

/** Skull-strip: voxel-wise product with a 0/1 mask. */
export function applyMask(vol: Volume, mask: Volume): Volume {
  const out = new Float32Array(vol.data.length);
  for (let i = 0; i < out.length; i++) out[i] = mask.data[i] > 0.5 ? vol.data[i] : 0;
  return { ...vol, data: out };
}
