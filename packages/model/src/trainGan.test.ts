import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { resolveTrainConfig } from '@anet/contracts';
import { selectBackend } from './backend';
import { decodeBlob } from './checkpoint';
import { inferMap } from './inferMap';
import { trainGan } from './trainGan';
import { auc, discVolume } from './__tests__/syntheticPair';

const dims: [number, number, number] = [32, 32, 8];

describe('trainGan', () => {
  it('resumes bit-for-bit: k + resume + k epochs equals 2k epochs straight', async () => {
    const cfg = resolveTrainConfig('smoke', { epochs: 6, checkpointEvery: 3 });
    const data = { baseline: discVolume(dims, 3), followup: discVolume(dims, 5) };
    const blobs = new Map<number, Uint8Array>();
    const straight = await trainGan(cfg, data, { onCheckpoint: async (b, e) => void blobs.set(e, b) });
    expect([...blobs.keys()]).toEqual(expect.arrayContaining([3, 6]));
    const resumedBlobs = new Map<number, Uint8Array>();
    const resumed = await trainGan(cfg, data, {
      resumeFrom: blobs.get(3),
      onCheckpoint: async (b, e) => void resumedBlobs.set(e, b),
    });
    const a = decodeBlob(blobs.get(6)!).tensors;
    const b = decodeBlob(resumedBlobs.get(6)!).tensors;
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, t] of a)
      expect(
        Buffer.from(b.get(name)!.data.buffer.slice(0)).equals(Buffer.from(t.data.buffer.slice(0))),
        name,
      ).toBe(true);
    // Stronger than "close": identical bytes for every weight, Adam moment and snapshot.
    for (const [name, t] of a) expect(Array.from(b.get(name)!.data), name).toEqual(Array.from(t.data));
    expect(resumed.history).toEqual(straight.history);
    expect(resumed.snapshots.map((s) => s.epoch)).toEqual(straight.snapshots.map((s) => s.epoch));
  });

  it('graceful stop: finishes the epoch, checkpoints it, stops; the resume equals training straight through', async () => {
    const cfg = resolveTrainConfig('smoke', { epochs: 6, checkpointEvery: 0 });
    const data = { baseline: discVolume(dims, 3), followup: discVolume(dims, 5) };
    const straightBlobs = new Map<number, Uint8Array>();
    await trainGan(cfg, data, { onCheckpoint: async (b, e) => void straightBlobs.set(e, b) });
    const stop = new AbortController();
    const blobs = new Map<number, Uint8Array>();
    const stopped = trainGan(cfg, data, {
      stopSignal: stop.signal,
      // Asked to stop during epoch 3 (progress fires at its end, before its checkpoint decision).
      onProgress: (p) => p.epoch === 3 && stop.abort(),
      onCheckpoint: async (b, e) => void blobs.set(e, b),
    });
    await expect(stopped).rejects.toMatchObject({ code: 'JOB_CANCELLED' });
    // Snapshots (and so checkpoints) fall at epochs 2, 4, 5, 6 here; 3 is written only for the stop.
    expect([...blobs.keys()]).toEqual([2, 3]);
    const resumedBlobs = new Map<number, Uint8Array>();
    await trainGan(cfg, data, {
      resumeFrom: blobs.get(3),
      onCheckpoint: async (b, e) => void resumedBlobs.set(e, b),
    });
    const a = decodeBlob(straightBlobs.get(6)!).tensors;
    const b = decodeBlob(resumedBlobs.get(6)!).tensors;
    for (const [name, t] of a) expect(Array.from(b.get(name)!.data), name).toEqual(Array.from(t.data));
  });

  it('rejects a checkpoint from another configuration', async () => {
    const cfg = resolveTrainConfig('smoke', { epochs: 2, checkpointEvery: 1 });
    const data = { baseline: discVolume(dims, 3), followup: discVolume(dims, 5) };
    let blob: Uint8Array | undefined;
    await trainGan(cfg, data, { onCheckpoint: async (b) => void (blob = b) });
    await expect(trainGan({ ...cfg, seed: 99 }, data, { resumeFrom: blob })).rejects.toMatchObject({
      code: 'CHECKPOINT_INVALID',
    });
  });

  it('stops with JOB_CANCELLED when aborted and leaks no tensors', async () => {
    await selectBackend();
    const before = tf.memory().numTensors;
    const cfg = resolveTrainConfig('smoke', { epochs: 20 });
    const ctl = new AbortController();
    const counts: number[] = [];
    const run = trainGan(
      cfg,
      { baseline: discVolume(dims, 3), followup: discVolume(dims, 5) },
      {
        signal: ctl.signal,
        onProgress: (p) => {
          counts.push(tf.memory().numTensors);
          if (p.epoch === 6) ctl.abort();
        },
      },
    );
    await expect(run).rejects.toMatchObject({ code: 'JOB_CANCELLED' });
    // Flat across epochs after the first (burn-in), and everything released at the end.
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('smoke run on a growth phantom: critic loss falls, map finds the growth (AUC ≥ 0.7), progress and snapshots as scheduled', async () => {
    const cfg = resolveTrainConfig('smoke');
    const baseline = discVolume(dims, 2.5);
    const followup = discVolume(dims, 5);
    const progress: number[] = [];
    const res = await trainGan(cfg, { baseline, followup }, { onProgress: (p) => progress.push(p.epoch) });
    expect(progress).toEqual(Array.from({ length: cfg.epochs }, (_, i) => i + 1));
    expect(res.snapshots.map((s) => s.epoch)).toEqual([16, 24, 32, 40]);
    expect(res.snapshots.map((s) => s.noiseSquare?.centre ?? null)).toEqual([
      [0.5, 0.5],
      [0.35, 0.35],
      [0.65, 0.65],
      null,
    ]);
    expect(res.history.critic).toHaveLength(cfg.epochs);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(res.history.critic.slice(-5))).toBeLessThan(mean(res.history.critic.slice(0, 5)));
    const { map, uncertainty, perSnapshot } = await inferMap(res.snapshots, baseline, cfg);
    expect(map.dims).toEqual(dims);
    expect(perSnapshot).toHaveLength(4);
    expect(uncertainty.data.every((v) => v >= 0 && Number.isFinite(v))).toBe(true);
    const scores: number[] = [];
    const labels: boolean[] = [];
    for (let i = 0; i < map.data.length; i++)
      if (baseline.data[i] > 0 || followup.data[i] > 0) {
        scores.push(map.data[i]);
        labels.push(followup.data[i] > 0.8 && baseline.data[i] < 0.8);
      }
    expect(auc(scores, labels)).toBeGreaterThanOrEqual(0.7);
  });
});
