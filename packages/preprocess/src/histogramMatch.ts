import type { Volume } from '@anet/contracts';

export interface HistogramMatchOptions {
  /** Histogram bins between the threshold and the maximum (ITK default 256; the paper's Slicer ~1024). */
  histogramLevels: number;
  /** Quantile match points between the threshold and the maximum (ITK default 1; we use 7). */
  matchPoints: number;
  /** Exclude voxels below the image mean (ITK ThresholdAtMeanIntensity: background out of the fit). */
  thresholdAtMeanIntensity: boolean;
}

export const DEFAULT_HISTOGRAM_MATCH: HistogramMatchOptions = {
  histogramLevels: 1024,
  matchPoints: 7,
  thresholdAtMeanIntensity: true,
};

/**
 * The piecewise-linear intensity map fitted by `fitHistogramMatch`: source[j] → reference[j]
 * (j = 0 threshold, 1..N quantiles, N+1 maximum), extrapolated below with `lowerGradient` and above
 * with `upperGradient`. Plain JSON.
 */
export interface HistogramMatchTable {
  source: number[];
  reference: number[];
  lowerGradient: number;
  upperGradient: number;
}

function minMaxMean(d: Float32Array): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: sum / d.length };
}

/** ITK Histogram::Quantile over `levels` equal bins on [lo, hi] of the values ≥ lo: linear within a bin. */
function histogramQuantiles(d: Float32Array, lo: number, hi: number, levels: number, ps: number[]): number[] {
  const counts = new Float64Array(levels);
  const width = (hi - lo) / levels;
  if (!(width > 0)) return ps.map(() => lo);
  const inv = 1 / width;
  let total = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v < lo || v > hi) continue;
    let b = Math.floor((v - lo) * inv);
    if (b >= levels) b = levels - 1;
    counts[b]++;
    total++;
  }
  return ps.map((p) => {
    let cum = 0;
    for (let b = 0; b < levels; b++) {
      const prev = cum;
      cum += counts[b];
      if (cum / total >= p && counts[b] > 0) {
        const binMin = lo + b * width;
        return binMin + ((p - prev / total) / (counts[b] / total)) * width;
      }
    }
    return hi;
  });
}

/** Fits ITK HistogramMatchingImageFilter's map from `source` intensities to `reference` intensities. */
export function fitHistogramMatch(
  source: Float32Array,
  reference: Float32Array,
  opts: Partial<HistogramMatchOptions> = {},
): HistogramMatchTable {
  const o = { ...DEFAULT_HISTOGRAM_MATCH, ...opts };
  const s = minMaxMean(source);
  const r = minMaxMean(reference);
  const sThr = o.thresholdAtMeanIntensity ? s.mean : s.min;
  const rThr = o.thresholdAtMeanIntensity ? r.mean : r.min;
  const n = o.matchPoints;
  const ps = Array.from({ length: n }, (_, j) => (j + 1) / (n + 1));
  const sq = histogramQuantiles(source, sThr, s.max, o.histogramLevels, ps);
  const rq = histogramQuantiles(reference, rThr, r.max, o.histogramLevels, ps);
  const srcPts = [sThr, ...sq, s.max];
  const refPts = [rThr, ...rq, r.max];
  const lowerDen = srcPts[0] - s.min;
  const upperDen = srcPts[n + 1] - s.max;
  return {
    source: srcPts,
    reference: refPts,
    lowerGradient: lowerDen !== 0 ? (refPts[0] - r.min) / lowerDen : 0,
    upperGradient: upperDen !== 0 ? (refPts[n + 1] - r.max) / upperDen : 0,
  };
}

/** Applies a fitted table (ITK semantics: below the first point / above the last, extrapolate). */
export function applyHistogramMatch(data: Float32Array, table: HistogramMatchTable): Float32Array {
  const { source: sp, reference: rp } = table;
  const last = sp.length - 1;
  const grad = sp.slice(0, last).map((v, j) => {
    const den = sp[j + 1] - v;
    return den !== 0 ? (rp[j + 1] - rp[j]) / den : 0;
  });
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < sp[0]) out[i] = rp[0] + (v - sp[0]) * table.lowerGradient;
    else if (v > sp[last]) out[i] = rp[last] + (v - sp[last]) * table.upperGradient;
    else {
      let j = 0;
      while (j < last - 1 && v >= sp[j + 1]) j++;
      out[i] = rp[j] + (v - sp[j]) * grad[j];
    }
  }
  return out;
}

/** Histogram-matches `source` to `reference` (ITK HistogramMatchingImageFilter); returns the table too. */
export function histogramMatch(
  source: Volume,
  reference: Volume,
  opts: Partial<HistogramMatchOptions> = {},
): { volume: Volume; table: HistogramMatchTable } {
  const table = fitHistogramMatch(source.data, reference.data, opts);
  return { volume: { ...source, data: applyHistogramMatch(source.data, table) }, table };
}
