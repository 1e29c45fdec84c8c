/**
 * Display window [lo, hi] for a greyscale image: the 0.5th and 99.5th percentiles of the non-zero,
 * finite voxels (the background of a skull-stripped scan is 0 and would drag the low end), sampled with
 * a fixed stride so large volumes cost little.
 */
export function intensityWindow(
  data: Float32Array,
  lowPct = 0.5,
  highPct = 99.5,
  maxSamples = 200_000,
): [number, number] {
  const stride = Math.max(1, Math.floor(data.length / maxSamples));
  const buf = new Float32Array(Math.ceil(data.length / stride));
  let n = 0;
  for (let i = 0; i < data.length; i += stride) {
    const v = data[i];
    if (v !== 0 && Number.isFinite(v)) buf[n++] = v;
  }
  if (n === 0) return [0, 1];
  const vals = buf.subarray(0, n).sort();
  const at = (p: number) =>
    vals[Math.min(vals.length - 1, Math.max(0, Math.round((p / 100) * (vals.length - 1))))];
  const lo = Math.min(0, at(lowPct));
  let hi = at(highPct);
  if (!(hi > lo)) hi = lo + 1;
  return [lo, hi];
}
