export { selectBackend, currentBackend, BACKEND_ORDER, type BackendInfo, type BackendName } from './backend';
export { registerWasmTrainingKernels } from './wasmKernels';
export { buildGenerator, generatorForward, generatorFlops, type Generator } from './networks/generator';
export { buildCritic, criticForward, criticFlops, type Critic } from './networks/critic';
export { countParams, type ParamData } from './networks/params';
export { criticItersFor, totalCriticIters, snapshotEpochs, noiseCentreFor } from './schedule';
export {
  buildGan,
  disposeGan,
  criticStep,
  generatorStep,
  criticGrads,
  generatorGrads,
  type GanModel,
  type StepBatch,
  type CriticLosses,
  type GeneratorLosses,
} from './trainStep';
export { trainGan, sampleBatch, type TrainData, type StepRunner } from './trainGan';
export { inferMap, type InferResult } from './inferMap';
export { encodeBlob, decodeBlob } from './checkpoint';
export type { Snapshot, LossHistory, TrainProgress, TrainHooks, TrainResult } from './types';
export {
  benchSteps,
  benchResult,
  median,
  openStepBench,
  profileSteps,
  type KernelTime,
  type StepProfile,
  stepFlops,
  type BenchOptions,
  type BenchResult,
  type StepBench,
} from './benchSteps';
export { openTorchReference, type TorchReference, type TorchStepTimes } from './torchReference';
export { microbenchKernels, type KernelBenchRow } from './kernelMicrobench';
