import {
  AnetError,
  MODIFIED_RANO_THRESHOLDS,
  type AnalysisConfig,
  type AnalysisConfigInput,
  type RanoClass,
  type Volume,
} from '@anet/contracts';
import { analyseMap } from '../analyseMap';
import { classifyRano } from '../rano';
import { maskVoxels, voxelVolumeMl } from '../volumes';
import { aucFromSorted, rocCurveFromSorted, splitSorted, type RocCurve } from './rocAuc';

/**
 * Evaluation protocol (Strack et al. 2023, for a cohort with enhancing-tumour masks):
 * 1. The follow-up mask lies in the follow-up's grid and the scans are not registered; for evaluation
 *    only, the follow-up scan is rigidly registered to the baseline (anet's one registration,
 *    `registerRigid` of @anet/preprocess: elastix in WebAssembly, Mattes mutual information, 6 DOF) and
 *    its mask carried across with nearest neighbour in world coordinates.
 * 2. Ground truth per voxel in the baseline grid: gt = mask(t2) − mask(t1) ∈ {−1, 0, +1}.
 * 3. Voxel-wise ROC AUC over all voxels (or a `region`): growth with score = map and positives gt = +1;
 *    reduction with score = −map and positives gt = −1; micro-average = both tasks pooled into one ROC.
 * 4. Per patient, the modified-RANO class of the analysis (map + baseline mask) against the class of the
 *    true volumes (baseline mask vs the follow-up mask in its own grid), then ranoMetrics over patients.
 */
export interface EvaluatePairInput {
  /** The method's map in the baseline's native grid. */
  map: Volume;
  /** Baseline enhancing-tumour mask (baseline grid). */
  baselineMask: Volume;
  /** Follow-up mask carried into the baseline grid (nearest neighbour). */
  followupMaskInBaseline: Volume;
  /** Follow-up mask in its own grid: the exact follow-up volume for the true class (else the carried mask). */
  followupMask?: Volume;
  /** Voxels to score (non-zero = included); default all. */
  region?: Volume;
  /** Analysis settings for the predicted class. */
  config?: AnalysisConfig | AnalysisConfigInput;
  /** Points per stored ROC curve. */
  rocPoints?: number;
  /**
   * The class the analysed pipeline itself reported (report.json): it counted with its own region,
   * scans and settings. Without it the class is recomputed from the map alone.
   */
  predicted?: { class: RanoClass; percentChange: number | null; changeMl: number };
}

/** The three voxel-wise AUCs of one map (null where a kind has no positives). */
export interface MapAucs {
  aucGrowth: number | null;
  aucReduction: number | null;
  aucMicro: number | null;
}

export interface PairEvaluation {
  /** null where the pair has no positives of that kind (AUC undefined). */
  aucGrowth: number | null;
  aucReduction: number | null;
  aucMicro: number | null;
  positives: { growth: number; reduction: number; voxels: number };
  truth: { baselineMl: number; followupMl: number; percentChange: number | null; class: RanoClass };
  predicted: { class: RanoClass; percentChange: number | null; changeMl: number };
  roc: { growth: RocCurve; reduction: RocCurve; micro: RocCurve };
  /** AUCs of the maps the result was made of (component_*_map artifacts), when the caller scored them. */
  components?: Record<string, MapAucs>;
}

const nullIfNaN = (v: number): number | null => (Number.isFinite(v) ? v : null);

function sameDims(a: Volume, b: Volume): boolean {
  return a.dims[0] === b.dims[0] && a.dims[1] === b.dims[1] && a.dims[2] === b.dims[2];
}

