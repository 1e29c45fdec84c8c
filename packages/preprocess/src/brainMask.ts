import type { Volume } from '@anet/contracts';
import { FAR, sqDistance1d, sqDistanceTransform } from './distance';
import {
  convexHullPerSlice,
  fillSmallHolesPerSlice,
  forEachFaceNeighbour,
  geodesicGrow,
  labelComponents,
  morphBall,
} from './maskOps';
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
  /**
   * Erosion radius in mm that detaches the brain from scalp, orbits and neck before its largest
   * component is taken (default 7 for an adult head; scaled down for small heads, capped at 6 % of the
   * in-plane field of view).
   */
  openingRadiusMm: number;
  /** In-plane closing radius in mm that bridges sulci and dark brain regions (default 5, scaled likewise). */
  closingRadiusMm: number;
}

/**
 * Our own brain mask (a 0/1 volume in the scan's grid) when none is supplied, for a contrast-enhanced
 * T1 in canonical orientation (axis 2 superior). Tissue classes come from one intensity reference `m`,
 * the median of the head voxels ≥ 25 mm below its surface (mostly brain): the *core* band
 * [0.6·m, 1.4·m] (grey and white matter, not CSF or bone below it, not fat or marrow above it), the
 * *wide* band [max(Li, 0.3·m), 1.4·m] (CSF too) and *bright* voxels above 1.4·m (fat, vessels, dura,
 * enhancing tumour). Steps:
 *
 * 1. head: above Li's threshold, specks dropped, holes filled; its depth below the surface in mm (3D,
 *    exact distance transform). mm constants scale with the head's size (largest axial cross-section
 *    vs an adult 170 mm), and a through-plane spacing the header gets implausibly small (thick slices
 *    labelled 1 mm) is replaced by one that makes the head as tall as ¾ of its width;
 * 2. core band ≥ 6 mm deep (the scalp, ~4–6 mm, never qualifies), small noise holes filled;
 * 3. seed: that core minus 3 mm around bright voxels (fat planes of the face, neck and orbits), eroded
 *    by a 7 mm ball (an ellipsoid in voxels), largest 3D component;
 * 4. back to the brain: dilation of the seed (reaching ≥ one neighbouring thick slice) within the core
 *    (an opening), then in-plane geodesic growth ≤ 15 mm in the core eroded by 2.5 mm (thin gyri, brain
 *    cut off by necrosis or a resection cavity come back, bridges < 5 mm wide do not carry it out),
 *    then ≤ 2 mm into the wide band (CSF rim) and an in-plane closing;
 * 5. lesions and cavities at the surface: in-plane growth ≤ 30 mm inside each slice's convex hull of
 *    the mask into deep non-dark voxels (a tumour or cavity between brain and skull fills its bay, a
 *    muscle outside the hull is never reached); islands < 10 % of a slice's largest dropped, holes
 *    filled (3D and per slice: ventricles, necrosis);
 * 6. shape: in-plane opening by 9 mm (thin leaks through the skull base), largest component; away
 *    from the widest slice each slice stays within its neighbour's footprint + max(3 mm, 0.6 slice);
 *    below a small (< 25 % of the widest) slice, a slice that grows again going down (neck muscle under
 *    the cerebellum) ends the mask;
 * 7. bright voxels touching the mask that the head surface cannot reach through non-dark voxels
 *    (enhancing rim, dural sinus; not scalp fat or orbital fat), ≤ 40 mm; a last 2 mm in-plane margin
 *    into deep non-dark voxels; holes filled per slice.
 *
 * Limits (read before trusting it): thresholds are relative to `m`, so a strong bias field (the
 * brain > 1.4·m at the coil's hot spot, or < 0.6·m at its cold end) can leave brain out; at the skull
 * base of thick-slice scans the middle cranial fossa, clivus/sella and cisterna magna regions are often
 * included (partial volume with bone), and a few mL of neck muscle can remain under the cerebellum;
 * the mask follows the inner skull more than the cortex (the CSF rim is kept), so it is larger than a
 * BET/HD-BET brain mask (Colin27: Dice ≈ 0.93, recall ≈ 1). Enhancing tissue that touches the skull is
 * kept to within a voxel or two. Scans ≥ 160 voxels in-plane are masked at half in-plane resolution.
 * It is not HD-BET: supply a mask per scan for paper-grade skull stripping.
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

/** The value at quantile q of the first n entries (sorts them in place). */
function quantile(values: Float32Array, n: number, q: number): number {
  const a = values.subarray(0, n).sort();
  return a[Math.min(n - 1, Math.max(0, Math.floor(q * (n - 1))))];
}

