import * as tf from '@tensorflow/tfjs';
import { resolveTrainConfig, type TrainConfig, type TrainConfigOverrides } from '@anet/contracts';
import { createRng } from '@anet/preprocess';
import { selectBackend } from './backend';
import { createParallelRunner } from './parallelStepRunner';
import { criticFlops } from './networks/critic';
import { generatorFlops } from './networks/generator';
import { buildGan, criticStep, disposeGan, generatorStep, type StepBatch } from './trainStep';
import { localStepRunner, type StepRunner } from './trainGan';

export interface BenchOptions {
  /** Slice side (pixels). */
  size: number;
  /** Training profile whose networks are timed (default paper). */
  profile?: 'paper' | 'cpu' | 'smoke';
  /** Generator base width (default: the profile's). */
  base?: number;
  /** Timed steps of each kind after one warm-up step. */
  steps: number;
  /** Slices per step (default: the profile's). */
  batch?: number;
  /** Data-parallel replicas (worker threads incl. this one), capped by the batch (default: the profile's). */
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

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** An opened step bench: one critic + one generator step per call, timed, on what training runs. */
export interface StepBench {
  backend: string;
  cfg: TrainConfig;
  /** Replicas the steps run on (this thread + worker threads). */
  workers: number;
  step(): Promise<{ criticMs: number; generatorMs: number }>;
  close(): Promise<void>;
}

/**
 * Builds the networks of `opts.profile` at size² and the step runner training uses for them: the
 * profile's batch and data-parallel worker threads unless overridden (`batch`, `workers`).
 */
export async function openStepBench(opts: Omit<BenchOptions, 'steps'>): Promise<StepBench> {
  const b = await selectBackend(opts.backend);
  const profile = opts.profile ?? 'paper';
  const base = resolveTrainConfig(profile);
  const cfg = resolveTrainConfig(profile, {
    ...opts.overrides,
    grid: [opts.size, opts.size, 1],
    batch: opts.batch ?? base.batch,
    workers: opts.workers ?? base.workers,
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
  const workers = Math.min(cfg.workers, cfg.batch);
  let runner: StepRunner & { close?(): Promise<void> };
  try {
    runner = workers > 1 ? await createParallelRunner(m, cfg, workers) : localStepRunner(m, cfg);
  } catch (e) {
    disposeGan(m);
    throw e;
  }
  return {
    backend: b.name,
    cfg,
    workers,
    async step() {
      const bc = batch();
      let t = performance.now();
      await runner.critic(bc);
      const criticMs = performance.now() - t;
      const bg = batch();
      t = performance.now();
      await runner.generator(bg);
      return { criticMs, generatorMs: performance.now() - t };
    },
    async close() {
      await runner.close?.();
      disposeGan(m);
    },
  };
}

/** Times critic and generator steps on random data (medians after one warm-up step). */
export async function benchSteps(opts: BenchOptions): Promise<BenchResult> {
  const bench = await openStepBench(opts);
  const tc: number[] = [];
  const tg: number[] = [];
  try {
    for (let i = 0; i <= opts.steps; i++) {
      const t = await bench.step();
      if (i > 0) {
        tc.push(t.criticMs);
        tg.push(t.generatorMs);
      }
    }
  } finally {
    await bench.close();
  }
  return benchResult(bench, opts.size, median(tc), median(tg));
}

/** Figures of a bench from its step medians. */
export function benchResult(
  bench: StepBench,
  size: number,
  criticMs: number,
  generatorMs: number,
): BenchResult {
  const f = stepFlops(bench.cfg, size, size);
  return {
    backend: bench.backend,
    size,
    base: bench.cfg.generator.base,
    batch: bench.cfg.batch,
    workers: bench.workers,
    criticMs,
    generatorMs,
    criticGflop: f.critic / 1e9,
    generatorGflop: f.generator / 1e9,
    gflops: (f.critic + f.generator) / 1e6 / (criticMs + generatorMs),
  };
}

/** Per-kernel time of one profiled step, summed over the calls with the same kernel and input shapes. */
export interface KernelTime {
  kernel: string;
  /** Input shapes, e.g. "1,64,64,32 3,3,32,32". */
  shapes: string;
  calls: number;
  ms: number;
}

export interface StepProfile {
  step: 'critic' | 'generator';
  size: number;
  batch: number;
  /** Wall time of the profiled step, and the part spent inside kernels. */
  wallMs: number;
  kernelMs: number;
  kernels: KernelTime[];
}

/**
 * tfjs's profiler over one critic and one generator step on this thread (one replica's share: `batch`
 * slices), after `warmup` unprofiled steps. Kernel times are the backend's own timings (wall clock
 * around each kernel on wasm/cpu, which run synchronously).
 */
export async function profileSteps(
  opts: Omit<BenchOptions, 'steps' | 'workers'> & { warmup?: number },
): Promise<StepProfile[]> {
  await selectBackend(opts.backend);
  const profile = opts.profile ?? 'paper';
  const base = resolveTrainConfig(profile);
  const cfg = resolveTrainConfig(profile, {
    ...opts.overrides,
    grid: [opts.size, opts.size, 1],
    batch: opts.batch ?? 1,
    workers: 1,
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
  const out: StepProfile[] = [];
  try {
    for (let i = 0; i < (opts.warmup ?? 1); i++) {
      criticStep(m, cfg, batch());
      generatorStep(m, cfg, batch());
    }
    for (const step of ['critic', 'generator'] as const) {
      const bt = batch();
      const t0 = performance.now();
      const info = await tf.profile(() => {
        if (step === 'critic') criticStep(m, cfg, bt);
        else generatorStep(m, cfg, bt);
        return [];
      });
      const wallMs = performance.now() - t0;
      const by = new Map<string, KernelTime>();
      let kernelMs = 0;
      for (const k of info.kernels) {
        const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
        kernelMs += ms;
        const shapes = k.inputShapes.map((s) => (s ? s.join(',') : '-')).join(' ');
        const key = `${k.name} ${shapes}`;
        const e = by.get(key) ?? { kernel: k.name, shapes, calls: 0, ms: 0 };
        e.calls++;
        e.ms += ms;
        by.set(key, e);
      }
      out.push({
        step,
        size: opts.size,
        batch: cfg.batch,
        wallMs,
        kernelMs,
        kernels: [...by.values()].sort((a, b) => b.ms - a.ms),
      });
    }
  } finally {
    disposeGan(m);
  }
  return out;
}