/** Scores and labels of both tasks for one pair (for pooling over a cohort). */
export function pairScores(
  map: Volume,
  baselineMask: Volume,
  followupMaskInBaseline: Volume,
  region?: Volume,
): {
  growth: { scores: Float32Array; labels: Uint8Array };
  reduction: { scores: Float32Array; labels: Uint8Array };
} {
  for (const [name, v] of [
    ['baseline mask', baselineMask],
    ['carried follow-up mask', followupMaskInBaseline],
    ['region', region],
  ] as const) {
    if (v && !sameDims(v, map)) {
      throw new AnetError(
        'MASK_GRID_MISMATCH',
        `${name} dims ${v.dims.join('×')} differ from the map's ${map.dims.join('×')}`,
      );
    }
  }
  const n = map.data.length;
  let m = 0;
  for (let i = 0; i < n; i++) if (!region || region.data[i] !== 0) m++;
  const gs = new Float32Array(m);
  const gl = new Uint8Array(m);
  const rs = new Float32Array(m);
  const rl = new Uint8Array(m);
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (region && region.data[i] === 0) continue;
    const gt = (followupMaskInBaseline.data[i] > 0.5 ? 1 : 0) - (baselineMask.data[i] > 0.5 ? 1 : 0);
    gs[k] = map.data[i];
    gl[k] = gt === 1 ? 1 : 0;
    rs[k] = -map.data[i];
    rl[k] = gt === -1 ? 1 : 0;
    k++;
  }
  return { growth: { scores: gs, labels: gl }, reduction: { scores: rs, labels: rl } };
}

/** Micro-average: one ROC over the concatenation of several (scores, labels) tasks. */
export function pooledSorted(parts: Array<{ scores: Float32Array; labels: Uint8Array }>): {
  pos: Float64Array;
  neg: Float64Array;
} {
  const sorted = parts.map((p) => splitSorted(p.scores, p.labels));
  const merge = (key: 'pos' | 'neg') => {
    const out = new Float64Array(sorted.reduce((s, p) => s + p[key].length, 0));
    let o = 0;
    for (const p of sorted) {
      out.set(p[key], o);
      o += p[key].length;
    }
    return out.sort();
  };
  return { pos: merge('pos'), neg: merge('neg') };
}

export function evaluatePair(input: EvaluatePairInput): PairEvaluation {
  const { map, baselineMask, followupMaskInBaseline } = input;
  const points = input.rocPoints ?? 501;
  const s = pairScores(map, baselineMask, followupMaskInBaseline, input.region);
  const g = splitSorted(s.growth.scores, s.growth.labels);
  const r = splitSorted(s.reduction.scores, s.reduction.labels);
  const micro = pooledSorted([s.growth, s.reduction]);

  const analysis = analyseMap(map, { config: input.config, baselineTumourMask: baselineMask });
  const baselineMl = maskVoxels(baselineMask) * voxelVolumeMl(baselineMask.spacing);
  const fu = input.followupMask ?? followupMaskInBaseline;
  const followupMl = maskVoxels(fu) * voxelVolumeMl(fu.spacing);
  const thresholds = analysis.config.modifiedRano ?? MODIFIED_RANO_THRESHOLDS;
  const truth = classifyRano(
    { baselineMl, changeMl: followupMl - baselineMl, growthMl: Math.max(0, followupMl - baselineMl) },
    thresholds,
    'modified-rano-strack-2023',
    analysis.config.zeroBaselineNoiseFloorMl,
  );
  return {
    aucGrowth: nullIfNaN(aucFromSorted(g.pos, g.neg)),
    aucReduction: nullIfNaN(aucFromSorted(r.pos, r.neg)),
    aucMicro: nullIfNaN(aucFromSorted(micro.pos, micro.neg)),
    positives: { growth: g.pos.length, reduction: r.pos.length, voxels: s.growth.labels.length },
    truth: { baselineMl, followupMl, percentChange: truth.percentChange, class: truth.class },
    predicted: input.predicted ?? {
      class: analysis.modifiedRano.class,
      percentChange: analysis.modifiedRano.percentChange,
      changeMl: analysis.change.ml,
    },
    roc: {
      growth: rocCurveFromSorted(g.pos, g.neg, points),
      reduction: rocCurveFromSorted(r.pos, r.neg, points),
      micro: rocCurveFromSorted(micro.pos, micro.neg, points),
    },
  };
}

/** Exact AUC of several tasks or pairs pooled into one ROC (cohort-level or micro-average). */
export function pooledAuc(parts: Array<{ scores: Float32Array; labels: Uint8Array }>): number {
  const { pos, neg } = pooledSorted(parts);
  return aucFromSorted(pos, neg);
}
