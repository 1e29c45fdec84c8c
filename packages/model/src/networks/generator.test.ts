import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '@anet/preprocess';
import { selectBackend } from '../backend';
import { batchNormTraining } from './generator';

function maxRelErr(a: Float32Array, b: Float32Array): number {
  let m = 0;
  let scale = 1e-6;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m / scale;
}

/** tfjs's own composition (moments + batchNorm, autodiff through both): the reference. */
function referenceBn(x: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.batchNorm(x, mean, variance, b, g, 1e-3) as tf.Tensor4D;
}

// The generator's BN shapes in the step profiles (batch 1 and 2 per replica), shrunk spatially where
// only the channel count matters.
const SHAPES: Array<[number, number, number, number]> = [
  [1, 64, 64, 32],
  [2, 32, 32, 64],
  [1, 8, 8, 256],
  [2, 16, 16, 128],
  [1, 4, 4, 256],
  [2, 5, 3, 7],
];

describe('batchNormTraining (hand-written gradient) matches tfjs autodiff on the cpu backend', () => {
  for (const backend of ['wasm', 'cpu'])
    for (const shape of SHAPES)
      it(`${backend}, ${shape.join('×')}`, async () => {
        const rng = createRng(shape.reduce((a, v) => a * 31 + v, 7));
        const n = shape.reduce((a, v) => a * v, 1);
        const c = shape[3];
        const xs = Float32Array.from({ length: n }, () => rng.normal() * 2 + 0.5);
        const rs = Float32Array.from({ length: n }, () => rng.normal());
        const gs = Float32Array.from({ length: c }, () => 0.5 + rng.next());
        const bs = Float32Array.from({ length: c }, () => rng.normal());
        const stats: tf.Tensor[] = [];
        const run = async (name: string, bn: typeof referenceBn) => {
          await selectBackend(name);
          const before = tf.memory().numTensors;
          const out = tf.tidy(() => {
            const x = tf.tensor4d(xs, shape);
            const r = tf.tensor4d(rs, shape);
            const f = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
              tf.sum(tf.mul(bn(xx as tf.Tensor4D, gg as tf.Tensor1D, bb as tf.Tensor1D), r));
            const { value, grads } = tf.valueAndGrads(f)([x, tf.tensor1d(gs), tf.tensor1d(bs)]);
            return [value, ...grads];
          });
          const data = out.map((t) => t.dataSync().slice() as Float32Array);
          tf.dispose(out);
          if (bn !== referenceBn) {
            expect(stats).toHaveLength(2); // μ and σ², kept for the caller
            tf.dispose(stats);
          }
          expect(tf.memory().numTensors).toBe(before);
          return data;
        };
        const ref = await run('cpu', referenceBn);
        const got = await run(backend, (x, g, b) => batchNormTraining(x, g, b, (m, v) => stats.push(m, v)));
        for (let k = 0; k < ref.length; k++) expect(maxRelErr(got[k], ref[k]), `output ${k}`).toBeLessThan(2e-4);
      });
});
