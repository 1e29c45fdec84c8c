import * as tf from '@tensorflow/tfjs';
import { AnetError, type TrainConfig, type Volume } from '@anet/contracts';
import {
  createRng,
  drawAugmentPose,
  rngFromState,
  sampleAugmentedSlice,
  type AugmentPose,
  type Rng,
} from '@anet/preprocess';
import { selectBackend } from './backend';
import { createParallelRunner } from './parallelStepRunner';
import { decodeBlob, encodeBlob, type BlobTensor } from './checkpoint';
import { paramsToData, type ParamData } from './networks/params';
import { addNoiseSquare, makeNoisePattern } from './noiseSquare';
import { criticItersFor, noiseCentreFor, snapshotEpochs } from './schedule';
import { buildGan, criticStep, disposeGan, generatorStep, type GanModel, type StepBatch } from './trainStep';
import type { LossHistory, Snapshot, TrainHooks, TrainResult } from './types';

export interface TrainData {
  /** Preprocessed baseline / follow-up in the working grid, [0, 1]. */
  baseline: Volume;
  followup: Volume;
}

/** Runs one critic or generator update; in-process here, data-parallel over worker threads elsewhere. */
export interface StepRunner {
  critic(batch: StepBatch): Promise<{ critic: number; wasserstein: number; gp: number }>;
  generator(batch: StepBatch): Promise<{ generator: number; l1: number }>;
  close?(): Promise<void>;
}

interface CheckpointMeta {
  kind: 'anet-wgan-checkpoint';
  config: TrainConfig;
  epoch: number;
  rngState: number[];
  history: LossHistory;
  gAdamStep: number;
  cAdamStep: number;
  snapshots: Array<
    Omit<Snapshot, 'generator'> & {
      base: number;
      levels: number;
      params: Omit<ParamData, 'data'>;
      stats: Omit<ParamData, 'data'>;
    }
  >;
}

/** Config fields that change the trajectory (the rest — checkpointEvery, inferBatch, workers — may differ on resume). */
function trajectoryConfig(cfg: TrainConfig): string {
  const { checkpointEvery: _c, inferBatch: _i, workers: _w, ...rest } = cfg;
  return JSON.stringify(rest);
}

function emptyHistory(): LossHistory {
  return { epoch: [], critic: [], wasserstein: [], gp: [], generator: [] };
}

/** Replaces `current` (disposed) by the saved tensors `prefix + names[i]`. */
function loadTensors(
  names: string[],
  current: tf.Tensor[],
  saved: Map<string, BlobTensor>,
  prefix: string,
): tf.Tensor[] {
  return current.map((t, i) => {
    const s = saved.get(prefix + names[i]);
    if (!s || s.data.length !== t.size)
      throw new AnetError('CHECKPOINT_INVALID', `checkpoint lacks ${prefix + names[i]} of size ${t.size}`);
    t.dispose();
    return tf.tensor(s.data, t.shape);
  });
}

function tensorsOf(prefix: string, names: string[], tensors: tf.Tensor[]): BlobTensor[] {
  return tensors.map((t, i) => ({
    name: prefix + names[i],
    shape: [...t.shape],
    data: t.dataSync() as Float32Array,
  }));
}

function dataOf(prefix: string, p: ParamData): BlobTensor[] {
  return p.data.map((d, i) => ({ name: prefix + p.names[i], shape: p.shapes[i], data: d }));
}

