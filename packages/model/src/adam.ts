import * as tf from '@tensorflow/tfjs';
import type { AdamConfig } from '@anet/contracts';

/** Adam state we own (not tf.train.adam) so checkpoints hold it exactly and resume bit-for-bit. */
export interface AdamState {
  step: number;
  m: tf.Tensor[];
  v: tf.Tensor[];
}

export function createAdamState(params: tf.Tensor[]): AdamState {
  return { step: 0, m: params.map((p) => tf.zerosLike(p)), v: params.map((p) => tf.zerosLike(p)) };
}

export function disposeAdamState(s: AdamState): void {
  for (const t of [...s.m, ...s.v]) t.dispose();
}

/**
 * One Adam update (Kingma & Ba, bias-corrected). Returns the new params; disposes the old params,
 * moments and the grads.
 */
export function adamUpdate(
  params: tf.Tensor[],
  grads: tf.Tensor[],
  state: AdamState,
  cfg: AdamConfig,
): tf.Tensor[] {
  state.step += 1;
  const t = state.step;
  const { lr, beta1, beta2, epsilon } = cfg;
  const c1 = 1 - beta1 ** t;
  const c2 = 1 - beta2 ** t;
  const out = tf.tidy(() => {
    const res: tf.Tensor[][] = [];
    for (let i = 0; i < params.length; i++) {
      const m = tf.add(tf.mul(state.m[i], beta1), tf.mul(grads[i], 1 - beta1));
      const v = tf.add(tf.mul(state.v[i], beta2), tf.mul(tf.square(grads[i]), 1 - beta2));
      const upd = tf.div(tf.mul(m, lr / c1), tf.add(tf.sqrt(tf.div(v, c2)), epsilon));
      res.push([tf.sub(params[i], upd), m, v]);
    }
    return res.flat();
  });
  for (const x of [...params, ...state.m, ...state.v, ...grads]) x.dispose();
  const next: tf.Tensor[] = [];
  state.m = [];
  state.v = [];
  for (let i = 0; i < params.length; i++) {
    next.push(out[3 * i]);
    state.m.push(out[3 * i + 1]);
    state.v.push(out[3 * i + 2]);
  }
  return next;
}
