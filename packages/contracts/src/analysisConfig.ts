import { z } from 'zod';
import { AnetError } from './AnetError';

/**
 * Cut-offs of a volumetric response scheme, in percent change of the enhancing-tumour volume:
 * response if Δ < responseBelowPercent, progression if Δ ≥ progressionAtLeastPercent, else stable.
 */
export const RanoThresholdsSchema = z
  .object({
    responseBelowPercent: z.number().max(0),
    progressionAtLeastPercent: z.number().min(0),
  })
  .strict();
export type RanoThresholds = z.infer<typeof RanoThresholdsSchema>;

/** Modified RANO as used by Strack et al. 2023: −50 % / +25 %. */
export const MODIFIED_RANO_THRESHOLDS: RanoThresholds = {
  responseBelowPercent: -50,
  progressionAtLeastPercent: 25,
};
/** RANO 2.0's own volumetric cut-offs: −65 % / +40 %. */
export const RANO2_VOLUMETRIC_THRESHOLDS: RanoThresholds = {
  responseBelowPercent: -65,
  progressionAtLeastPercent: 40,
};

/**
 * How a difference map becomes a ternary map, a change volume and a class (docs/method.md "Analysis").
 * Every field has the paper's default, so `AnalysisConfigSchema.parse({})` is the paper's analysis.
 */
export const AnalysisConfigSchema = z
  .object({
    /** map < −threshold → −1 (reduction), map > threshold → +1 (growth). */
    threshold: z.number().positive().default(0.15),
    /**
     * Connected components of at most this volume (mL) are removed. The paper's 30 voxels of ~1 mm³:
     * 0.03 mL. In mL so that the result does not depend on the grid's resolution.
     */
    minComponentMl: z.number().nonnegative().default(0.03),
    /** Voxel neighbourhood for components: faces (6), + edges (18), + corners (26). */
    connectivity: z.union([z.literal(6), z.literal(18), z.literal(26)]).default(26),
    /** The outer band of this width (mm) of each in-plane dimension is ignored: noise at the image edge (the paper: 10 voxels of ~1 mm). */
    edgeMarginMm: z.number().nonnegative().default(10),
    /**
     * Change is counted only inside the union of the two (aligned) brain masks eroded in-plane by this
     * margin (mm): the brain's rim, where masks and partial volumes differ, is not tumour. 0 = the masks as
     * they are. Only applies when brain masks are given to the analysis.
     */
    brainMarginMm: z.number().nonnegative().default(0),
    /**
     * Count change only where enhancement is plausible: growth where the follow-up is at or above the
     * enhancement level and the baseline below it, reduction where the baseline was at or above it and
     * the follow-up is below it. The level lies halfway between the brain's median intensity and the
     * median inside the baseline tumour mask (the patient's own enhancing tissue); without a mask, at
     * the brain's 99th percentile. Needs both scans on the map's grid (an aligned pair); ignored otherwise.
     */
    countOnlyEnhancing: z.boolean().default(false),
    /**
     * With a baseline tumour mask: count change only within this distance (mm, in-plane per slice, and
     * over the slices this distance spans) of the baseline lesion — the modified-RANO volume is that of
     * the known enhancing lesion; enhancement far from it is another criterion (a new lesion), not its
     * volume. 0 = count everywhere (the paper).
     */
    lesionMarginMm: z.number().nonnegative().default(0),
    /**
     * How the follow-up lesion volume behind the class is estimated. 'ternary' (the paper): baseline
     * volume + Σ ternary. 'enhancing-ratio': the same rule counts enhancing voxels (≥ the enhancement
     * level) near the baseline lesion (within lesionMarginMm, default 15 mm) in both aligned scans, and the
     * follow-up volume is the baseline volume × N(follow-up) / N(baseline) — one measurement applied to
     * both timepoints, so its bias cancels in the ratio. Needs the aligned scans and a baseline mask;
     * falls back to 'ternary' without them.
     */
    volumeEstimate: z.enum(['ternary', 'enhancing-ratio']).default('ternary'),
    modifiedRano: RanoThresholdsSchema.default(MODIFIED_RANO_THRESHOLDS),
    rano2: RanoThresholdsSchema.default(RANO2_VOLUMETRIC_THRESHOLDS),
    /**
     * With a zero baseline a percentage is undefined: new growth above this volume (mL) is progression,
     * anything at or below it is stable.
     */
    zeroBaselineNoiseFloorMl: z.number().nonnegative().default(0.1),
    /**
     * A change whose size exceeds the baseline lesion plus max(suspiciousMarginMl,
     * suspiciousMarginFraction × baseline) is flagged as suspicious in the report (trust.suspiciousChange).
     */
    suspiciousMarginFraction: z.number().nonnegative().default(1),
    suspiciousMarginMl: z.number().nonnegative().default(1),
  })
  .strict();

export type AnalysisConfig = z.infer<typeof AnalysisConfigSchema>;
export type AnalysisConfigInput = z.input<typeof AnalysisConfigSchema>;

export const DEFAULT_ANALYSIS_CONFIG: AnalysisConfig = AnalysisConfigSchema.parse({});

/** Parses partial analysis settings onto the defaults; invalid input → AnetError('CONFIG_INVALID'). */
export function resolveAnalysisConfig(input: unknown = {}): AnalysisConfig {
  const parsed = AnalysisConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new AnetError(
      'CONFIG_INVALID',
      `analysis configuration invalid: ${z.prettifyError(parsed.error)}`,
      {
        cause: parsed.error,
      },
    );
  }
  return parsed.data;
}
