import * as tf from '@tensorflow/tfjs';
import { AnetError, type TrainConfig, type Volume } from '@anet/contracts';
import type { Rng } from '@anet/preprocess';
import { selectBackend } from './backend';
import { buildGenerator, generatorForward, type Generator } from './networks/generator';
import { disposeParams, paramsFromData } from './networks/params';
import { squareOrigin } from './noiseSquare';
import type { Snapshot } from './types';

export interface InferResult {
  /** Ensemble mean map (working grid): positive = new/growing enhancement. */
  map: Volume;
  /** Per-voxel standard deviation across the snapshots used at that voxel. */
  uncertainty: Volume;
  perSnapshot: Array<{ mean: number; std: number; min: number; max: number }>;
}

// Weights come from the snapshot; the builder only needs the layout.
const NO_RNG: Rng = { next: () => 0, normal: () => 0, uniform: (a) => a, state: () => [] };

function generatorFromSnapshot(s: Snapshot): Generator {
  const g = buildGenerator(
    { generator: { base: s.generator.base, levels: s.generator.levels, bnMomentum: 0, mapInit: 'zero' } },
    NO_RNG,
  );
  const check = (got: string[], want: string[]) => {
    if (got.length !== want.length || got.some((n, i) => n !== want[i]))
      throw new AnetError('CHECKPOINT_INVALID', 'snapshot does not match its generator layout');
  };
  check(s.generator.params.names, g.params.names);
  check(s.generator.stats.names, g.stats.names);
  disposeParams(g.params);
  disposeParams(g.stats);
  return {
    spec: g.spec,
    params: paramsFromData(s.generator.params),
    stats: paramsFromData(s.generator.stats),
  };
}

/**
 * Every axial slice of the preprocessed baseline through every snapshot (batches of cfg.inferBatch,
 * BN in inference mode), then per voxel the mean over the snapshots whose own noise square (plus its
 * blur margin) does not cover that pixel, and their standard deviation as the uncertainty.
 */
export async function inferMap(
  snapshots: Snapshot[],
  baseline: Volume,
  cfg: Pick<TrainConfig, 'inferBatch'>,
): Promise<InferResult> {
  if (snapshots.length === 0) throw new AnetError('CHECKPOINT_INVALID', 'no snapshots to infer with');
  await selectBackend();
  const [X, Y, Z] = baseline.dims;
  const n = X * Y;
  const maps: Float32Array[] = [];
  for (const s of snapshots) {
    const g = generatorFromSnapshot(s);
    const out = new Float32Array(n * Z);
    try {
      for (let z0 = 0; z0 < Z; z0 += cfg.inferBatch) {
        const b = Math.min(cfg.inferBatch, Z - z0);
        const res = tf.tidy(() => {
          const x = tf.tensor4d(baseline.data.subarray(z0 * n, (z0 + b) * n), [b, Y, X, 1]);
          return generatorForward(g, g.params.tensors, x, false);
        });
        out.set(res.dataSync(), z0 * n);
        res.dispose();
      }
    } finally {
      disposeParams(g.params);
      disposeParams(g.stats);
    }
    maps.push(out);
  }
  // In-plane exclusion mask per snapshot (1 = excluded).
  const excluded = snapshots.map((s) => {
    const m = new Uint8Array(n);
    if (!s.noiseSquare) return m;
    const { centre, size, margin } = s.noiseSquare;
    const [x0, y0] = squareOrigin(centre, size, X, Y);
    for (let y = Math.max(0, y0 - margin); y < Math.min(Y, y0 + size + margin); y++)
      for (let x = Math.max(0, x0 - margin); x < Math.min(X, x0 + size + margin); x++) m[y * X + x] = 1;
    return m;
  });
  const mean = new Float32Array(n * Z);
  const std = new Float32Array(n * Z);
  const S = snapshots.length;
  for (let p = 0; p < n; p++) {
    let use = 0;
    for (let s = 0; s < S; s++) if (!excluded[s][p]) use |= 1 << s;
    if (use === 0) use = (1 << S) - 1; // every snapshot covers it: keep them all
    let k = 0;
    for (let s = 0; s < S; s++) if (use & (1 << s)) k++;
    for (let z = 0; z < Z; z++) {
      const i = z * n + p;
      let sum = 0;
      let sq = 0;
      for (let s = 0; s < S; s++)
        if (use & (1 << s)) {
          const v = maps[s][i];
          sum += v;
          sq += v * v;
        }
      const mu = sum / k;
      mean[i] = mu;
      std[i] = Math.sqrt(Math.max(0, sq / k - mu * mu));
    }
  }
  const perSnapshot = maps.map((m) => {
    let s1 = 0;
    let s2 = 0;
    let mn = Infinity;
    let mx = -Infinity;
    for (const v of m) {
      s1 += v;
      s2 += v * v;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    const mu = s1 / m.length;
    return { mean: mu, std: Math.sqrt(Math.max(0, s2 / m.length - mu * mu)), min: mn, max: mx };
  });
  const like = (data: Float32Array): Volume => ({
    data,
    dims: [X, Y, Z],
    spacing: [...baseline.spacing],
    affine: [...baseline.affine],
  });
  return { map: like(mean), uncertainty: like(std), perSnapshot };
}
