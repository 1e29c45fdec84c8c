import { z } from 'zod';
import { AnetError } from './AnetError';

/**
 * The training configuration of the personalized WGAN-GP (docs/method.md). Every result records
 * the full, resolved config it ran with. `paper` is the paper; `cpu` and `smoke` are scaled down.
 */

const positiveInt = z.int().min(1);
const fraction = z.number().min(0).max(1);

export const AdamConfigSchema = z.strictObject({
  lr: z.number().positive(),
  beta1: z.number().min(0).max(1),
  beta2: z.number().min(0).max(1),
  epsilon: z.number().positive(),
});
export type AdamConfig = z.infer<typeof AdamConfigSchema>;

/** One phase of the stabilising noise square: active until `untilFraction` of the epochs, centred at `centre` (fractions of the slice size). */
export const NoisePhaseSchema = z.strictObject({
  untilFraction: fraction,
  centre: z.tuple([fraction, fraction]),
});
export type NoisePhase = z.infer<typeof NoisePhaseSchema>;

export const TrainConfigSchema = z
  .strictObject({
    /** Seeds weights, augmentation and the noise pattern: same seed + config + data → same weights. */
    seed: z.int().min(0).max(0xffffffff),
    /** Working grid [x, y, z] the preprocessing resamples to; the networks see x×y axial slices. */
    grid: z.tuple([positiveInt, positiveInt, positiveInt]),
    generator: z.strictObject({
      /** Feature width of the first level; level i has base·2^i. */
      base: positiveInt,
      /** Resolution levels (levels − 1 max-pools); x and y must be divisible by 2^(levels−1). */
      levels: z.int().min(1).max(8),
      /** Batch-norm moving-average momentum (the statistics inference uses). */
      bnMomentum: z.number().min(0).max(1),
      /** Initial weights of the 1×1 map head: 'small' (He / 10, the paper's nets) or 'zero' (the map starts at exactly 0). */
      mapInit: z.enum(['small', 'zero']),
    }),
    critic: z.strictObject({
      /** Width of each stage; a 2×2 max-pool follows every stage but the last (C3D_fcn_16: 16,32,64,128,256). */
      widths: z.array(positiveInt).min(1),
      /** 3×3 convs per stage (C3D_fcn_16: 1,1,2,2,3 — the last stage's third conv is its extra conv 256). */
      convsPerStage: z.array(positiveInt).min(1),
      /** Leaky-ReLU slope, 0 = ReLU (the paper; on the smoke phantom a 0.2 leak lowered AUC from ~0.82 to ~0.6). */
      leak: z.number().min(0).max(1),
      /**
       * false (the paper): the critic sees one image, real t2 or fake t1 + map. true: it sees the pair
       * (t1, t2) or (t1, t1 + map) as two channels, so on an aligned pair it judges the change itself.
       */
      conditional: z.boolean(),
    }),
    /** An epoch is one generator update. */
    epochs: positiveInt,
    schedule: z.strictObject({
      /** Critic updates before each generator update. */
      criticIters: positiveInt,
      /** Critic updates instead during the first `warmupEpochs` epochs and every `boostEvery`-th epoch (1-based). */
      criticItersBoost: positiveInt,
      warmupEpochs: z.int().min(0),
      boostEvery: positiveInt,
    }),
    generatorAdam: AdamConfigSchema,
    criticAdam: AdamConfigSchema,
    /** λ of the gradient penalty. */
    gpWeight: z.number().min(0),
    /** Weight of mean |map| in the generator loss (VA-GAN's map regulariser); 0 disables it. */
    l1Weight: z.number().min(0),
    /** Slices per step (baseline and follow-up each get `batch` augmented slices). */
    batch: positiveInt,
    /**
     * false (the paper): baseline and follow-up slices are augmented independently (no registration).
     * true: each t2 slice has the same pose and position as its t1 slice (an aligned pair), noise apart.
     */
    pairedSlices: z.boolean(),
    noiseSquare: z.strictObject({
      enabled: z.boolean(),
      /** Side of the square in pixels. */
      size: positiveInt,
      /** σ (pixels) of the 2D Gaussian that smooths the noise. */
      smoothSigma: z.number().positive(),
      /** Peak |value| of the smoothed pattern (images are in [0, 1]). */
      amplitude: z.number().min(0),
      /** Which image gets the square: the real follow-up (the generator must learn to paint it) or the baseline. */
      target: z.enum(['followup', 'baseline']),
      /** Phases in order; after the last one the square is off. A snapshot is taken at each change and at the end. */
      phases: z.array(NoisePhaseSchema).min(1),
    }),
    augment: z.strictObject({
      maxRotationDeg: z.number().min(0),
      maxShiftVox: z.number().min(0),
      maxNoiseSigma: z.number().min(0),
    }),
    /** Checkpoint every N epochs (and at each snapshot); 0 = only at snapshots. */
    checkpointEvery: z.int().min(0),
    /** Slices per forward pass at inference. */
    inferBatch: positiveInt,
    /** Data-parallel worker threads for training (1 = in-process). */
    workers: z.int().min(1).max(64),
  })
  .superRefine((c, ctx) => {
    const div = 2 ** (c.generator.levels - 1);
    if (c.grid[0] % div !== 0 || c.grid[1] % div !== 0)
      ctx.addIssue({
        code: 'custom',
        path: ['grid'],
        message: `grid x and y must be divisible by 2^(levels-1) = ${div}`,
      });
    const cdiv = 2 ** (c.critic.widths.length - 1);
    if (c.grid[0] % cdiv !== 0 || c.grid[1] % cdiv !== 0)
      ctx.addIssue({
        code: 'custom',
        path: ['grid'],
        message: `grid x and y must be divisible by 2^(critic stages-1) = ${cdiv}`,
      });
    if (c.critic.widths.length !== c.critic.convsPerStage.length)
      ctx.addIssue({
        code: 'custom',
        path: ['critic'],
        message: 'critic.widths and critic.convsPerStage must have the same length',
      });
    let prev = 0;
    for (const [i, p] of c.noiseSquare.phases.entries()) {
      if (p.untilFraction <= prev)
        ctx.addIssue({
          code: 'custom',
          path: ['noiseSquare', 'phases', i],
          message: 'phase untilFraction must increase and be > 0',
        });
      prev = p.untilFraction;
    }
    if (c.noiseSquare.size > Math.min(c.grid[0], c.grid[1]))
      ctx.addIssue({
        code: 'custom',
        path: ['noiseSquare', 'size'],
        message: 'noise square larger than the slice',
      });
  });
