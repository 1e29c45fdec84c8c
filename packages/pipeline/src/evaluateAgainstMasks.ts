import type { AnalysisConfig, Volume } from '@anet/contracts';
import {
  carryMask,
  evaluatePair,
  registerRigid,
  type PairEvaluation,
  type RigidTransform,
} from '@anet/analysis';

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
  transform: RigidTransform;
}

/**
 * The paper's evaluation for one analysed pair. Evaluation only: the follow-up scan is rigidly
 * registered to the baseline (elastix, Mattes MI, 6 DOF) so that its mask can be carried into the
 * baseline grid; ground truth = mask(t2) − mask(t1) there. The method itself never sees this.
 */
export async function evaluateAgainstMasks(
  map: Volume,
  pair: MaskedPair,
  config: AnalysisConfig,
  opts: { signal?: AbortSignal } = {},
): Promise<PairEvaluationRun> {
  const { transform } = await registerRigid(pair.baseline, pair.followup, { signal: opts.signal });
  const followupMaskInBaseline = await carryMask(pair.followupMask, transform, { signal: opts.signal });
  const evaluation = evaluatePair({
    map,
    baselineMask: pair.baselineMask,
    followupMaskInBaseline,
    followupMask: pair.followupMask,
    config,
  });
  return { evaluation, followupMaskInBaseline, transform };
}
