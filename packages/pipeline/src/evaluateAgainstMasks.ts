import type { AnalysisConfig, RanoClass, Volume } from '@anet/contracts';
import { evaluatePair, type PairEvaluation } from '@anet/analysis';
import { registerRigid, resampleWorld, type RigidAlignment } from '@anet/preprocess';

export interface MaskedPair {
  baseline: Volume;
  followup: Volume;
  baselineMask: Volume;
  followupMask: Volume;
}

export interface PairEvaluationRun {
  evaluation: PairEvaluation;
  /** The follow-up mask carried into the baseline grid (nearest neighbour), for inspection. */
  followupMaskInBaseline: Volume;
  transform: RigidAlignment;
}

/**
 * The paper's evaluation for one analysed pair (docs/evaluation.md). The follow-up scan is rigidly
 * registered to the baseline with the pipeline's own registration (registerRigid: same code, same
 * seed) so that its tumour mask can be carried into the baseline grid (nearest neighbour, world
 * coordinates); ground truth = mask(t2) − mask(t1) there. `region` restricts the voxels scored.
 */
export async function evaluateAgainstMasks(
  map: Volume,
  pair: MaskedPair,
  config: AnalysisConfig,
  opts: {
    region?: Volume;
    transform?: RigidAlignment;
    /** The pipeline's own class and change (report.json), which the evaluation then scores. */
    predicted?: { class: RanoClass; percentChange: number | null; changeMl: number };
  } = {},
): Promise<PairEvaluationRun> {
  const transform = opts.transform ?? (await registerRigid(pair.baseline, pair.followup));
  const followupMaskInBaseline = resampleWorld(pair.followupMask, pair.baseline, {
    worldTransform: transform.matrix,
    interpolation: 'nearest',
  });
  const evaluation = evaluatePair({
    map,
    baselineMask: pair.baselineMask,
    followupMaskInBaseline,
    followupMask: pair.followupMask,
    config,
    region: opts.region,
    predicted: opts.predicted,
  });
  return { evaluation, followupMaskInBaseline, transform };
}
