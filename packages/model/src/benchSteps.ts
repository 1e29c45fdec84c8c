import { resolveTrainConfig, type TrainConfig, type TrainConfigOverrides } from '@anet/contracts';
import { createRng } from '@anet/preprocess';
import { selectBackend } from './backend';
import { createParallelRunner } from './parallelStepRunner';
import { criticFlops } from './networks/critic';
import { generatorFlops } from './networks/generator';
import { buildGan, criticStep, disposeGan, generatorStep, type StepBatch } from './trainStep';

export interface BenchOptions {
  /** Slice side (pixels). */
  size: number;
  /** Training profile whose networks are timed (default paper). */
  profile?: 'paper' | 'cpu' | 'smoke';
  /** Generator base width (default: the profile's). */
  base?: number;
  /** Timed steps of each kind after one warm-up step. */
  steps: number;
  batch?: number;
  /** Data-parallel replicas (worker threads incl. this one); needs batch ≥ workers. */
  workers?: number;
  backend?: string;
  overrides?: TrainConfigOverrides;
}

export interface BenchResult {
  backend: string;
  size: number;
  base: number;
  batch: number;
  workers: number;
  criticMs: number;
  generatorMs: number;
  /** Estimated FLOPs per step (see stepFlops). */
  criticGflop: number;
  generatorGflop: number;
  /** Achieved GFLOP/s over both medians. */
  gflops: number;
}

/**
 * FLOP estimate of one training step from the forward FLOPs G (generator) and C (critic):
 * critic step ≈ G (fake) + 3C (real, fake, x̂) + C (∇ₓD for the penalty) + 4C (backward of D(real),
 * D(fake)) + 4C (backward through the penalty's forward + input-gradient) = G + 12C;
 * generator step ≈ G + C forward + C (input-gradient through D) + 2G backward = 3G + 2C.
 */
export function stepFlops(cfg: TrainConfig, h: number, w: number): { critic: number; generator: number } {
  const G = generatorFlops(cfg, h, w) * cfg.batch;
  const C = criticFlops(cfg, h, w) * cfg.batch;
  return { critic: G + 12 * C, generator: 3 * G + 2 * C };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Times critic and generator steps on random data (medians after one warm-up step). */
export async function benchSteps(opts: BenchOptions): Promise<BenchResult> {
  const b = await selectBackend(opts.backend);
  const base = resolveTrainConfig(opts.profile ?? 'paper');
  const cfg = resolveTrainConfig(opts.profile ?? 'paper', {
    ...opts.overrides,
    grid: [opts.size, opts.size, 1],
    batch: opts.batch ?? 1,
    generator: { base: opts.base ?? base.generator.base },
  });
  const rng = createRng(cfg.seed);
  const m = buildGan(cfg, rng);
  const n = cfg.batch * opts.size * opts.size;
  const batch = (): StepBatch => ({
    b: cfg.batch,
    h: opts.size,
    w: opts.size,
    t1: Float32Array.from({ length: n }, () => rng.next()),
    t2: Float32Array.from({ length: n }, () => rng.next()),
    eps: Float32Array.from({ length: cfg.batch }, () => rng.next()),
  });
  const tc: number[] = [];
  const tg: number[] = [];
  const workers = Math.min(opts.workers ?? 1, cfg.batch);
  const runner = workers > 1 ? await createParallelRunner(m, cfg, workers) : undefined;
  try {
    for (let i = 0; i <= opts.steps; i++) {
      const bc = batch();
      let t = performance.now();
      if (runner) await runner.critic(bc);
      else criticStep(m, cfg, bc);
      const c = performance.now() - t;
      const bg = batch();
      t = performance.now();
      if (runner) await runner.generator(bg);
      else generatorStep(m, cfg, bg);
      const g = performance.now() - t;
      if (i > 0) {
        tc.push(c);
        tg.push(g);
      }
    }
  } finally {
    await runner?.close();
    disposeGan(m);
  }
  const f = stepFlops(cfg, opts.size, opts.size);
  const criticMs = median(tc);
  const generatorMs = median(tg);
  return {
    backend: b.name,
    size: opts.size,
    base: cfg.generator.base,
    batch: cfg.batch,
    workers,
    criticMs,
    generatorMs,
    criticGflop: f.critic / 1e9,
    generatorGflop: f.generator / 1e9,
    gflops: (f.critic + f.generator) / 1e6 / (criticMs + generatorMs),
  };
}
