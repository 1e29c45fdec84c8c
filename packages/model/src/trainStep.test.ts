import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { resolveTrainConfig, type TrainConfig } from '@anet/contracts';
import { createRng } from '@anet/preprocess';
import { selectBackend } from './backend';
import { buildGan, criticGrads, criticStep, disposeGan, generatorStep, type StepBatch } from './trainStep';

function tinyCfg(leak = 0.2): TrainConfig {
  return resolveTrainConfig('smoke', {
    grid: [8, 8, 4],
    generator: { base: 2, levels: 2 },
    critic: { widths: [3, 4], convsPerStage: [1, 2], leak },
    noiseSquare: { size: 2 },
    batch: 2,
  });
}

function batchOf(cfg: TrainConfig, seed: number): StepBatch {
  const rng = createRng(seed);
  const [w, h] = cfg.grid;
  const n = cfg.batch * w * h;
  const t1 = new Float32Array(n).map(() => rng.next());
  const t2 = new Float32Array(n).map(() => rng.next());
  return { b: cfg.batch, h, w, t1, t2, eps: new Float32Array(cfg.batch).map(() => rng.next()) };
}

describe.each([
  ['wasm', 0],
  ['wasm', 0.2],
  ['cpu', 0.2],
])('WGAN-GP critic loss on %s, leak %s', (backend, leak) => {
  it('has a gradient (through the penalty, a gradient of a gradient) that matches central finite differences', async () => {
    await selectBackend(backend as string);
    const cfg = tinyCfg(leak as number);
    const m = buildGan(cfg, createRng(7));
    const batch = batchOf(cfg, 3);
    const { grads, losses } = criticGrads(m, cfg, batch);
    expect(losses.gp).toBeGreaterThan(0);
    const analytic = grads.map((g) => g.dataSync().slice());
    grads.forEach((g) => g.dispose());
    const lossAt = (): number => {
      const r = criticGrads(m, cfg, batch);
      r.grads.forEach((g) => g.dispose());
      return r.losses.critic;
    };
    // Small step: the penalty is piecewise smooth (ReLU kinks), larger steps cross kinks.
    const h = 1e-3;
    let checked = 0;
    for (let p = 0; p < m.critic.params.tensors.length; p++) {
      // The largest-gradient entry of each parameter tensor (FD in float32 needs a visible slope).
      const a = analytic[p];
      let j = 0;
      for (let k = 1; k < a.length; k++) if (Math.abs(a[k]) > Math.abs(a[j])) j = k;
      if (Math.abs(a[j]) < 1e-2) continue;
      const orig = m.critic.params.tensors[p];
      const base = orig.dataSync().slice();
      const at = (v: number): number => {
        const d = base.slice();
        d[j] = v;
        m.critic.params.tensors[p] = tf.tensor(d, orig.shape);
        const l = lossAt();
        m.critic.params.tensors[p].dispose();
        return l;
      };
      const fd = (at(base[j] + h) - at(base[j] - h)) / (2 * h);
      const fdHalf = (at(base[j] + h / 2) - at(base[j] - h / 2)) / h;
      m.critic.params.tensors[p] = orig;
      // Two step sizes disagree only when a ReLU kink lies within ±h (the penalty is piecewise smooth): skip those.
      if (Math.abs(fd - fdHalf) > 0.05 * Math.abs(fd) + 3e-3) continue;
      expect(Math.abs(fd - a[j])).toBeLessThan(0.03 * Math.abs(a[j]) + 3e-3);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(4);
    disposeGan(m);
  });
});

describe('training steps', () => {
  it('keep tf.memory().numTensors flat after a burn-in step and release everything on dispose', async () => {
    await selectBackend('wasm');
    const before = tf.memory().numTensors;
    const cfg = tinyCfg();
    const m = buildGan(cfg, createRng(1));
    const step = (i: number) => {
      criticStep(m, cfg, batchOf(cfg, 10 + i));
      generatorStep(m, cfg, batchOf(cfg, 20 + i));
    };
    step(0);
    const after1 = tf.memory().numTensors;
    for (let i = 1; i < 4; i++) step(i);
    expect(tf.memory().numTensors).toBe(after1);
    disposeGan(m);
    expect(tf.memory().numTensors).toBe(before);
  });
  it('lowers the critic loss on a fixed batch', async () => {
    await selectBackend('wasm');
    const cfg = tinyCfg();
    const m = buildGan(cfg, createRng(2));
    const batch = batchOf(cfg, 5);
    const first = criticStep(m, cfg, batch).critic;
    let last = first;
    for (let i = 0; i < 30; i++) last = criticStep(m, cfg, batch).critic;
    expect(last).toBeLessThan(first);
    disposeGan(m);
  });
});
