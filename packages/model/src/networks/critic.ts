import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '@anet/contracts';
import type { Rng } from '@anet/preprocess';
import { registerAvgPoolGradGradient } from './avgPoolGradGrad';
import { ParamBuilder, type ParamSet } from './params';

export interface CriticSpec {
  leak: number;
  /** Per stage: [kernel, bias] indices of each 3×3 conv. */
  stages: Array<Array<[number, number]>>;
  outW: number;
  outB: number;
}

export interface Critic {
  spec: CriticSpec;
  params: ParamSet;
}

/**
 * VA-GAN's C3D_fcn_16 critic in 2D: stages of 3×3 conv + ReLU (no batch norm: it breaks the
 * gradient penalty), a 2×2 pool between stages, a 1×1 conv to one channel, global mean → one scalar.
 * Pooling is average, not max: tfjs has no second derivative of MaxPoolGrad, and the penalty needs one.
 */
export function buildCritic(cfg: Pick<TrainConfig, 'critic'>, rng: Rng): Critic {
  const { widths, convsPerStage } = cfg.critic;
  if (widths.length !== convsPerStage.length || widths.length === 0)
    throw new Error('critic.widths and critic.convsPerStage must have the same non-zero length');
  registerAvgPoolGradGradient();
  const pb = new ParamBuilder(rng);
  const stages: CriticSpec['stages'] = [];
  // A conditional critic reads (t1, x) stacked as two channels.
  let cin = cfg.critic.conditional ? 2 : 1;
  widths.forEach((c, s) => {
    const convs: Array<[number, number]> = [];
    for (let k = 0; k < convsPerStage[s]; k++) {
      convs.push([pb.heNormal(`s${s}.${k}.w`, [3, 3, cin, c], 9 * cin), pb.constant(`s${s}.${k}.b`, [c], 0)]);
      cin = c;
    }
    stages.push(convs);
  });
  const outW = pb.heNormal('out.w', [1, 1, cin, 1], cin);
  const outB = pb.constant('out.b', [1], 0);
  return { spec: { stages, outW, outB, leak: cfg.critic.leak ?? 0 }, params: pb.build() };
}

/** D(x) for x [B, H, W, 1] → [B]. Every op here has a second derivative in tfjs (ReLU, mul/add, conv, avg pool, mean). */
export function criticForward(spec: CriticSpec, params: tf.Tensor[], x: tf.Tensor4D): tf.Tensor1D {
  const a = spec.leak;
  // Leaky ReLU as a·x + (1−a)·relu(x): tf.leakyRelu / tf.maximum have no second derivative in tfjs.
  const act = (t: tf.Tensor4D): tf.Tensor4D =>
    a > 0 ? (tf.add(tf.mul(t, a), tf.mul(tf.relu(t), 1 - a)) as tf.Tensor4D) : tf.relu(t);
  let h = x;
  spec.stages.forEach((convs, s) => {
    if (s > 0) h = tf.avgPool(h, 2, 2, 'valid');
    for (const [w, b] of convs)
      h = act(tf.add(tf.conv2d(h, params[w] as tf.Tensor4D, 1, 'same'), params[b]) as tf.Tensor4D);
  });
  const o = tf.add(tf.conv2d(h, params[spec.outW] as tf.Tensor4D, 1, 'same'), params[spec.outB]);
  return tf.mean(o, [1, 2, 3]) as tf.Tensor1D;
}

/** FLOPs of one forward pass on an H×W slice. */
export function criticFlops(cfg: Pick<TrainConfig, 'critic'>, h: number, w: number): number {
  let f = 0;
  let cin = 1;
  cfg.critic.widths.forEach((c, s) => {
    const px = (h * w) / 4 ** s;
    for (let k = 0; k < cfg.critic.convsPerStage[s]; k++) {
      f += 2 * px * 9 * cin * c;
      cin = c;
    }
  });
  return f;
}
