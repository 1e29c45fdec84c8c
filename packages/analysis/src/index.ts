export { ternarize } from './ternary';
export {
  labelComponents,
  removeSmallComponents,
  neighbourOffsets,
  type Components,
  type Connectivity,
} from './components';
export { voxelVolumeMl, countTernary, maskVoxels, type TernaryCounts } from './volumes';
export { classifyRano, type RanoInput, type RanoScheme } from './rano';
export { analyseMap, type AnalyseMapOptions, type AnalysisResult } from './analyseMap';
export { reportVolumes } from './reportVolumes';
export { renderOverlayMontage, type OverlayMontageOptions } from './render/renderOverlayMontage';
export { renderSliceOverlays, type SliceOverlay } from './render/renderSliceOverlays';
export { renderAlignmentQc, type AlignmentQcInput } from './render/renderAlignmentQc';
export type { OverlayInput } from './render/montageLayout';
export { selectSlices, slicesWithChange } from './render/selectSlices';
export { axialView, type AxialView } from './render/axialView';
export { encodePng, decodePng, type Canvas } from './render/canvas';
export { renderTrainingCurve, movingAverage, type LossHistoryLike } from './render/renderTrainingCurve';
export { renderRocCurve, type RocCurveSeries } from './render/renderRocCurve';
export {
  TERNARY_LABEL,
  ternaryColourTable,
  ternaryItkSnapLabels,
  ternaryToLabels,
} from './render/ternaryLabels';
export { rocAuc, rocCurve, aucFromSorted, splitSorted, type RocCurve } from './evaluation/rocAuc';
export { ranoMetrics, type RanoMetrics } from './evaluation/ranoMetrics';
export {
  evaluatePair,
  pairScores,
  pooledSorted,
  pooledAuc,
  type EvaluatePairInput,
  type PairEvaluation,
  type MapAucs,
} from './evaluation/evaluatePair';
export { summariseCohort, formatCohortTable, type CohortSummary } from './evaluation/summariseCohort';
export {
  checkHeaderSpacing,
  checkChangeSize,
  DEFAULT_SPACING_LIMITS,
  type HeaderSpacingCheck,
  type SuspiciousChange,
} from './volumeTrust';
export { assessTrust } from './assessTrust';
