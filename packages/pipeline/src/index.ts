export { runPipeline, SOFTWARE } from './runPipeline';
export type {
  PipelineInputs,
  PipelineHooks,
  PipelineProgress,
  PipelineArtifact,
  PipelineResult,
} from './runPipeline';
export { resolveConfig, type AnetConfig, type ConfigOverrides } from './resolveConfig';
export { overallFraction } from './stageClock';
export { evaluateAgainstMasks, type MaskedPair, type PairEvaluationRun } from './evaluateAgainstMasks';
