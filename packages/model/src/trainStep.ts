import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '@anet/contracts';
import { adamUpdate, createAdamState, disposeAdamState, type AdamState } from './adam';
import { buildCritic, criticForward, type Critic } from './networks/critic';
import {
  buildGenerator,
  generatorForward,
  updateMovingStats,
  type BnBatchStats,
  type Generator,
} from './networks/generator';
import { disposeParams } from './networks/params';
import type { Rng } from '@anet/preprocess';

/** Both networks and both optimisers: everything a training step changes. */
export interface GanModel {
  generator: Generator;
  critic: Critic;
  gAdam: AdamState;
  cAdam: AdamState;
}

export function buildGan(cfg: TrainConfig, rng: Rng): GanModel {
  const generator = buildGenerator(cfg, rng);
  const critic = buildCritic(cfg, rng);
  return {
    generator,
    critic,
    gAdam: createAdamState(generator.params.tensors),
    cAdam: createAdamState(critic.params.tensors),
  };
}

export function disposeGan(m: GanModel): void {
  disposeParams(m.generator.params);
  disposeParams(m.generator.stats);
  disposeParams(m.critic.params);
  disposeAdamState(m.gAdam);
  disposeAdamState(m.cAdam);
}

/** A batch of B row-major H×W slices (baseline t1, follow-up t2) plus one interpolation ε per sample. */
export interface StepBatch {
  b: number;
  h: number;
  w: number;
  t1: Float32Array;
  t2?: Float32Array;
  eps?: Float32Array;
}

export interface CriticLosses {
  /** D(fake) − D(real) + λ·GP (what the critic minimises). */
  critic: number;
  /** Wasserstein estimate mean D(real) − mean D(fake). */
  wasserstein: number;
  gp: number;
}

export interface GeneratorLosses {
  /** −D(fake) + l1·mean|map|. */
  generator: number;
  l1: number;
}

/** Gradients (caller owns them) of the WGAN-GP critic loss, with its parts. */
export function criticGrads(
  m: GanModel,
  cfg: Pick<TrainConfig, 'gpWeight' | 'critic'>,
  batch: StepBatch,
): { grads: tf.Tensor[]; losses: CriticLosses } {
  const { b, h, w } = batch;
  if (!batch.t2 || !batch.eps) throw new Error('criticGrads needs t2 and eps');
  const shape: [number, number, number, number] = [b, h, w, 1];
  let parts: tf.Tensor[] = [];
  const grads = tf.tidy(() => {
    const t1 = tf.tensor4d(batch.t1, shape);
    const real = tf.tensor4d(batch.t2 as Float32Array, shape);
    // The fake is a constant for the critic update (generator in training mode, as in its own step).
    const fake = tf.add(
      t1,
      generatorForward(m.generator, m.generator.params.tensors, t1, true),
    ) as tf.Tensor4D;
    const eps = tf.tensor4d(batch.eps as Float32Array, [b, 1, 1, 1]);
    const xhat = tf.add(tf.mul(eps, real), tf.mul(tf.sub(1, eps), fake)) as tf.Tensor4D;
    const spec = m.critic.spec;
    // A conditional critic judges (t1, x); the penalty is on its gradient with respect to x.
    const D = (cp: tf.Tensor[], x: tf.Tensor4D) =>
      criticForward(spec, cp, cfg.critic.conditional ? (tf.concat([t1, x], 3) as tf.Tensor4D) : x);
    const res = tf.grads((...cp: tf.Tensor[]) => {
      const dReal = D(cp, real);
      const dFake = D(cp, fake);
      const gx = tf.grad((x: tf.Tensor) => tf.sum(D(cp, x as tf.Tensor4D)))(xhat);
      const norm = tf.sqrt(tf.add(tf.sum(tf.square(gx), [1, 2, 3]), 1e-12));
      const gp = tf.mean(tf.square(tf.sub(norm, 1)));
      const wd = tf.sub(tf.mean(dReal), tf.mean(dFake));
      const loss = tf.add(tf.neg(wd), tf.mul(gp, cfg.gpWeight)) as tf.Scalar;
      parts = [tf.keep(loss.clone()), tf.keep(wd.clone()), tf.keep(gp.clone())];
      return loss;
    })(m.critic.params.tensors);
    return res;
  });
  const [critic, wasserstein, gp] = parts.map((t) => t.dataSync()[0]);
  for (const t of parts) t.dispose();
  return { grads, losses: { critic, wasserstein, gp } };
}

export function applyCriticGrads(
  m: GanModel,
  cfg: Pick<TrainConfig, 'criticAdam'>,
  grads: tf.Tensor[],
): void {
  m.critic.params.tensors = adamUpdate(m.critic.params.tensors, grads, m.cAdam, cfg.criticAdam);
}

/** Gradients of the generator loss, plus the BN batch statistics (caller owns both). */
export function generatorGrads(
  m: GanModel,
  cfg: Pick<TrainConfig, 'l1Weight' | 'critic'>,
  batch: StepBatch,
): { grads: tf.Tensor[]; stats: BnBatchStats; losses: GeneratorLosses } {
  const { b, h, w } = batch;
  const stats: BnBatchStats = [];
  let parts: tf.Tensor[] = [];
  const grads = tf.tidy(() => {
    const t1 = tf.tensor4d(batch.t1, [b, h, w, 1]);
    return tf.grads((...gp: tf.Tensor[]) => {
      // The batch statistics arrive kept (outside this tidy): the caller owns them.
      const map = generatorForward(m.generator, gp, t1, true, stats);
      const fake = tf.add(t1, map) as tf.Tensor4D;
      const d = criticForward(
        m.critic.spec,
        m.critic.params.tensors,
        cfg.critic.conditional ? (tf.concat([t1, fake], 3) as tf.Tensor4D) : fake,
      );
      const l1 = tf.mean(tf.abs(map));
      const loss = tf.add(tf.neg(tf.mean(d)), tf.mul(l1, cfg.l1Weight)) as tf.Scalar;
      parts = [tf.keep(loss.clone()), tf.keep(l1.clone())];
      return loss;
    })(m.generator.params.tensors);
  });
  const [generator, l1] = parts.map((t) => t.dataSync()[0]);
  for (const t of parts) t.dispose();
  return { grads, stats, losses: { generator, l1 } };
}

export function applyGeneratorGrads(
  m: GanModel,
  cfg: Pick<TrainConfig, 'generatorAdam' | 'generator'>,
  grads: tf.Tensor[],
  stats: BnBatchStats,
): void {
  m.generator.params.tensors = adamUpdate(m.generator.params.tensors, grads, m.gAdam, cfg.generatorAdam);
  updateMovingStats(m.generator, stats, cfg.generator.bnMomentum);
  for (const s of stats) {
    s.mean.dispose();
    s.variance.dispose();
  }
}

/** One critic update (criticGrads + Adam). */
export function criticStep(m: GanModel, cfg: TrainConfig, batch: StepBatch): CriticLosses {
  const { grads, losses } = criticGrads(m, cfg, batch);
  applyCriticGrads(m, cfg, grads);
  return losses;
}

/** One generator update (generatorGrads + Adam + BN moving statistics). */
export function generatorStep(m: GanModel, cfg: TrainConfig, batch: StepBatch): GeneratorLosses {
  const { grads, stats, losses } = generatorGrads(m, cfg, batch);
  applyGeneratorGrads(m, cfg, grads, stats);
  return losses;
}