function encodeCheckpoint(
  cfg: TrainConfig,
  m: GanModel,
  rng: Rng,
  epoch: number,
  history: LossHistory,
  snapshots: Snapshot[],
): Uint8Array {
  const g = m.generator.params;
  const c = m.critic.params;
  const meta: CheckpointMeta = {
    kind: 'anet-wgan-checkpoint',
    config: cfg,
    epoch,
    rngState: rng.state(),
    history,
    gAdamStep: m.gAdam.step,
    cAdamStep: m.cAdam.step,
    snapshots: snapshots.map((s) => ({
      epoch: s.epoch,
      noiseSquare: s.noiseSquare,
      base: s.generator.base,
      levels: s.generator.levels,
      params: { names: s.generator.params.names, shapes: s.generator.params.shapes },
      stats: { names: s.generator.stats.names, shapes: s.generator.stats.shapes },
    })),
  };
  const tensors: BlobTensor[] = [
    ...tensorsOf('g.', g.names, g.tensors),
    ...tensorsOf('gs.', m.generator.stats.names, m.generator.stats.tensors),
    ...tensorsOf('gm.', g.names, m.gAdam.m),
    ...tensorsOf('gv.', g.names, m.gAdam.v),
    ...tensorsOf('c.', c.names, c.tensors),
    ...tensorsOf('cm.', c.names, m.cAdam.m),
    ...tensorsOf('cv.', c.names, m.cAdam.v),
    ...snapshots.flatMap((s, k) => [
      ...dataOf(`s${k}.p.`, s.generator.params),
      ...dataOf(`s${k}.s.`, s.generator.stats),
    ]),
  ];
  return encodeBlob(meta, tensors);
}

function restoreCheckpoint(
  blob: Uint8Array,
  cfg: TrainConfig,
  m: GanModel,
): { epoch: number; rng: Rng; history: LossHistory; snapshots: Snapshot[] } {
  const { meta, tensors } = decodeBlob<CheckpointMeta>(blob);
  if (meta?.kind !== 'anet-wgan-checkpoint')
    throw new AnetError('CHECKPOINT_INVALID', 'not a WGAN training checkpoint');
  if (trajectoryConfig(meta.config) !== trajectoryConfig(cfg))
    throw new AnetError(
      'CHECKPOINT_INVALID',
      'checkpoint was written with a different training configuration',
    );
  const g = m.generator.params;
  const c = m.critic.params;
  g.tensors = loadTensors(g.names, g.tensors, tensors, 'g.');
  m.generator.stats.tensors = loadTensors(m.generator.stats.names, m.generator.stats.tensors, tensors, 'gs.');
  m.gAdam.m = loadTensors(g.names, m.gAdam.m, tensors, 'gm.');
  m.gAdam.v = loadTensors(g.names, m.gAdam.v, tensors, 'gv.');
  c.tensors = loadTensors(c.names, c.tensors, tensors, 'c.');
  m.cAdam.m = loadTensors(c.names, m.cAdam.m, tensors, 'cm.');
  m.cAdam.v = loadTensors(c.names, m.cAdam.v, tensors, 'cv.');
  m.gAdam.step = meta.gAdamStep;
  m.cAdam.step = meta.cAdamStep;
  const take = (prefix: string, names: string[], shapes: number[][]): ParamData => ({
    names,
    shapes,
    data: names.map((n) => {
      const t = tensors.get(prefix + n);
      if (!t) throw new AnetError('CHECKPOINT_INVALID', `checkpoint lacks ${prefix + n}`);
      return t.data.slice();
    }),
  });
  const snapshots: Snapshot[] = meta.snapshots.map((s, k) => ({
    epoch: s.epoch,
    noiseSquare: s.noiseSquare,
    generator: {
      base: s.base,
      levels: s.levels,
      params: take(`s${k}.p.`, s.params.names, s.params.shapes),
      stats: take(`s${k}.s.`, s.stats.names, s.stats.shapes),
    },
  }));
  return { epoch: meta.epoch, rng: rngFromState(meta.rngState), history: meta.history, snapshots };
}

/** `cfg.workers` data-parallel replicas when the batch can be split, else in-process. */
export async function defaultStepRunner(m: GanModel, cfg: TrainConfig): Promise<StepRunner> {
  const replicas = Math.min(cfg.workers, cfg.batch);
  return replicas > 1 ? createParallelRunner(m, cfg, replicas) : localStepRunner(m, cfg);
}

