import { z } from 'zod';

/**
 * Which components produce the map (docs/method.md). Recorded whole in every report, so a reader
 * always knows what made the numbers.
 * - align: 'rigid' registers the follow-up to the baseline (mutual information, 6 DOF) before
 *   anything else; 'none' is the paper's registration-free method.
 * - map: 'gan' = the personalized WGAN's learned map (the paper); 'subtraction' = the aligned,
 *   harmonised follow-up minus the baseline at native resolution (the ablation floor);
 *   'gan-refined-subtraction' = the subtraction, kept only where the personalized WGAN's map agrees in sign.
 */
export const MAP_METHODS = ['gan', 'subtraction', 'gan-refined-subtraction'] as const;
export type MapMethod = (typeof MAP_METHODS)[number];

export const MethodConfigSchema = z.strictObject({
  align: z.enum(['rigid', 'none']),
  map: z.enum(MAP_METHODS),
  /**
   * In-plane Gaussian smoothing (σ, mm) of the subtraction before it is used: registration residue and
   * noise are finer than any lesion worth counting. 0 = none.
   */
  smoothMm: z.number().min(0),
  /**
   * Enhancement gate: growth is kept where the follow-up is enhancing and reduction where the baseline
   * was, i.e. the follow-up (resp. baseline) intensity, normalised to [0, 1] inside the brain, is at least
   * this quantile of the brain's intensities. 0 = no gate.
   */
  enhancementQuantile: z.number().min(0).max(1),
});
export type MethodConfig = z.infer<typeof MethodConfigSchema>;
