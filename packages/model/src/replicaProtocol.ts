import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '@anet/contracts';
import type { CriticLosses, GanModel, GeneratorLosses, StepBatch } from './trainStep';

/** Messages between the trainer and its data-parallel replicas (worker threads). */
export type ToReplica =
  | { type: 'init'; cfg: TrainConfig; state: Float32Array[]; adamSteps: [number, number] }
  | { type: 'criticGrads'; batch: StepBatch }
  | { type: 'generatorGrads'; batch: StepBatch }
  | { type: 'applyCritic'; grads: Float32Array[] }
  | { type: 'applyGenerator'; grads: Float32Array[]; stats: Float32Array[] }
  | { type: 'close' };

export type FromReplica =
  | { type: 'ready'; backend: string }
  | { type: 'criticGrads'; grads: Float32Array[]; losses: CriticLosses }
  | { type: 'generatorGrads'; grads: Float32Array[]; stats: Float32Array[]; losses: GeneratorLosses }
  | { type: 'error'; message: string; code?: string };

/** Every tensor a replica must share with the trainer, in a fixed order. */
export function replicaTensors(m: GanModel): tf.Tensor[] {
  return [
    ...m.generator.params.tensors,
    ...m.generator.stats.tensors,
    ...m.gAdam.m,
    ...m.gAdam.v,
    ...m.critic.params.tensors,
    ...m.cAdam.m,
    ...m.cAdam.v,
  ];
}

/** Overwrites the model's state with `state` (same order as replicaTensors). */
export function loadReplicaState(m: GanModel, state: Float32Array[], adamSteps: [number, number]): void {
  let k = 0;
  const take = (ts: tf.Tensor[]) =>
    ts.map((t) => {
      const next = tf.tensor(state[k++], t.shape);
      t.dispose();
      return next;
    });
  m.generator.params.tensors = take(m.generator.params.tensors);
  m.generator.stats.tensors = take(m.generator.stats.tensors);
  m.gAdam.m = take(m.gAdam.m);
  m.gAdam.v = take(m.gAdam.v);
  m.critic.params.tensors = take(m.critic.params.tensors);
  m.cAdam.m = take(m.cAdam.m);
  m.cAdam.v = take(m.cAdam.v);
  m.gAdam.step = adamSteps[0];
  m.cAdam.step = adamSteps[1];
}

/** Reads tensors to fresh typed arrays (transferable) and disposes them. */
export function drainTensors(ts: tf.Tensor[]): Float32Array[] {
  return ts.map((t) => {
    const d = (t.dataSync() as Float32Array).slice();
    t.dispose();
    return d;
  });
}
