import type { Volume } from '@anet/contracts';
import { AnetError } from '@anet/contracts';

/**
 * Exact percentiles (0–100, numpy's linear definition) without sorting all voxels: a 65 536-bin
 * histogram locates the ranks, then only the values in those bins are sorted. O(n).
 */
export function percentiles(data: Float32Array, ps: number[]): number[] {
  const n = data.length;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max > min)) return ps.map(() => min);
  const bins = 65536;
  const counts = new Uint32Array(bins);
  const scale = bins / (max - min);
  const binOf = (v: number) => {
    const b = ((v - min) * scale) | 0;
    return b >= bins ? bins - 1 : b;
  };
  for (let i = 0; i < n; i++) counts[binOf(data[i])]++;
  const starts = new Float64Array(bins); // rank of each bin's first value
  for (let b = 1; b < bins; b++) starts[b] = starts[b - 1] + counts[b - 1];
  const binOfRank = (k: number) => {
    let lo = 0;
    let hi = bins - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= k) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  // Gather only the values of the bins that hold a wanted rank, then sort those.
  const slotOfBin = new Int32Array(bins).fill(-1);
  const buffers: Float64Array[] = [];
  const ranks = ps.map((p) => {
    const pos = (Math.min(Math.max(p, 0), 100) / 100) * (n - 1);
    const k0 = Math.floor(pos);
    const k1 = Math.min(n - 1, k0 + 1);
    for (const k of [k0, k1]) {
      const b = binOfRank(k);
      if (slotOfBin[b] < 0) {
        slotOfBin[b] = buffers.length;
        buffers.push(new Float64Array(counts[b]));
      }
    }
    return { k0, k1, f: pos - k0 };
  });
  const fill = new Int32Array(buffers.length);
  for (let i = 0; i < n; i++) {
    const v = data[i];
    const slot = slotOfBin[binOf(v)];
    if (slot >= 0) buffers[slot][fill[slot]++] = v;
  }
  for (const buf of buffers) buf.sort();
  const valueAt = (k: number) => {
    const b = binOfRank(k);
    return buffers[slotOfBin[b]][k - starts[b]];
  };
  return ranks.map(({ k0, k1, f }) => {
    const v0 = valueAt(k0);
    return v0 + f * (valueAt(k1) - v0);
  });
}

export interface NormalizeOptions {
  lowerPercentile: number;
  upperPercentile: number;
}

export const DEFAULT_NORMALIZE: NormalizeOptions = { lowerPercentile: 0.5, upperPercentile: 99.5 };

/** Linear map lo → 0, hi → 1, clipped to [0, 1]. */
export function scaleIntensityRange(vol: Volume, lo: number, hi: number): Volume {
  if (!(hi > lo)) throw new AnetError('NIFTI_CONSTANT_IMAGE', `intensity range is empty (${lo}..${hi})`);
  const inv = 1 / (hi - lo);
  const src = vol.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = (src[i] - lo) * inv;
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return { ...vol, data: out };
}

/** Robust [0, 1] normalisation: the given percentiles (default 0.5 / 99.5) map to 0 / 1, clipped. */
export function normalizeRobust(
  vol: Volume,
  opts: Partial<NormalizeOptions> = {},
): { volume: Volume; lo: number; hi: number } {
  const o = { ...DEFAULT_NORMALIZE, ...opts };
  const [lo, hi] = percentiles(vol.data, [o.lowerPercentile, o.upperPercentile]);
  return { volume: scaleIntensityRange(vol, lo, hi), lo, hi };
}
