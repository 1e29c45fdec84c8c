type Vec3 = [number, number, number];

// "No feature": far beyond any squared distance in mm², small enough to keep 1e-4 precision.
export const FAR = 1e12;

/**
 * Felzenszwalb–Huttenlocher 1D squared distance transform: d[q] = min_p w·(q − p)² + f[p], for
 * q < n. `v` (n) and `zz` (n + 1) are scratch.
 */
export function sqDistance1d(
  f: Float64Array,
  n: number,
  w: number,
  d: Float64Array,
  v: Int32Array,
  zz: Float64Array,
): void {
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
 * Exact squared Euclidean distance (mm², `spacing` honoured) from every voxel to the nearest voxel
 * whose `mask` value equals `feature`; with `borderIsFeature`, the voxels just outside the volume
 * count as features too (for distances to the background of a mask that may touch the border).
 * `axes3d` false: each axial slice on its own (the z axis is ignored). FAR where there is no feature.
 */
export function sqDistanceTransform(
  mask: Uint8Array,
  dims: Vec3,
  spacing: Vec3,
  feature: 0 | 1,
  borderIsFeature: boolean,
  axes3d: boolean,
): Float64Array {
  const [X, Y, Z] = dims;
  const XY = X * Y;
  const out = new Float64Array(mask.length);
  const m = Math.max(X, Y, Z);
  const f = new Float64Array(m);
  const d = new Float64Array(m);
  const v = new Int32Array(m);
  const zz = new Float64Array(m + 1);
  const w = spacing.map((s) => s * s);
  const border = (q: number, n: number, wa: number) =>
    borderIsFeature ? Math.min((q + 1) * (q + 1), (n - q) * (n - q)) * wa : FAR;
  // x pass
  for (let r = 0; r < Y * Z; r++) {
    const base = r * X;
    for (let x = 0; x < X; x++) f[x] = mask[base + x] === feature ? 0 : FAR;
    sqDistance1d(f, X, w[0], d, v, zz);
    for (let x = 0; x < X; x++) out[base + x] = Math.min(d[x], border(x, X, w[0]));
  }
  // y pass
  for (let z = 0; z < Z; z++)
    for (let x = 0; x < X; x++) {
      const base = z * XY + x;
      for (let y = 0; y < Y; y++) f[y] = out[base + y * X];
      sqDistance1d(f, Y, w[1], d, v, zz);
      for (let y = 0; y < Y; y++) out[base + y * X] = Math.min(d[y], border(y, Y, w[1]));
    }
  if (!axes3d || Z < 2) return out;
  // z pass
  for (let i = 0; i < XY; i++) {
    for (let z = 0; z < Z; z++) f[z] = out[i + z * XY];
    sqDistance1d(f, Z, w[2], d, v, zz);
    for (let z = 0; z < Z; z++) out[i + z * XY] = Math.min(d[z], border(z, Z, w[2]));
  }
  return out;
}
