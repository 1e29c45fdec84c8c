import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { resolveTrainConfig } from '@anet/contracts';
import { selectBackend } from './backend';
import { splitBatch } from './parallelStepRunner';
import { trainGan } from './trainGan';
import { discVolume } from './__tests__/syntheticPair';

describe('data-parallel training', () => {
  it('splits a batch into contiguous shares covering every sample once', () => {
    const n = 4;
    const t1 = Float32Array.from({ length: 5 * n }, (_, i) => i);
    const t2 = Float32Array.from({ length: 5 * n }, (_, i) => -i);
    const eps = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5]);
    const parts = splitBatch({ b: 5, h: 2, w: 2, t1, t2, eps }, 2);
    expect(parts.map((p) => p.b)).toEqual([3, 2]);
    expect(Array.from(parts[0].t1).concat(Array.from(parts[1].t1))).toEqual(Array.from(t1));
    expect(Array.from(parts[1].t2!)).toEqual(Array.from(t2.subarray(3 * n)));
    expect(Array.from(parts[1].eps!)).toEqual([0.4, 0.5].map((x) => Math.fround(x)));
    expect(splitBatch({ b: 1, h: 2, w: 2, t1: t1.slice(0, n) }, 2)).toHaveLength(1);
  });

  it('trains with a worker-thread replica, stays finite and leaks nothing', async () => {
    await selectBackend();
    const before = tf.memory().numTensors;
    const cfg = resolveTrainConfig('smoke', { epochs: 4, workers: 2, batch: 2 });
    const res = await trainGan(cfg, {
      baseline: discVolume([32, 32, 8], 3),
      followup: discVolume([32, 32, 8], 5),
    });
    expect(res.history.critic).toHaveLength(4);
    expect(res.history.critic.every(Number.isFinite)).toBe(true);
    expect(res.snapshots.length).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });
});
