import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from './backend';

// Deterministic test data without Math.random (mulberry32).
function rand(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randArr(r: () => number, size: number): Float32Array {
  const a = new Float32Array(size);
  for (let i = 0; i < size; i++) a[i] = r() * 2 - 1;
  return a;
}

async function onBackend(name: string, fn: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(name);
  const t = fn();
  const d = (await t.data()) as Float32Array;
  t.dispose();
  return d;
}

function maxRelErr(a: Float32Array, b: Float32Array): number {
  let m = 0;
  let scale = 1e-6;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m / scale;
}

describe('wasm conv-gradient kernels match the cpu backend', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  const r = rand(42);
  const cases: Array<{
    n: number;
    h: number;
    w: number;
    ic: number;
    oc: number;
    fh: number;
    fw: number;
    s: [number, number];
    pad: 'same' | 'valid';
  }> = [];
  for (let i = 0; i < 24; i++) {
    const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
    const fh = pick([1, 2, 3, 4, 5]);
    const fw = pick([1, 3, 4]);
    cases.push({
      n: pick([1, 2, 3]),
      h: fh + pick([0, 1, 4, 6, 9]),
      w: fw + pick([0, 2, 5, 8]),
      ic: pick([1, 2, 3, 5]),
      oc: pick([1, 2, 4, 7]),
      fh,
      fw,
      s: [pick([1, 2, 3]), pick([1, 2])],
      pad: pick(['same', 'valid'] as const),
    });
  }
  cases.push({ n: 1, h: 16, w: 16, ic: 8, oc: 4, fh: 4, fw: 4, s: [2, 2], pad: 'same' }); // the U-Net up-conv
  cases.push({ n: 2, h: 17, w: 15, ic: 3, oc: 6, fh: 3, fw: 3, s: [1, 1], pad: 'same' });
  cases.push({ n: 2, h: 7, w: 6, ic: 3, oc: 2, fh: 1, fw: 1, s: [2, 3], pad: 'valid' }); // phases without taps
  cases.push({ n: 1, h: 9, w: 8, ic: 2, oc: 3, fh: 2, fw: 5, s: [3, 2], pad: 'same' });

  it.each(cases.map((c, i) => [i, c] as const))('case %i %o', async (_i, c) => {
    const xShape: [number, number, number, number] = [c.n, c.h, c.w, c.ic];
    const fShape: [number, number, number, number] = [c.fh, c.fw, c.ic, c.oc];
    const info = tf.backend_util.computeConv2DInfo(xShape, fShape, c.s, 1, c.pad);
    const dyShape = [c.n, info.outHeight, info.outWidth, c.oc];
    const rr = rand(1000 + _i);
    const x = randArr(rr, c.n * c.h * c.w * c.ic);
    const f = randArr(rr, c.fh * c.fw * c.ic * c.oc);
    const dy = randArr(
      rr,
      dyShape.reduce((a, b) => a * b, 1),
    );
    const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
    const bpFilter = () =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor(x, xShape), dy: tf.tensor(dy, dyShape) }, {
        ...attrs,
        filterShape: fShape,
      } as never) as tf.Tensor;
    const bpInput = () =>
      tf
        .engine()
        .runKernel('Conv2DBackpropInput', { dy: tf.tensor(dy, dyShape), filter: tf.tensor(f, fShape) }, {
          ...attrs,
          inputShape: xShape,
        } as never) as tf.Tensor;
    const refF = await onBackend('cpu', bpFilter);
    const refI = await onBackend('cpu', bpInput);
    const gotF = await onBackend('wasm', bpFilter);
    const gotI = await onBackend('wasm', bpInput);
    expect(gotF.length).toBe(refF.length);
    expect(gotI.length).toBe(refI.length);
    expect(maxRelErr(gotF, refF)).toBeLessThan(1e-5);
    expect(maxRelErr(gotI, refI)).toBeLessThan(1e-5);
  });

  it('does not leak wasm tensors', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([1, 9, 9, 3]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
    const g = () =>
      tf.tidy(() =>
        tf
          .grads((a: tf.Tensor, b: tf.Tensor) =>
            tf
              .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')
              .square()
              .sum(),
          )([x, w])
          .map((t) => t.sum()),
      );
    g().forEach((t) => t.dispose());
    const before = tf.memory().numTensors;
    const bytes = (tf.engine().backend as unknown as { numDataIds(): number }).numDataIds();
    g().forEach((t) => t.dispose());
    expect(tf.memory().numTensors).toBe(before);
    expect((tf.engine().backend as unknown as { numDataIds(): number }).numDataIds()).toBe(bytes);
    x.dispose();
    w.dispose();
  });
});