/** The head: foreground above Li's threshold without specks (< 1 % of the largest part), holes filled. */
function headMask(v: Float32Array, dims: Vec3, li: number): Uint8Array {
  const n = v.length;
  const head = new Uint8Array(n);
  for (let i = 0; i < n; i++) head[i] = v[i] > li ? 1 : 0;
  // Not only the largest component: a dark skull may separate the scalp from the brain.
  const { label, sizes } = labelComponents(head, dims);
  const largest = Math.max(0, ...sizes);
  for (let i = 0; i < n; i++) head[i] = label[i] && sizes[label[i]] >= 0.01 * largest ? 1 : 0;
  fillHolesPerSlice(head, dims);
  fillHoles3d(head, dims);
  return head;
}

/** Area (voxels) of each axial slice of a mask. */
function sliceAreas(mask: Uint8Array, dims: Vec3): number[] {
  const XY = dims[0] * dims[1];
  const areas: number[] = [];
  for (let z = 0; z < dims[2]; z++) {
    let a = 0;
    for (let i = z * XY; i < (z + 1) * XY; i++) a += mask[i];
    areas.push(a);
  }
  return areas;
}

/**
 * Voxels reachable from the head surface through head voxels ≥ `lo` that are not in `mask`
 * (6-connected): scalp, face, neck, orbits — what lies outside the skull's dark shell.
 */
function reachableFromSurface(
  head: Uint8Array,
  mask: Uint8Array,
  v: Float32Array,
  lo: number,
  dims: Vec3,
): Uint8Array {
  const [X, Y, Z] = dims;
  const n = head.length;
  const out = new Uint8Array(n);
  const queue = new Int32Array(n);
  let tail = 0;
  const pass = (j: number) => head[j] === 1 && !mask[j] && v[j] >= lo;
  for (let i = 0; i < n; i++) {
    if (!pass(i)) continue;
    let surface = false;
    forEachFaceNeighbour(i, X, Y, Z, (j) => {
      if (!head[j]) surface = true;
    });
    if (surface) {
      out[i] = 1;
      queue[tail++] = i;
    }
  }
  for (let h = 0; h < tail; h++)
    forEachFaceNeighbour(queue[h], X, Y, Z, (j) => {
      if (!out[j] && pass(j)) {
        out[j] = 1;
        queue[tail++] = j;
      }
    });
  return out;
}

function computeBrainMaskAtResolution(vol: Volume, opts: Partial<BrainMaskOptions>): Volume {
  const [X, Y, Z] = vol.dims;
  const v = vol.data;
  const out = new Float32Array(v.length);
  // Li's threshold on the whole field of view; the work on the in-plane box around the foreground.
  const li = liThreshold(v);
  let x0 = X;
  let x1 = -1;
  let y0 = Y;
  let y1 = -1;
  for (let z = 0, i = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++, i++)
        if (v[i] > li) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
  if (x1 < 0) return { ...vol, data: out };
  x0 = Math.max(0, x0 - 2);
  y0 = Math.max(0, y0 - 2);
  x1 = Math.min(X - 1, x1 + 2);
  y1 = Math.min(Y - 1, y1 + 2);
  const cx = x1 - x0 + 1;
  const cy = y1 - y0 + 1;
  const crop = new Float32Array(cx * cy * Z);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < cy; y++) {
      const src = x0 + X * (y0 + y + Y * z);
      crop.set(v.subarray(src, src + cx), cx * (y + cy * z));
    }
  const mask = brainMaskOfHead(crop, [cx, cy, Z], vol.spacing, li, opts);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < cy; y++) {
      const dst = x0 + X * (y0 + y + Y * z);
      const src = cx * (y + cy * z);
      for (let x = 0; x < cx; x++) out[dst + x] = mask[src + x];
    }
  return { ...vol, data: out };
}

