import { RANO_LABELS, type RanoAssessment, type RanoThresholds } from '@anet/contracts';

export type RanoScheme = RanoAssessment['scheme'];

export interface RanoInput {
  /** Baseline enhancing-tumour volume; null when neither a mask nor a number was supplied. */
  baselineMl: number | null;
  /** Net change (growth − reduction) in mL. */
  changeMl: number;
  /** New enhancement in mL (decides the zero-baseline case). */
  growthMl: number;
}

/** Percentages are rounded to 1e-6 so that exact cut-offs (+25 %, −50 %) survive float products. */
function roundPercent(p: number): number {
  return Math.round(p * 1e6) / 1e6;
}

/**
 * Volumetric RANO class: Δ = (predicted − baseline) / baseline with predicted = max(0, baseline + change);
 * response if Δ < responseBelowPercent, progression if Δ ≥ progressionAtLeastPercent, else stable.
 * Without a baseline volume → indeterminate; a zero baseline with new enhancement above the noise
 * floor → progression (a percentage is undefined there, so percentChange is null).
 */
export function classifyRano(
  input: RanoInput,
  thresholds: RanoThresholds,
  scheme: RanoScheme,
  zeroBaselineNoiseFloorMl: number,
): RanoAssessment {
  const base = { scheme, label: RANO_LABELS[scheme], thresholds: { ...thresholds } };
  const { baselineMl, changeMl, growthMl } = input;
  if (baselineMl === null) {
    return {
      ...base,
      class: 'indeterminate',
      percentChange: null,
      reason: 'no baseline tumour volume: supply a baseline tumour mask or a baseline volume in mL',
    };
  }
  if (baselineMl <= 0) {
    if (growthMl > zeroBaselineNoiseFloorMl) {
      return {
        ...base,
        class: 'progression',
        percentChange: null,
        reason: `zero baseline with ${growthMl.toFixed(3)} mL of new enhancement above the noise floor (${zeroBaselineNoiseFloorMl} mL)`,
      };
    }
    return {
      ...base,
      class: 'stable',
      percentChange: null,
      reason: `zero baseline and new enhancement (${growthMl.toFixed(3)} mL) not above the noise floor (${zeroBaselineNoiseFloorMl} mL)`,
    };
  }
  const clamped = baselineMl + changeMl < 0;
  const predicted = Math.max(0, baselineMl + changeMl);
  const percentChange = roundPercent((100 * (predicted - baselineMl)) / baselineMl);
  const cls =
    percentChange < thresholds.responseBelowPercent
      ? 'response'
      : percentChange >= thresholds.progressionAtLeastPercent
        ? 'progression'
        : 'stable';
  return {
    ...base,
    class: cls,
    percentChange,
    ...(clamped
      ? { reason: 'the measured reduction exceeds the baseline volume; predicted follow-up set to 0 mL' }
      : {}),
  };
}
