import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '@anet/contracts';
import type { Rng } from '@anet/preprocess';
import { ParamBuilder, type ParamSet } from './params';

const BN_EPS = 1e-3;

/** Index layout of one conv + batch-norm + ReLU block inside the generator's ParamSet. */
interface ConvBn {
  w: number;
  gamma: number;
  beta: number;
  /** Index into the generator's moving statistics (mean at 2k, variance at 2k+1). */
  stat: number;
}

export interface GeneratorSpec {
  levels: number;
  widths: number[];
  enc: ConvBn[][];
  /** Per decoder level i (0…levels−2): up-conv kernel+bias and the two blocks after the skip concat. */
  dec: Array<{ upW: number; upB: number; blocks: ConvBn[] }>;
  outW: number;
  outB: number;
}

/** Generator = trainable params + BN moving statistics (which inference uses). */
export interface Generator {
  spec: GeneratorSpec;
  params: ParamSet;
  /** [mean0, var0, mean1, var1, …] per BN layer, not trained by gradient. */
  stats: ParamSet;
}

/**
 * The paper's 2D U-Net (Fig. 1): per level 2×[3×3 conv + BN + ReLU], 2×2 max-pool down, 4×4
 * transposed conv stride 2 up, skip concatenation, final 1×1 conv → one linear channel (the map).
 * Widths base·2^i for i < levels. Weights drawn from `rng` (He-normal).
 */
export function buildGenerator(cfg: Pick<TrainConfig, 'generator'>, rng: Rng): Generator {
  const { base, levels } = cfg.generator;
  if (!Number.isInteger(base) || base < 1 || !Number.isInteger(levels) || levels < 1)
    throw new Error(`bad generator config base=${base} levels=${levels}`);
  const pb = new ParamBuilder(rng);
  const sb = new ParamBuilder(rng);
  const widths = Array.from({ length: levels }, (_, i) => base * 2 ** i);
  let statCount = 0;
  const convBn = (name: string, cin: number, cout: number): ConvBn => {
    const w = pb.heNormal(`${name}.w`, [3, 3, cin, cout], 9 * cin);
    const gamma = pb.constant(`${name}.gamma`, [cout], 1);
    const beta = pb.constant(`${name}.beta`, [cout], 0);
    sb.constant(`${name}.movingMean`, [cout], 0);
    sb.constant(`${name}.movingVar`, [cout], 1);
    return { w, gamma, beta, stat: statCount++ };
  };
  const enc: ConvBn[][] = [];
  let cin = 1;
  for (let i = 0; i < levels; i++) {
    enc.push([convBn(`enc${i}.0`, cin, widths[i]), convBn(`enc${i}.1`, widths[i], widths[i])]);
    cin = widths[i];
  }
  const dec: GeneratorSpec['dec'] = [];
  for (let i = levels - 2; i >= 0; i--) {
    // conv2dTranspose filter layout: [kh, kw, outChannels, inChannels].
    const upW = pb.heNormal(`dec${i}.up.w`, [4, 4, widths[i], widths[i + 1]], 4 * widths[i + 1]);
    const upB = pb.constant(`dec${i}.up.b`, [widths[i]], 0);
    dec[i] = {
      upW,
      upB,
      blocks: [convBn(`dec${i}.0`, 2 * widths[i], widths[i]), convBn(`dec${i}.1`, widths[i], widths[i])],
    };
  }
  // Small (or zero) init of the output layer: the map starts near (or at) 0, fake ≈ t1.
  const outW =
    cfg.generator.mapInit === 'zero'
      ? pb.constant('out.w', [1, 1, widths[0], 1], 0)
      : pb.heNormal('out.w', [1, 1, widths[0], 1], widths[0] * 100);
  const outB = pb.constant('out.b', [1], 0);
  return { spec: { levels, widths, enc, dec, outW, outB }, params: pb.build(), stats: sb.build() };
}

/**
 * Training-mode batch norm over [B, H, W] per channel, y = γ·(x − μ)/σ + β with the batch's μ, σ² (biased),
 * as one op with a hand-written gradient: tfjs's own gradient of batchNorm ∘ moments broadcasts with
 * Tile and runs a dozen full-size passes (the largest non-conv cost of a generator step on wasm).
 * dx = γ/σ·(dy − mean(dy) − x̂·mean(dy·x̂)), dγ = Σ dy·x̂, dβ = Σ dy — the gradient through μ and σ²
 * included. `onStats` receives μ and σ² (kept: the caller owns them). First derivatives only (the
 * generator loss never needs a second one).
 */