/** The algorithm of `computeBrainMask` on a field of view cropped to the head, Li's threshold given. */
function brainMaskOfHead(
  v: Float32Array,
  dims: Vec3,
  spacing: readonly number[],
  li: number,
  opts: Partial<BrainMaskOptions>,
): Uint8Array {
  const [X, Y, Z] = dims;
  const XY = X * Y;
  const n = v.length;
  const sp: Vec3 = [spacing[0] || 1, spacing[1] || 1, spacing[2] || 1];
  const inPlane: Vec3 = [sp[0], sp[1], Infinity]; // geodesic steps within each slice only

  // 1. Head, its size and depth.
  const head = headMask(v, dims, li);
  const headAreas = sliceAreas(head, dims);
  const maxArea = Math.max(0, ...headAreas);
  if (maxArea === 0) return head;
  const headSlices = headAreas.filter((a) => a > 0).length;
  const diam = 2 * Math.sqrt((maxArea * sp[0] * sp[1]) / Math.PI);
  // mm constants are for an adult head (~170 mm across its largest axial section); smaller heads
  // (phantoms, a header whose spacing was lost) scale them down.
  const s = Math.min(1, Math.max(0.1, diam / 170));
  // A head only a fraction of its width tall means the header's z spacing is wrong (thick slices
  // labelled 1 mm): use one that makes it ¾ as tall as wide, so that 3D distances stay meaningful.
  let sz = sp[2];
  if (Z > 1 && headSlices * sz < 0.45 * diam) sz = Math.max(sz, (0.75 * diam) / headSlices);
  const spE: Vec3 = [sp[0], sp[1], sz];
  const depth2 = sqDistanceTransform(head, dims, spE, 0, false, Z > 1);

  // 2. Intensity reference and bands.
  const deep2 = (25 * s) ** 2;
  const buf = new Float32Array(n);
  let nb = 0;
  for (let i = 0; i < n; i++) if (head[i] && depth2[i] > deep2 && v[i] > li) buf[nb++] = v[i];
  if (nb < 100) {
    nb = 0;
    for (let i = 0; i < n; i++) if (head[i] && v[i] > li) buf[nb++] = v[i];
  }
  const m = quantile(buf, nb, 0.5);
  const lo = 0.6 * m; // core band: grey and white matter
  const loWide = Math.max(li, 0.3 * m); // wide band: CSF too
  const hi = 1.4 * m; // above: fat, marrow, vessels, enhancement
  const dmin2 = (6 * s) ** 2;
  const deepMask = new Uint8Array(n);
  for (let i = 0; i < n; i++) deepMask[i] = head[i] && depth2[i] >= dmin2 ? 1 : 0;
  const deep = (i: number) => deepMask[i] === 1;
  const cap = Math.max(1.5 * Math.max(sp[0], sp[1]), 0.06 * Math.min(X * sp[0], Y * sp[1]));
  const rErode = Math.min(cap, opts.openingRadiusMm ?? 7 * s);
  const rClose = Math.min(cap, opts.closingRadiusMm ?? 5 * s);

  const core = new Uint8Array(n);
  for (let i = 0; i < n; i++) core[i] = deep(i) && v[i] >= lo && v[i] <= hi ? 1 : 0;
  fillSmallHolesPerSlice(core, dims, Math.ceil((Math.PI * (rErode / 2) ** 2) / (sp[0] * sp[1])));

  // 3. Seed: the core away from fat, eroded, largest component.
  const seedCore = core.slice();
  {
    const fat = new Uint8Array(n);
    for (let i = 0; i < n; i++) fat[i] = head[i] && v[i] > hi ? 1 : 0;
    const d2 = sqDistanceTransform(fat, dims, sp, 1, false, false);
    const r2 = (3 * s) ** 2;
    for (let i = 0; i < n; i++) if (d2[i] <= r2) seedCore[i] = 0;
  }
  const seed = morphBall(seedCore, dims, spE, rErode, 'erode', Z > 1);
  if (keepLargestComponent(seed, dims) === 0) {
    // Nothing survives the erosion (a tiny or thin object): the core's largest component.
    seed.set(core);
    keepLargestComponent(seed, dims);
  }

  // 4. Back to the brain. The dilation's ellipsoid reaches at least one thick slice up and down.
  const rOpen = rErode + Math.max(sp[0], sp[1]);
  const rz = Math.max(rOpen, 1.5 * sz);
  const brain = morphBall(seed, dims, [sp[0], sp[1], (sz * rOpen) / rz], rOpen, 'dilate', Z > 1);
  for (let i = 0; i < n; i++) brain[i] &= core[i];
  keepLargestComponent(brain, dims);
  {
    const rThin = 2.5 * s;
    const within = core.slice();
    morphDisc(within, dims, sp, rThin, 'erode');
    const grown = geodesicGrow(brain, within, dims, inPlane, 15 * s);
    morphDisc(grown, dims, sp, rThin + 0.01, 'dilate');
    for (let i = 0; i < n; i++) brain[i] |= grown[i] & core[i];
  }
  {
    const wide = new Uint8Array(n);
    for (let i = 0; i < n; i++) wide[i] = deep(i) && v[i] >= loWide && v[i] <= hi ? 1 : 0;
    const grown = geodesicGrow(brain, wide, dims, spE, 2 * s);
    for (let i = 0; i < n; i++) brain[i] |= grown[i];
  }
  morphDisc(brain, dims, sp, rClose, 'dilate');
  morphDisc(brain, dims, sp, rClose, 'erode');
  for (let i = 0; i < n; i++) brain[i] &= head[i];

  // 5. Bays (lesions, cavities) within each slice's convex hull; islands and holes.
  {
    const hull = convexHullPerSlice(brain, dims);
    const g = new Uint8Array(n);
    for (let i = 0; i < n; i++) g[i] = hull[i] && deep(i) && v[i] >= lo ? 1 : 0;
    const grown = geodesicGrow(brain, g, dims, inPlane, 30 * s);
    for (let i = 0; i < n; i++) brain[i] |= grown[i];
  }
  dropSmallIslandsPerSlice(brain, dims, 0.1);
  fillHoles3d(brain, dims);
  fillHolesPerSlice(brain, dims);

  // 6. Shape: in-plane opening, nesting of slices, no regrowth below the cerebellum.
  {
    const rOpen2 = 9 * s;
    const opened = brain.slice();
    morphDisc(opened, dims, sp, rOpen2, 'erode');
    if (keepLargestComponent(opened, dims) > 0) {
      morphDisc(opened, dims, sp, rOpen2 + 0.01, 'dilate');
      for (let i = 0; i < n; i++) brain[i] &= opened[i];
    }
  }
  if (Z > 2) {
    const areas = sliceAreas(brain, dims);
    const aMax = Math.max(...areas);
    const zMax = areas.indexOf(aMax);
    const slack = Math.max(3 * s, 0.6 * sz);
    const footprint = new Uint8Array(XY);
    for (const dir of [-1, 1])
      for (let z = zMax + dir; z >= 0 && z < Z; z += dir) {
        footprint.set(brain.subarray((z - dir) * XY, (z - dir + 1) * XY));
        morphDisc(footprint, [X, Y, 1], sp, slack, 'dilate');
        for (let k = 0; k < XY; k++) brain[z * XY + k] &= footprint[k];
      }
    const after = sliceAreas(brain, dims);
    for (let z = zMax - 1; z > 0; z--)
      if (after[z] < 0.25 * aMax && after[z - 1] > 1.1 * after[z]) {
        brain.fill(0, 0, z * XY);
        break;
      }
  }

  // 7. Bright tissue the outside cannot reach, then a small margin.
  {
    const outside = reachableFromSurface(head, brain, v, lo, dims);
    const g = new Uint8Array(n);
    for (let i = 0; i < n; i++) g[i] = brain[i] || (deep(i) && !outside[i] && v[i] > hi) ? 1 : 0;
    const grown = geodesicGrow(brain, g, dims, spE, 40 * s);
    for (let i = 0; i < n; i++) brain[i] |= grown[i];
    fillHolesPerSlice(brain, dims);
  }
  {
    const g = new Uint8Array(n);
    for (let i = 0; i < n; i++) g[i] = deep(i) && v[i] >= lo ? 1 : 0;
    const grown = geodesicGrow(brain, g, dims, inPlane, 2 * s);
    for (let i = 0; i < n; i++) brain[i] |= grown[i];
    fillHolesPerSlice(brain, dims);
  }
  return brain;
}

/** Skull-strip: voxel-wise product with a 0/1 mask. */
export function applyMask(vol: Volume, mask: Volume): Volume {
  const out = new Float32Array(vol.data.length);
  for (let i = 0; i < out.length; i++) out[i] = mask.data[i] > 0.5 ? vol.data[i] : 0;
  return { ...vol, data: out };
}
