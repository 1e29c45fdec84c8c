import { AnetError, type Volume } from '@anet/contracts';
import { applyHistogramMatch, DEFAULT_HISTOGRAM_MATCH, fitHistogramMatch } from './histogramMatch';
import { percentiles } from './normalize';
import type { PreprocessedPair } from './preprocessPair';

type Vec3 = [number, number, number];

export interface HarmonisedDifferenceOptions {
  /** In-plane Gaussian σ (mm) applied to the difference; 0 = none. */
  smoothMm: number;
  /**
   * Enhancement gate: growth is weighted by how bright the follow-up is and reduction by how bright the
   * baseline was, 0 at the brain's median intensity rising linearly to 1 at this quantile of the
   * brain's intensities (enhancing tumour is among the brightest tissue on T1ce). 0 = no gate.
   */
  enhancementQuantile: number;
}

/**
 * 1D Gaussian blur along one axis of a volume, in place (kernel ±3σ, renormalised at the borders).
 */
function blurAxis(data: Float32Array, dims: Vec3, axis: 0 | 1, sigmaVox: number): void {
  if (!(sigmaVox > 0.1)) return;
  const r = Math.ceil(3 * sigmaVox);
  const k = new Float64Array(2 * r + 1);
  for (let i = -r; i <= r; i++) k[i + r] = Math.exp((-0.5 * i * i) / (sigmaVox * sigmaVox));
  const [X, Y, Z] = dims;
  const n = axis === 0 ? X : Y;
  const stride = axis === 0 ? 1 : X;
  const line = new Float64Array(n);
  const lines = axis === 0 ? Y * Z : X * Z;
  for (let l = 0; l < lines; l++) {
    const base = axis === 0 ? l * X : (l % X) + Math.floor(l / X) * X * Y;
    for (let i = 0; i < n; i++) line[i] = data[base + i * stride]!;
    for (let i = 0; i < n; i++) {
      let s = 0;
      let w = 0;
      for (let j = Math.max(0, i - r); j <= Math.min(n - 1, i + r); j++) {
        s += k[j - i + r]! * line[j]!;
        w += k[j - i + r]!;
      }
      data[base + i * stride] = s / w;
    }
  }
}

/** In-plane (x, y of the canonical grid = R, A) Gaussian smoothing with σ in mm, returning a copy. */
export function smoothInPlane(vol: Volume, sigmaMm: number): Volume {
  const data = vol.data.slice();
  if (sigmaMm > 0) {
    blurAxis(data, vol.dims, 0, sigmaMm / (vol.spacing[0] || 1));
    blurAxis(data, vol.dims, 1, sigmaMm / (vol.spacing[1] || 1));
  }
  return { ...vol, data };
}

/** Both scans of an aligned pair in the same intensity units, with their brain union (harmonisedScans). */
export interface HarmonisedScans {
  baseline: Volume;
  followup: Volume;
  brain: Volume;
}

/**
 * The aligned, harmonised subtraction on the baseline's canonical grid at native resolution, from
 * `harmonisedScans(pp)`: follow-up − baseline inside the union of the two brain masks; then optional
 * smoothing and the enhancement gate. Positive = new or brighter enhancement.
 */
export function harmonisedDifference(h: HarmonisedScans, opts: HarmonisedDifferenceOptions): Volume {
  const nb = h.baseline.data;
  const nf = h.followup.data;
  const inBrain = h.brain.data;
  const n = nb.length;
  const diff = new Float32Array(n);
  for (let i = 0; i < n; i++) diff[i] = inBrain[i]! > 0.5 ? nf[i]! - nb[i]! : 0;
  let out: Volume = { ...h.baseline, data: diff };
  if (opts.smoothMm > 0) {
    out = smoothInPlane(out, opts.smoothMm);
    for (let i = 0; i < n; i++) if (!(inBrain[i]! > 0.5)) out.data[i] = 0;
  }
  if (opts.enhancementQuantile > 0) {
    let m = 0;
    for (let i = 0; i < n; i++) if (inBrain[i]! > 0.5) m++;
    const weight = (img: Float32Array) => {
      const vals = new Float32Array(m);
      let k = 0;
      for (let i = 0; i < n; i++) if (inBrain[i]! > 0.5) vals[k++] = img[i]!;
      const [med, top] = percentiles(vals, [50, 100 * opts.enhancementQuantile]);
      const den = top! - med! || 1;
      return (i: number) => Math.min(1, Math.max(0, (img[i]! - med!) / den));
    };
    const wf = weight(nf);
    const wb = weight(nb);
    const d = out.data;
    for (let i = 0; i < n; i++) d[i] = d[i]! > 0 ? d[i]! * wf(i) : d[i]! * wb(i);
  }
  return out;
}

/**
 * Both scans of an aligned pair on the baseline's canonical grid at native resolution, in the same
 * intensity units: the follow-up histogram-matched to the baseline with the pair's own table, both
 * normalised with the baseline's percentiles ([0, 1] for the bulk of the brain); with the union of the
 * two brain masks. Needs an aligned pair (CONFIG_INVALID otherwise).
 */
export function harmonisedScans(pp: PreprocessedPair): HarmonisedScans {
  const c = pp.canonical;
  if (!c.followup || !c.followupBrainMask) {
    throw new AnetError('CONFIG_INVALID', 'the subtraction map needs an aligned pair (method.align = rigid)');
  }
  const { lo, hi } = pp.record.intensity;
  const span = hi - lo || 1;
  const b = c.baseline.data;
  const n = b.length;
  const brain = new Float32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    brain[i] = c.baselineBrainMask.data[i]! > 0.5 || c.followupBrainMask.data[i]! > 0.5 ? 1 : 0;
    m += brain[i]!;
  }
  // The intensity match for subtraction is fitted on the brain of both scans at native resolution (the
  // same voxels, since the pair is aligned): skull, fat and background do not bend it.
  const fb = new Float32Array(m);
  const bb = new Float32Array(m);
  for (let i = 0, k = 0; i < n; i++)
    if (brain[i]) {
      fb[k] = c.followup.data[i]!;
      bb[k++] = b[i]!;
    }
  const table =
    m > 0
      ? fitHistogramMatch(fb, bb, { ...DEFAULT_HISTOGRAM_MATCH, thresholdAtMeanIntensity: false })
      : pp.record.histogramMatch;
  const fMatched = applyHistogramMatch(c.followup.data, table);
  const nb = new Float32Array(n);
  const nf = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    nb[i] = (b[i]! - lo) / span;
    nf[i] = (fMatched[i]! - lo) / span;
  }
  return {
    baseline: { ...c.baseline, data: nb },
    followup: { ...c.baseline, data: nf },
    brain: { ...c.baseline, data: brain },
  };
}

/** Normalised cross-correlation of two volumes over the voxels where `mask` > ½. */
export function normalisedCrossCorrelation(a: Float32Array, b: Float32Array, mask: Float32Array): number {
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    if (!(mask[i]! > 0.5)) continue;
    n += 1;
    sa += a[i]!;
    sb += b[i]!;
  }
  if (n === 0) return 0;
  const ma = sa / n;
  const mb = sb / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    if (!(mask[i]! > 0.5)) continue;
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
}