export function batchNormTraining(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  onStats?: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void,
): tf.Tensor4D {
  const op = tf.customGrad((...args: unknown[]) => {
    const [xi, g, bt, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const { mean, variance } = tf.moments(xi, [0, 1, 2]);
    if (onStats) onStats(tf.keep(mean.clone()) as tf.Tensor1D, tf.keep(variance.clone()) as tf.Tensor1D);
    const inv = tf.rsqrt(tf.add(variance, BN_EPS));
    save([xi, mean, inv, g]);
    return {
      // The fused forward kernel: the same values as tf.batchNorm with these statistics.
      value: tf.batchNorm(xi, mean as tf.Tensor1D, variance as tf.Tensor1D, bt, g, BN_EPS),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const d = dy as tf.Tensor4D;
        const [xs, mu, iv, gm] = saved;
        const n = xs.size / (xs.shape[3] as number);
        const xhat = tf.mul(tf.sub(xs, mu), iv);
        const dBeta = tf.sum(d, [0, 1, 2]);
        const dGamma = tf.sum(tf.mul(d, xhat), [0, 1, 2]);
        const dx = tf.mul(
          tf.sub(tf.sub(d, tf.div(dBeta, n)), tf.mul(xhat, tf.div(dGamma, n))),
          tf.mul(gm, iv),
        );
        return [dx, dGamma, dBeta];
      },
    };
  });
  return op(x, gamma, beta) as tf.Tensor4D;
}

/** Batch statistics a training-mode forward pass produced, in BN-layer order. */
export type BnBatchStats = Array<{ stat: number; mean: tf.Tensor; variance: tf.Tensor }>;

/**
 * map = G(x) for x [B, H, W, 1]. `training`: batch statistics (pushed to `batchStats` when given an
 * array, kept: the caller disposes them); otherwise the moving statistics. `params` may be tensors being differentiated.
 */
export function generatorForward(
  g: { spec: GeneratorSpec; stats: ParamSet },
  params: tf.Tensor[],
  x: tf.Tensor4D,
  training: boolean,
  batchStats?: BnBatchStats,
): tf.Tensor4D {
  const { spec, stats } = g;
  const block = (h: tf.Tensor4D, b: ConvBn): tf.Tensor4D => {
    const c = tf.conv2d(h, params[b.w] as tf.Tensor4D, 1, 'same');
    const gamma = params[b.gamma] as tf.Tensor1D;
    const beta = params[b.beta] as tf.Tensor1D;
    if (!training)
      return tf.relu(
        tf.batchNorm(
          c,
          stats.tensors[2 * b.stat] as tf.Tensor1D,
          stats.tensors[2 * b.stat + 1] as tf.Tensor1D,
          beta,
          gamma,
          BN_EPS,
        ),
      );
    const y = batchNormTraining(
      c,
      gamma,
      beta,
      batchStats ? (mean, variance) => batchStats.push({ stat: b.stat, mean, variance }) : undefined,
    );
    return tf.relu(y);
  };
  const skips: tf.Tensor4D[] = [];
  let h = x;
  for (let i = 0; i < spec.levels; i++) {
    h = block(block(h, spec.enc[i][0]), spec.enc[i][1]);
    if (i < spec.levels - 1) {
      skips.push(h);
      h = tf.maxPool(h, 2, 2, 'valid');
    }
  }
  for (let i = spec.levels - 2; i >= 0; i--) {
    const d = spec.dec[i];
    const [bsz, hh, ww] = skips[i].shape;
    const up = tf.add(
      tf.conv2dTranspose(h, params[d.upW] as tf.Tensor4D, [bsz, hh, ww, spec.widths[i]], 2, 'same'),
      params[d.upB],
    ) as tf.Tensor4D;
    h = tf.concat([up, skips[i]], 3);
    h = block(block(h, d.blocks[0]), d.blocks[1]);
  }
  return tf.add(tf.conv2d(h, params[spec.outW] as tf.Tensor4D, 1, 'same'), params[spec.outB]) as tf.Tensor4D;
}

/** moving ← momentum·moving + (1 − momentum)·batch, for every BN layer; disposes the old stats. */
export function updateMovingStats(g: Generator, batchStats: BnBatchStats, momentum: number): void {
  const old = [...g.stats.tensors];
  const next = [...old];
  tf.tidy(() => {
    for (const s of batchStats) {
      next[2 * s.stat] = tf.keep(tf.add(tf.mul(old[2 * s.stat], momentum), tf.mul(s.mean, 1 - momentum)));
      next[2 * s.stat + 1] = tf.keep(
        tf.add(tf.mul(old[2 * s.stat + 1], momentum), tf.mul(s.variance, 1 - momentum)),
      );
    }
  });
  for (let i = 0; i < old.length; i++) if (next[i] !== old[i]) old[i].dispose();
  g.stats.tensors = next;
}

/** Multiply-adds ×2 of one forward pass on an H×W slice (for GFLOP/s figures). */
export function generatorFlops(cfg: Pick<TrainConfig, 'generator'>, h: number, w: number): number {
  const { base, levels } = cfg.generator;
  let f = 0;
  let cin = 1;
  for (let i = 0; i < levels; i++) {
    const px = (h * w) / 4 ** i;
    const c = base * 2 ** i;
    f += 2 * px * 9 * (cin * c + c * c);
    cin = c;
  }
  for (let i = levels - 2; i >= 0; i--) {
    const px = (h * w) / 4 ** i;
    const c = base * 2 ** i;
    f += 2 * px * 16 * (2 * c) * c * 0.25; // transposed conv: each output pixel gets 4 of the 16 taps
    f += 2 * px * 9 * (2 * c * c + c * c);
  }
  return f + 2 * h * w * base;
}
