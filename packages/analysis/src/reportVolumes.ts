import type { ReportVolumes } from '@anet/contracts';
import type { AnalysisResult } from './analyseMap';

/** The report's `volumes` block from an analysis result. */
export function reportVolumes(r: AnalysisResult): ReportVolumes {
  return {
    voxelVolumeMl: r.change.voxelVolumeMl,
    changeVoxels: r.change.voxels,
    changeMl: r.change.ml,
    growthVoxels: r.change.growthVoxels,
    growthMl: r.change.growthMl,
    reductionVoxels: r.change.reductionVoxels,
    reductionMl: r.change.reductionMl,
    baselineMl: r.baseline.ml,
    baselineSource: r.baseline.source,
    predictedFollowupMl: r.predictedFollowupMl,
  };
}
