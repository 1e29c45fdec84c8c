import {
  resolveAnalysisConfig,
  resolveTrainConfig,
  type AnalysisConfig,
  type AnalysisConfigInput,
  type TrainConfig,
  type TrainConfigOverrides,
} from '@anet/contracts';

/** Everything one analysis runs with; recorded whole in report.json. */
export interface AnetConfig {
  profile: string;
  /** Which method variant ran ('paper' = the published method as configured by the profile). */
  variant: string;
  train: TrainConfig;
  analysis: AnalysisConfig;
}

export interface ConfigOverrides {
  train?: TrainConfigOverrides;
  analysis?: Partial<AnalysisConfigInput>;
}

/** A named profile with overrides, validated (PROFILE_UNKNOWN / CONFIG_INVALID on bad input). */
export function resolveConfig(profile: string, overrides: ConfigOverrides = {}): AnetConfig {
  const train = resolveTrainConfig(profile, overrides.train);
  const analysis = resolveAnalysisConfig(overrides.analysis ?? {});
  return { profile, variant: 'paper', train, analysis };
}
