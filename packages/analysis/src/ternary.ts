/**
 * Ternary map of a difference map: −1 where map < −threshold (reduction), +1 where map > threshold
 * (growth), else 0. Voxels within `edgeMarginVoxels` of a border are set to 0 (the paper ignores the
 * outer in-plane voxels: noise at the brain's edge): a number is the margin along x and y, a triple
 * gives one margin per stored axis. Non-finite values count as 0.
 */
export function ternarize(
  map: Float32Array,
  dims: readonly [number, number, number],
  threshold: number,
  edgeMarginVoxels: number | readonly [number, number, number] = 0,
): Int8Array {
  const [X, Y, Z] = dims;
  const out = new Int8Array(X * Y * Z);
  // Compare in float32, the map's precision, so a value stored as exactly ±threshold stays 0.
  const t = Math.fround(threshold);
  const [mx, my, mz] =
    typeof edgeMarginVoxels === 'number' ? [edgeMarginVoxels, edgeMarginVoxels, 0] : edgeMarginVoxels;
  const x0 = Math.min(mx, X);
  const x1 = Math.max(x0, X - mx);
  const y0 = Math.min(my, Y);
  const y1 = Math.max(y0, Y - my);
  const z0 = Math.min(mz, Z);
  const z1 = Math.max(z0, Z - mz);
  for (let z = z0; z < z1; z++) {
    for (let y = y0; y < y1; y++) {
      const row = X * (y + Y * z);
      for (let x = x0; x < x1; x++) {
        const v = map[row + x];
        if (v > t) out[row + x] = 1;
        else if (v < -t) out[row + x] = -1;
      }
    }
  }
  return out;
}