export type TrainConfig = z.infer<typeof TrainConfigSchema>;

export const TRAIN_PROFILES = ['paper', 'cpu', 'smoke'] as const;
export type TrainProfile = (typeof TRAIN_PROFILES)[number];

const PAPER_PHASES: NoisePhase[] = [
  { untilFraction: 0.4, centre: [0.5, 0.5] },
  { untilFraction: 0.6, centre: [0.35, 0.35] },
  { untilFraction: 0.8, centre: [0.65, 0.65] },
];

/** docs/method.md, the paper exactly: 256×256×128, U-Net base 32 × 4 levels, C3D_fcn_16 critic, 1000 epochs, 5/100 critic schedule, Adam 1e-4 (0, 0.9), λ 10. */
const paper: TrainConfig = {
  seed: 1,
  grid: [256, 256, 128],
  generator: { base: 32, levels: 4, bnMomentum: 0.99, mapInit: 'small' },
  critic: { widths: [16, 32, 64, 128, 256], convsPerStage: [1, 1, 2, 2, 3], leak: 0, conditional: false },
  epochs: 1000,
  schedule: { criticIters: 5, criticItersBoost: 100, warmupEpochs: 25, boostEvery: 100 },
  generatorAdam: { lr: 1e-4, beta1: 0, beta2: 0.9, epsilon: 1e-8 },
  criticAdam: { lr: 1e-4, beta1: 0, beta2: 0.9, epsilon: 1e-8 },
  gpWeight: 10,
  l1Weight: 0,
  batch: 4,
  pairedSlices: false,
  noiseSquare: {
    enabled: true,
    size: 10,
    smoothSigma: 1.5,
    amplitude: 0.5,
    target: 'followup',
    phases: PAPER_PHASES,
  },
  augment: { maxRotationDeg: 15, maxShiftVox: 10, maxNoiseSigma: 0.1 },
  checkpointEvery: 50,
  inferBatch: 8,
  workers: 1,
};

