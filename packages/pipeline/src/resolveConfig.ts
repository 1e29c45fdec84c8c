import {
  AnetError,
  MethodConfigSchema,
  resolveAnalysisConfig,
  resolveTrainConfig,
  type AnalysisConfig,
  type AnalysisConfigInput,
  type MethodConfig,
  type TrainConfig,
  type TrainConfigOverrides,
} from '@anet/contracts';
import { z } from 'zod';

/** Everything one analysis runs with; recorded whole in report.json. */
export interface AnetConfig {
  profile: string;
  /** A short name of the method variant that ran, derived from `method` (e.g. 'paper', 'aligned-subtraction'). */
  variant: string;
  method: MethodConfig;
  train: TrainConfig;
  analysis: AnalysisConfig;
}

export interface ConfigOverrides {
  method?: Partial<MethodConfig>;
  train?: TrainConfigOverrides;
  analysis?: Partial<AnalysisConfigInput>;
}

/**
 * Method and analysis per profile (docs/method.md): `paper` is the published, registration-free
 * method; `cpu` is the default, the best method measured on two CPU cores (bench/RESULTS.md): the
 * aligned, harmonised subtraction — no network variant measured so far beats it, and the report says
 * so in `method.network: null`; `smoke` is the paper's method at test scale.
 */
const METHOD_BY_PROFILE: Record<string, MethodConfig> = {
  paper: { align: 'none', map: 'gan', smoothMm: 0, enhancementQuantile: 0 },
  cpu: { align: 'rigid', map: 'subtraction', smoothMm: 0, enhancementQuantile: 0 },
  smoke: { align: 'none', map: 'gan', smoothMm: 0, enhancementQuantile: 0 },
};
const ANALYSIS_BY_PROFILE: Record<string, Partial<AnalysisConfigInput>> = {
  paper: {},
  // Count inside the brain union eroded by 3 mm (the rim's partial volume, dura and cortical vessels are
  // not tumour), and only where enhancement is plausible (bench/RESULTS.md, counting sweep).
  cpu: { brainMarginMm: 3, countOnlyEnhancing: true },
  smoke: {},
};

/** The variant's name: what produced the map, in a few words. */
export function variantName(m: MethodConfig): string {
  if (m.align === 'none' && m.map === 'gan') return 'paper';
  const parts = [m.align === 'rigid' ? 'aligned' : 'unaligned', m.map];
  if (m.smoothMm > 0) parts.push(`smooth${m.smoothMm}mm`);
  if (m.enhancementQuantile > 0) parts.push(`gate${m.enhancementQuantile}`);
  return parts.join('-');
}

/** A named profile with overrides, validated (PROFILE_UNKNOWN / CONFIG_INVALID on bad input). */
export function resolveConfig(profile: string, overrides: ConfigOverrides = {}): AnetConfig {
  const train = resolveTrainConfig(profile, overrides.train);
  const analysis = resolveAnalysisConfig({ ...ANALYSIS_BY_PROFILE[profile], ...overrides.analysis });
  const parsed = MethodConfigSchema.safeParse({ ...METHOD_BY_PROFILE[profile], ...overrides.method });
  if (!parsed.success) {
    throw new AnetError('CONFIG_INVALID', `invalid method config: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  const method = parsed.data;
  return { profile, variant: variantName(method), method, train, analysis };
}
