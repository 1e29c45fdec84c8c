import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { AnetError } from '@anet/contracts';
import { createRng } from '@anet/preprocess';
import { selectBackend } from './backend';
import { drainTensors, loadReplicaState, type FromReplica, type ToReplica } from './replicaProtocol';
import {
  applyCriticGrads,
  applyGeneratorGrads,
  buildGan,
  criticGrads,
  generatorGrads,
  type GanModel,
} from './trainStep';

/** One data-parallel replica: computes gradients on its share of each batch and applies the averaged ones. */
const port = parentPort;
if (!port) throw new Error('trainWorker must run in a worker thread');
let model: GanModel | undefined;
let cfg: Extract<ToReplica, { type: 'init' }>['cfg'] | undefined;

function post(msg: FromReplica): void {
  const transfer: ArrayBuffer[] = [];
  if (msg.type === 'criticGrads' || msg.type === 'generatorGrads')
    for (const a of msg.grads) transfer.push(a.buffer as ArrayBuffer);
  if (msg.type === 'generatorGrads') for (const a of msg.stats) transfer.push(a.buffer as ArrayBuffer);
  port!.postMessage(msg, transfer);
}

port.on('message', async (msg: ToReplica) => {
  try {
    switch (msg.type) {
      case 'init': {
        const b = await selectBackend();
        cfg = msg.cfg;
        model = buildGan(cfg, createRng(cfg.seed));
        loadReplicaState(model, msg.state, msg.adamSteps);
        post({ type: 'ready', backend: b.name });
        break;
      }
      case 'criticGrads': {
        const r = criticGrads(model!, cfg!, msg.batch);
        post({ type: 'criticGrads', grads: drainTensors(r.grads), losses: r.losses });
        break;
      }
      case 'generatorGrads': {
        const r = generatorGrads(model!, cfg!, msg.batch);
        const stats = drainTensors(
          [...r.stats].sort((a, b) => a.stat - b.stat).flatMap((s) => [s.mean, s.variance]),
        );
        post({ type: 'generatorGrads', grads: drainTensors(r.grads), stats, losses: r.losses });
        break;
      }
      case 'applyCritic':
        applyCriticGrads(
          model!,
          cfg!,
          msg.grads.map((g, i) => tf.tensor(g, model!.critic.params.tensors[i].shape)),
        );
        break;
      case 'applyGenerator': {
        const stats = model!.generator.stats.tensors;
        applyGeneratorGrads(
          model!,
          cfg!,
          msg.grads.map((g, i) => tf.tensor(g, model!.generator.params.tensors[i].shape)),
          Array.from({ length: msg.stats.length / 2 }, (_, k) => ({
            stat: k,
            mean: tf.tensor(msg.stats[2 * k], stats[2 * k].shape),
            variance: tf.tensor(msg.stats[2 * k + 1], stats[2 * k + 1].shape),
          })),
        );
        break;
      }
      case 'close':
        port!.close();
        break;
    }
  } catch (e) {
    post({
      type: 'error',
      message: e instanceof Error ? e.message : String(e),
      code: e instanceof AnetError ? e.code : undefined,
    });
  }
});
