/** Minimum, maximum and mean of a volume's values (for `anet info` and quick checks). */
export function intensityStats(data: Float32Array): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return data.length ? { min, max, mean: sum / data.length } : { min: NaN, max: NaN, mean: NaN };
}
