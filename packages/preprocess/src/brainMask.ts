import type { Volume } from '@anet/contracts';

type Vec3 = [number, number, number];

/** Otsu's threshold over a `bins`-level histogram of the data (maximises between-class variance). */
export function otsuThreshold(data: Float32Array, bins = 256): number {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    if (data[i] < min) min = data[i];
    if (data[i] > max) max = data[i];
  }
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

/** Keeps the largest 6-connected component of a 0/1 mask (in place), returns its size. */
export function keepLargestComponent(mask: Uint8Array, dims: Vec3): number {
  const [X, Y, Z] = dims;
  const XY = X * Y;
  const label = new Int32Array(mask.length);
  const queue = new Int32Array(mask.length);
  let bestLabel = 0;
  let bestSize = 0;
  let next = 0;
  let tail = 0;
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
    while (head < tail) {
      const i = queue[head++];
      const x = i % X;
      const y = Math.floor(i / X) % Y;
      const z = Math.floor(i / XY);
      if (x > 0) visit(i - 1);
      if (x < X - 1) visit(i + 1);
      if (y > 0) visit(i - X);
      if (y < Y - 1) visit(i + X);
      if (z > 0) visit(i - XY);
      if (z < Z - 1) visit(i + XY);
    }
    if (tail > bestSize) {
      bestSize = tail;
      bestLabel = next;
    }
  }
  for (let i = 0; i < mask.length; i++) mask[i] = label[i] === bestLabel && bestLabel > 0 ? 1 : 0;
  return bestSize;
}

/** Fills every background region not 6-connected to the volume border (3D holes), in place. */
export function fillHoles3d(mask: Uint8Array, dims: Vec3): void {
  const [X, Y, Z] = dims;
  const XY = X * Y;
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
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++)
        if (x === 0 || y === 0 || z === 0 || x === X - 1 || y === Y - 1 || z === Z - 1)
          seed(x + X * (y + Y * z));
  let head = 0;
  while (head < tail) {
    const i = queue[head++];
    const x = i % X;
    const y = Math.floor(i / X) % Y;
    const z = Math.floor(i / XY);
    if (x > 0) seed(i - 1);
    if (x < X - 1) seed(i + 1);
    if (y > 0) seed(i - X);
    if (y < Y - 1) seed(i + X);
    if (z > 0) seed(i - XY);
    if (z < Z - 1) seed(i + XY);
  }
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

export interface BrainMaskOptions {
  /** In-plane opening radius in mm (breaks thin bridges from brain to scalp). */
  openingRadiusMm: number;
}

/**
 * Our own brain/foreground mask when none is supplied: Otsu threshold → in-plane erosion → largest
 * 6-connected 3D component → in-plane dilation (kept inside the Otsu foreground) → 3D and per-slice
 * hole filling.
 *
 * Limits (read before trusting it): it is a *head-foreground* mask that only becomes a brain mask when
 * the dark skull separates brain from scalp by more than the opening radius; where scalp, eyes or neck
 * touch the brain they stay in. Dark brain regions (ventricles, necrosis) are kept only if enclosed
 * (hole filling). Morphology is in-plane because thick-slice clinical scans make a 3D ball remove whole
 * slices. It is not HD-BET: supply a mask per scan for paper-grade skull stripping.
 */
export function computeBrainMask(vol: Volume, opts: Partial<BrainMaskOptions> = {}): Volume {
  const radiusMm = opts.openingRadiusMm ?? 3;
  const dims = vol.dims;
  const t = otsuThreshold(vol.data);
  const fg = new Uint8Array(vol.data.length);
  for (let i = 0; i < fg.length; i++) fg[i] = vol.data[i] > t ? 1 : 0;
  const r: Vec3 = [
    Math.max(1, Math.round(radiusMm / (vol.spacing[0] || 1))),
    Math.max(1, Math.round(radiusMm / (vol.spacing[1] || 1))),
    0,
  ];
  const m = fg.slice();
  morph(m, dims, r, 'erode');
  if (keepLargestComponent(m, dims) === 0) {
    // Erosion removed everything (tiny or thin object): fall back to the plain foreground.
    m.set(fg);
    keepLargestComponent(m, dims);
  } else {
    morph(m, dims, r, 'dilate');
    for (let i = 0; i < m.length; i++) m[i] &= fg[i];
  }
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