/** In-process steps on the current tfjs backend. */
export function localStepRunner(m: GanModel, cfg: TrainConfig): StepRunner {
  return {
    critic: async (batch) => criticStep(m, cfg, batch),
    generator: async (batch) => generatorStep(m, cfg, batch),
  };
}

/** Draws one step's batch: independently augmented baseline (and follow-up) slices, noise square, ε. */
export function sampleBatch(
  cfg: TrainConfig,
  data: TrainData,
  rng: Rng,
  forCritic: boolean,
  square: { pattern: Float32Array; centre: [number, number] | null },
): StepBatch {
  const [w, h] = data.baseline.dims;
  const b = cfg.batch;
  const n = w * h;
  const t1 = new Float32Array(b * n);
  const poses: AugmentPose[] = [];
  for (let i = 0; i < b; i++) {
    const pose = drawAugmentPose(data.baseline.dims, rng, cfg.augment);
    poses.push(pose);
    sampleAugmentedSlice(data.baseline, rng, { ...cfg.augment, pose }, t1.subarray(i * n, (i + 1) * n));
  }
  let t2: Float32Array | undefined;
  let eps: Float32Array | undefined;
  if (forCritic) {
    t2 = new Float32Array(b * n);
    for (let i = 0; i < b; i++) {
      const out = t2.subarray(i * n, (i + 1) * n);
      if (cfg.pairedSlices) {
        // The same pose and slice as its t1 (an aligned pair), its own noise.
        sampleAugmentedSlice(data.followup, rng, { ...cfg.augment, pose: poses[i] }, out);
      } else sampleAugmentedSlice(data.followup, rng, cfg.augment, out);
    }
    eps = new Float32Array(b);
    for (let i = 0; i < b; i++) eps[i] = rng.next();
  }
  if (square.centre) {
    const target = cfg.noiseSquare.target === 'followup' ? t2 : t1;
    if (target) addNoiseSquare(target, b, w, h, square.pattern, cfg.noiseSquare.size, square.centre);
  }
  return { b, h, w, t1, t2, eps };
}

function checkData(cfg: TrainConfig, data: TrainData): void {
  const [x, y] = data.baseline.dims;
  const [fx, fy] = data.followup.dims;
  const div = Math.max(2 ** (cfg.generator.levels - 1), 2 ** (cfg.critic.widths.length - 1));
  if (x !== fx || y !== fy)
    throw new AnetError(
      'STUDY_INCOMPATIBLE',
      `baseline ${x}×${y} and follow-up ${fx}×${fy} slices differ; preprocess both to one grid`,
    );
  if (x % div !== 0 || y % div !== 0)
    throw new AnetError('CONFIG_INVALID', `slice ${x}×${y} not divisible by ${div} (network depth)`);
}

function snapshotOf(m: GanModel, cfg: TrainConfig, epoch: number, centre: [number, number] | null): Snapshot {
  const margin = Math.ceil(2 * cfg.noiseSquare.smoothSigma);
  return {
    epoch,
    noiseSquare: centre ? { centre, size: cfg.noiseSquare.size, margin } : null,
    generator: {
      base: cfg.generator.base,
      levels: cfg.generator.levels,
      params: paramsToData(m.generator.params),
      stats: paramsToData(m.generator.stats),
    },
  };
}

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * Trains the personalized WGAN-GP on one pair (docs/method.md). Schedule: epochs e = 1…E, each one
 * generator update preceded by `criticItersFor(e)` critic updates (5; 100 in the warm-up and every
 * boostEvery-th epoch). The noise square sits on every real follow-up slice at the current phase's
 * position and is removed after the last phase; a snapshot is taken at each phase end and at epoch E.
 * Checkpoints every `checkpointEvery` epochs and at each snapshot; `resumeFrom` continues bit-for-bit.
 * Throws AnetError('JOB_CANCELLED') when `signal` aborts (checked between steps), or after checkpointing
 * the epoch in progress when `stopSignal` aborts (graceful shutdown).
 */
