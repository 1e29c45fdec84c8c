import type { AnalysisConfig, ReportTrust, Volume } from '@anet/contracts';
import { checkChangeSize, checkHeaderSpacing } from './volumeTrust';

/**
 * The report's trust section: is the header spacing plausible (else mL are header-based and the
 * ratio class is the figure to rely on), and is the change suspiciously large? `brain`: the baseline
 * brain mask in canonical RAS+ order.
 */
export function assessTrust(
  brain: Volume,
  volumes: { changeMl: number; growthMl: number; reductionMl: number; baselineMl: number | null },
  config: Pick<AnalysisConfig, 'suspiciousMarginFraction' | 'suspiciousMarginMl'>,
): ReportTrust {
  const headerSpacing = checkHeaderSpacing(brain);
  const suspiciousChange = checkChangeSize(volumes, {
    marginFraction: config.suspiciousMarginFraction,
    marginMl: config.suspiciousMarginMl,
  });
  const warnings: string[] = [];
  if (!headerSpacing.plausible) {
    warnings.push(
      `mL are computed from the header's voxel spacing (${headerSpacing.spacingMm.map((s) => s.toFixed(2)).join(' × ')} mm), which looks wrong for this scan: ` +
        `${headerSpacing.reasons.join('; ')}. Treat mL as approximate; the modified-RANO class (a ratio) is the figure to rely on.`,
    );
  }
  if (suspiciousChange.flagged) warnings.push(`Suspicious change: ${suspiciousChange.reason}.`);
  return {
    headerSpacing,
    trustworthyFigure: headerSpacing.plausible ? 'mL' : 'ratio',
    suspiciousChange,
    warnings,
  };
}
