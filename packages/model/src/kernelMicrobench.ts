import * as tf from '@tensorflow/tfjs';
import { selectBackend } from './backend';

export interface KernelBenchRow {
  op: string;
  shape: string;
  ms: number;
  gflops: number;
}

/** Conv shapes of the paper network's steps: [H=W, cin, cout, kernel, stride]. */
const SHAPES: Array<[number, number, number, number]> = [
  [4, 256, 256, 3],
  [16, 256, 256, 3],
  [16, 128, 256, 3],
  [32, 128, 128, 3],
  [8, 128, 128, 3],
  [32, 64, 64, 3],
  [64, 32, 32, 3],
  [64, 64, 32, 3],
  [256, 32, 32, 3],
  [128, 64, 64, 3],
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function time(reps: number, f: () => tf.Tensor | tf.Tensor[]): number {
  const ts: number[] = [];
  for (let r = 0; r <= reps; r++) {
    const t0 = performance.now();
    const out = f();
    const dt = performance.now() - t0;
    tf.dispose(out);
    if (r > 0) ts.push(dt);
  }
  return median(ts);
}

/** Median times of the conv forward and its two gradients on the wasm backend, per shape. */
export async function microbenchKernels(reps: number): Promise<KernelBenchRow[]> {
  await selectBackend('wasm');
  const rows: KernelBenchRow[] = [];
  for (const [s, ci, co, k] of SHAPES) {
    const x = tf.randomUniform([1, s, s, ci]) as tf.Tensor4D;
    const w = tf.randomUniform([k, k, ci, co]) as tf.Tensor4D;
    const dy = tf.randomUniform([1, s, s, co]) as tf.Tensor4D;
    const flop = 2 * s * s * k * k * ci * co;
    const shape = `${s}²×${ci}→${co}, ${k}×${k}`;
    const add = (op: string, ms: number) => rows.push({ op, shape, ms, gflops: flop / 1e6 / ms });
    add(
      'Conv2D',
      time(reps, () => tf.conv2d(x, w, 1, 'same')),
    );
    add(
      'Conv2DBackpropInput',
      time(reps, () => tf.conv2dTranspose(dy, w, [1, s, s, ci], 1, 'same')),
    );
    add(
      'Conv2DBackpropFilter',
      time(
        reps,
        () =>
          tf
            .engine()
            .runKernel(
              'Conv2DBackpropFilter',
              { x, dy },
              {
                strides: 1,
                pad: 'same',
                dataFormat: 'NHWC',
                filterShape: [k, k, ci, co],
              },
            ) as tf.Tensor,
      ),
    );
    tf.dispose([x, w, dy]);
  }
  return rows;
}