export async function trainGan(
  cfg: TrainConfig,
  data: TrainData,
  hooks: TrainHooks = {},
  makeRunner: (m: GanModel, cfg: TrainConfig) => StepRunner | Promise<StepRunner> = defaultStepRunner,
): Promise<TrainResult> {
  const t0 = performance.now();
  const backend = await selectBackend();
  checkData(cfg, data);
  let rng = createRng(cfg.seed);
  const model = buildGan(cfg, rng);
  const pattern = makeNoisePattern(cfg, rng);
  let epoch0 = 0;
  let history = emptyHistory();
  let snapshots: Snapshot[] = [];
  let runner: StepRunner | undefined;
  try {
    if (hooks.resumeFrom) {
      const r = restoreCheckpoint(hooks.resumeFrom, cfg, model);
      ({ rng, history, snapshots } = r);
      epoch0 = r.epoch;
    }
    runner = await makeRunner(model, cfg);
    const snapAt = new Set(snapshotEpochs(cfg));
    const cancelled = () => {
      if (hooks.signal?.aborted) throw new AnetError('JOB_CANCELLED', 'training cancelled');
    };
    // ETA in units of steps (critic and generator steps cost about the same).
    let remainingUnits = 0;
    for (let e = epoch0 + 1; e <= cfg.epochs; e++) remainingUnits += criticItersFor(e, cfg) + 1;
    const unitsTotal = remainingUnits;
    const tLoop = performance.now();
    for (let e = epoch0 + 1; e <= cfg.epochs; e++) {
      const centre = noiseCentreFor(e, cfg);
      const square = { pattern, centre };
      const nc = criticItersFor(e, cfg);
      let sc = 0;
      let sw = 0;
      let sg = 0;
      for (let k = 0; k < nc; k++) {
        cancelled();
        const l = await runner.critic(sampleBatch(cfg, data, rng, true, square));
        sc += l.critic;
        sw += l.wasserstein;
        sg += l.gp;
      }
      cancelled();
      const gl = await runner.generator(sampleBatch(cfg, data, rng, false, square));
      const losses = { critic: sc / nc, wasserstein: sw / nc, gp: sg / nc, generator: gl.generator };
      if (!Number.isFinite(losses.critic) || !Number.isFinite(losses.generator))
        throw new AnetError('TRAINING_DIVERGED', `losses became non-finite at epoch ${e}`, {
          details: losses,
        });
      history.epoch.push(e);
      history.critic.push(losses.critic);
      history.wasserstein.push(losses.wasserstein);
      history.gp.push(losses.gp);
      history.generator.push(losses.generator);
      if (snapAt.has(e)) snapshots.push(snapshotOf(model, cfg, e, centre));
      remainingUnits -= nc + 1;
      const done = unitsTotal - remainingUnits;
      const perUnit = (performance.now() - tLoop) / 1000 / Math.max(1, done);
      hooks.onProgress?.({
        stage: 'training',
        epoch: e,
        totalEpochs: cfg.epochs,
        fraction: e / cfg.epochs,
        etaSeconds: perUnit * remainingUnits,
        losses,
      });
      const stopping = hooks.stopSignal?.aborted === true && e < cfg.epochs;
      const due = (cfg.checkpointEvery > 0 && e % cfg.checkpointEvery === 0) || snapAt.has(e);
      if (hooks.onCheckpoint && (due || stopping))
        await hooks.onCheckpoint(encodeCheckpoint(cfg, model, rng, e, history, snapshots), e);
      if (stopping)
        throw new AnetError(
          'JOB_CANCELLED',
          `training stopped after epoch ${e}; it resumes from that checkpoint`,
        );
      await yieldToLoop();
    }
    return {
      snapshots,
      history,
      backend: backend.name,
      epochs: cfg.epochs,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await runner?.close?.();
    disposeGan(model);
  }
}
