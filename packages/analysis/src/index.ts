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
