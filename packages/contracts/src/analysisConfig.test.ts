import { describe, expect, it } from 'vitest';
import { AnalysisConfigSchema, DEFAULT_ANALYSIS_CONFIG, resolveAnalysisConfig } from './analysisConfig';
import { AnetError } from './AnetError';

describe('AnalysisConfigSchema', () => {
  it("defaults to the paper's analysis", () => {
    expect(DEFAULT_ANALYSIS_CONFIG).toEqual({
      threshold: 0.15,
      minComponentMl: 0.03,
      connectivity: 26,
      edgeMarginMm: 10,
      brainMarginMm: 0,
      countOnlyEnhancing: false,
      lesionMarginMm: 0,
      volumeEstimate: 'ternary',
      modifiedRano: { responseBelowPercent: -50, progressionAtLeastPercent: 25 },
      rano2: { responseBelowPercent: -65, progressionAtLeastPercent: 40 },
      zeroBaselineNoiseFloorMl: 0.1,
      suspiciousMarginFraction: 1,
      suspiciousMarginMl: 1,
    });
  });
  it('keeps overrides and fills the rest', () => {
    const c = resolveAnalysisConfig({ threshold: 0.2, connectivity: 6 });
    expect(c.threshold).toBe(0.2);
    expect(c.connectivity).toBe(6);
    expect(c.minComponentMl).toBe(0.03);
  });
  it('rejects invalid settings with CONFIG_INVALID', () => {
    for (const bad of [
      { connectivity: 8 },
      { threshold: -1 },
      { minComponentMl: -1 },
      { minComponentVoxels: 30 },
      { unknown: 1 },
    ]) {
      expect(AnalysisConfigSchema.safeParse(bad).success).toBe(false);
      expect(() => resolveAnalysisConfig(bad)).toThrow(AnetError);
    }
    try {
      resolveAnalysisConfig({ modifiedRano: { responseBelowPercent: 10, progressionAtLeastPercent: 25 } });
      expect.unreachable();
    } catch (e) {
      expect((e as AnetError).code).toBe('CONFIG_INVALID');
    }
  });
});