/**
 * The network of the default profile, for when its method uses one (method.map 'gan' or
 * 'gan-refined-subtraction'): two CPU cores, ≤ 15 min per pair, on an ALIGNED pair — slices paired
 * (same pose for t1 and t2), a conditional critic that sees (t1, x), the map head initialised to 0 and
 * VA-GAN's L1 map penalty. The schedule keeps the paper's shape scaled by epochs/1000 (warm-up 25 → 5,
 * boost every 100 → 20). Measured in bench/RESULTS.md; the default method does not use it (see there).
 */
const cpu: TrainConfig = {
  ...paper,
  grid: [64, 64, 32],
  generator: { base: 16, levels: 4, bnMomentum: 0.9, mapInit: 'zero' },
  critic: { widths: [16, 32, 64, 64], convsPerStage: [1, 1, 2, 2], leak: 0, conditional: true },
  epochs: 200,
  schedule: { criticIters: 5, criticItersBoost: 25, warmupEpochs: 5, boostEvery: 20 },
  generatorAdam: { lr: 5e-4, beta1: 0, beta2: 0.9, epsilon: 1e-8 },
  criticAdam: { lr: 5e-4, beta1: 0, beta2: 0.9, epsilon: 1e-8 },
  l1Weight: 1,
  batch: 4,
  pairedSlices: true,
  noiseSquare: { ...paper.noiseSquare, size: 4, smoothSigma: 1 },
  augment: { maxRotationDeg: 15, maxShiftVox: 2.5, maxNoiseSigma: 0.1 },
  checkpointEvery: 25,
  inferBatch: 16,
  workers: 2,
};

/** Seconds: for tests and wiring checks, not for results. */
const smoke: TrainConfig = {
  ...cpu,
  grid: [32, 32, 8],
  generator: { base: 8, levels: 3, bnMomentum: 0.9, mapInit: 'small' },
  critic: { widths: [8, 16, 32], convsPerStage: [1, 1, 2], leak: 0, conditional: false },
  epochs: 40,
  schedule: { criticIters: 2, criticItersBoost: 4, warmupEpochs: 1, boostEvery: 5 },
  generatorAdam: { lr: 1e-3, beta1: 0, beta2: 0.9, epsilon: 1e-8 },
  criticAdam: { lr: 1e-3, beta1: 0, beta2: 0.9, epsilon: 1e-8 },
  l1Weight: 1,
  batch: 2,
  pairedSlices: false,
  noiseSquare: { ...paper.noiseSquare, size: 4, smoothSigma: 1 },
  augment: { maxRotationDeg: 5, maxShiftVox: 1, maxNoiseSigma: 0.01 },
  checkpointEvery: 0,
  inferBatch: 8,
  workers: 1,
};

export const PROFILES: Record<TrainProfile, TrainConfig> = { paper, cpu, smoke };

type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** Any subset of the config, nested objects partial too (arrays replace whole). */
export type TrainConfigOverrides = DeepPartial<TrainConfig>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars replace. */
function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
    return out;
  }
  return over;
}

/** A profile deep-merged with overrides and validated; throws PROFILE_UNKNOWN or CONFIG_INVALID. */
export function resolveTrainConfig(profile: string, overrides?: TrainConfigOverrides): TrainConfig {
  if (!(TRAIN_PROFILES as readonly string[]).includes(profile))
    throw new AnetError(
      'PROFILE_UNKNOWN',
      `unknown training profile '${profile}' (known: ${TRAIN_PROFILES.join(', ')})`,
    );
  const merged = deepMerge(structuredClone(PROFILES[profile as TrainProfile]), overrides ?? {});
  const parsed = TrainConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new AnetError('CONFIG_INVALID', `invalid training config: ${msg}`, {
      details: { issues: parsed.error.issues },
    });
  }
  return parsed.data;
}
