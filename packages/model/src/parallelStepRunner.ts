import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { AnetError, type TrainConfig } from '@anet/contracts';
import { drainTensors, replicaTensors, type FromReplica, type ToReplica } from './replicaProtocol';
import {
  applyCriticGrads,
  applyGeneratorGrads,
  criticGrads,
  generatorGrads,
  type GanModel,
  type StepBatch,
} from './trainStep';
import type { StepRunner } from './trainGan';

/** Splits a batch into `parts` contiguous shares (sizes differ by at most one). */
export function splitBatch(batch: StepBatch, parts: number): StepBatch[] {
  const n = batch.h * batch.w;
  const out: StepBatch[] = [];
  let start = 0;
  for (let p = 0; p < parts; p++) {
    const b = Math.floor(batch.b / parts) + (p < batch.b % parts ? 1 : 0);
    if (b === 0) continue;
    out.push({
      b,
      h: batch.h,
      w: batch.w,
      t1: batch.t1.slice(start * n, (start + b) * n),
      t2: batch.t2?.slice(start * n, (start + b) * n),
      eps: batch.eps?.slice(start, start + b),
    });
    start += b;
  }
  return out;
}

class Replica {
  private readonly worker: Worker;
  private pending: Array<{ resolve: (m: FromReplica) => void; reject: (e: Error) => void }> = [];
  private failed: Error | undefined;

  constructor() {
    this.worker = new Worker(new URL('./trainWorker.mjs', import.meta.url));
    this.worker.on('message', (m: FromReplica) => {
      const p = this.pending.shift();
      if (!p) return;
      if (m.type === 'error')
        p.reject(new AnetError((m.code as never) ?? 'INTERNAL', `training replica: ${m.message}`));
      else p.resolve(m);
    });
    const fail = (e: Error) => {
      this.failed = e;
      for (const p of this.pending.splice(0)) p.reject(e);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      if (code !== 0) fail(new AnetError('INTERNAL', `training replica exited with code ${code}`));
    });
  }

  send(msg: ToReplica, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(msg, transfer);
  }

  request(msg: ToReplica): Promise<FromReplica> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.send(msg);
    });
  }

  async close(): Promise<void> {
    this.send({ type: 'close' });
    await this.worker.terminate();
  }
}

/** Σ w_i·a_i element-wise, in a fixed order (deterministic for a given worker count). */
function weightedSum(parts: Float32Array[][], weights: number[]): Float32Array[] {
  return parts[0].map((_, k) => {
    const out = new Float32Array(parts[0][k].length);
    parts.forEach((p, i) => {
      const a = p[k];
      const w = weights[i];
      for (let j = 0; j < out.length; j++) out[j] += w * a[j];
    });
    return out;
  });
}

/**
 * Data-parallel steps over `replicas` threads in all (this thread is replica 0; the rest are worker
 * threads with their own tfjs backend). Each step: split the batch, every replica computes gradients
 * on its share, the trainer averages them (weighted by share) and every replica applies the same Adam
 * update, so all replicas stay identical. BN statistics are per share (ghost batch norm) and averaged.
 */
export async function createParallelRunner(
  m: GanModel,
  cfg: TrainConfig,
  replicas: number,
): Promise<StepRunner & { close(): Promise<void> }> {
  const workers = Array.from({ length: replicas - 1 }, () => new Replica());
  try {
    const state = replicaTensors(m).map((t) => (t.dataSync() as Float32Array).slice());
    await Promise.all(
      workers.map((w) => w.request({ type: 'init', cfg, state, adamSteps: [m.gAdam.step, m.cAdam.step] })),
    );
  } catch (e) {
    await Promise.all(workers.map((w) => w.close()));
    throw e;
  }
  const broadcast = (msg: ToReplica) => workers.forEach((w) => w.send(msg));

  return {
    async critic(batch) {
      const shares = splitBatch(batch, replicas);
      const remote = shares.slice(1).map((s, i) => workers[i].request({ type: 'criticGrads', batch: s }));
      const local = criticGrads(m, cfg, shares[0]);
      const others = (await Promise.all(remote)) as Array<Extract<FromReplica, { type: 'criticGrads' }>>;
      const weights = shares.map((s) => s.b / batch.b);
      const grads = weightedSum([drainTensors(local.grads), ...others.map((o) => o.grads)], weights);
      const all = [local.losses, ...others.map((o) => o.losses)];
      const avg = (k: 'critic' | 'wasserstein' | 'gp') => all.reduce((a, l, i) => a + weights[i] * l[k], 0);
      broadcast({ type: 'applyCritic', grads });
      applyCriticGrads(
        m,
        cfg,
        grads.map((g, i) => tf.tensor(g, m.critic.params.tensors[i].shape)),
      );
      return { critic: avg('critic'), wasserstein: avg('wasserstein'), gp: avg('gp') };
    },
    async generator(batch) {
      const shares = splitBatch(batch, replicas);
      const remote = shares.slice(1).map((s, i) => workers[i].request({ type: 'generatorGrads', batch: s }));
      const local = generatorGrads(m, cfg, shares[0]);
      const others = (await Promise.all(remote)) as Array<Extract<FromReplica, { type: 'generatorGrads' }>>;
      const weights = shares.map((s) => s.b / batch.b);
      const grads = weightedSum([drainTensors(local.grads), ...others.map((o) => o.grads)], weights);
      const localStats = drainTensors(
        [...local.stats].sort((a, b) => a.stat - b.stat).flatMap((s) => [s.mean, s.variance]),
      );
      const stats = weightedSum([localStats, ...others.map((o) => o.stats)], weights);
      const gen =
        local.losses.generator * weights[0] +
        others.reduce((a, o, i) => a + weights[i + 1] * o.losses.generator, 0);
      const l1 =
        local.losses.l1 * weights[0] + others.reduce((a, o, i) => a + weights[i + 1] * o.losses.l1, 0);
      broadcast({ type: 'applyGenerator', grads, stats });
      const shapes = m.generator.stats.tensors;
      applyGeneratorGrads(
        m,
        cfg,
        grads.map((g, i) => tf.tensor(g, m.generator.params.tensors[i].shape)),
        Array.from({ length: stats.length / 2 }, (_, k) => ({
          stat: k,
          mean: tf.tensor(stats[2 * k], shapes[2 * k].shape),
          variance: tf.tensor(stats[2 * k + 1], shapes[2 * k + 1].shape),
        })),
      );
      return { generator: gen, l1 };
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
