import type { Volume } from '@anet/contracts';
import { AnetError } from '@anet/contracts';
import { rotationMatrix } from './augment';
import { createRng } from './rng';

type Vec3 = [number, number, number];

export interface PhantomOptions {
  seed: number;
  dims?: Vec3;
  spacing?: Vec3;
  /** Enhancing-lesion volume factor follow-up / baseline: 2 = growth, 0.3 = response, 1 = stable, 0 = gone. */
  change?: number;
  /** Misalign the follow-up by an independent random rigid motion (default true). */
  misalign?: boolean;
  /** Largest misalignment rotation per axis, degrees (default 6). */
  misalignDeg?: number;
  /** Largest misalignment shift per axis, voxels (default 3). */
  misalignVox?: number;
  /** Baseline lesion outer radius in voxels (default 0.18 · min(dims)). */
  lesionRadius?: number;
  /** Noise sd relative to white matter (default 0.03). */
  noise?: number;
}

export interface PhantomPair {
  baseline: Volume;
  followup: Volume;
  /** Enhancing-lesion (ring) 0/1 masks, each in its own scan's grid. */
  baselineTumour: Volume;
  followupTumour: Volume;
  /** The follow-up's enhancing lesion in the baseline grid: the exact truth for change maps. */
  followupTumourInBaseline: Volume;
  /** Brain (inside the skull) 0/1 masks, each in its own grid. */
  baselineBrainMask: Volume;
  followupBrainMask: Volume;
  truth: {
    baselineVoxels: number;
    followupVoxels: number;
    changeFactor: number;
    /** Follow-up rigid motion: p_followup = R·(p_anatomy − c) + c + shift (voxels). */
    motion: { rotation: number[]; shift: Vec3 };
    intensity: { scale: number; bias: number };
  };
}

// Tissue values (white matter = 0.6); T1 post-contrast-like ordering.
const TISSUE = {
  scalp: 0.7,
  bone: 0.05,
  csf: 0.15,
  grey: 0.45,
  white: 0.6,
  ventricle: 0.12,
  ring: 1.0,
  necrosis: 0.2,
};
const CORE_FRACTION = 0.55; // inner / outer lesion radius

/**
 * A seeded synthetic longitudinal pair (docs/method.md test material): a head (scalp, skull, CSF, grey and
 * white matter, two ventricles) with an enhancing ring lesion around a necrotic core. The follow-up's
 * lesion has `change` times the baseline's enhancing volume (both radii scale by change^⅓), the
 * follow-up head is rigidly moved, rescaled in intensity (scale, bias) and both get Rician-like noise.
 * Everything is evaluated analytically at voxel centres, so the masks are exact.
 */
export function makePhantomPair(opts: PhantomOptions): PhantomPair {
  const dims: Vec3 = opts.dims ?? [64, 64, 32];
  const spacing: Vec3 = opts.spacing ?? [1, 1, 1];
  const change = opts.change ?? 1;
  if (!(change >= 0) || !Number.isFinite(change))
    throw new AnetError('VALIDATION_FAILED', `bad change ${change}`);
  if (dims.some((d) => !Number.isInteger(d) || d < 8))
    throw new AnetError('VALIDATION_FAILED', 'dims must be ≥ 8');
  const rng = createRng(opts.seed);
  const [X, Y, Z] = dims;
  const c: Vec3 = [(X - 1) / 2, (Y - 1) / 2, (Z - 1) / 2];
  const head: Vec3 = [0.44 * X, 0.44 * Y, 0.44 * Z];
  const rOut1 = opts.lesionRadius ?? 0.18 * Math.min(X, Y, Z);
  const rOut2 = rOut1 * Math.cbrt(change);
  // Lesion in the white matter, off the midline; a little seeded jitter.
  const lc: Vec3 = [
    c[0] + (0.2 + 0.04 * rng.uniform(-1, 1)) * X,
    c[1] - (0.12 + 0.04 * rng.uniform(-1, 1)) * Y,
    c[2] + 0.05 * rng.uniform(-1, 1) * Z,
  ];

  const lesion = (a: Vec3, rOut: number): 'ring' | 'core' | null => {
    if (rOut <= 0) return null;
    const d = Math.hypot(a[0] - lc[0], a[1] - lc[1], a[2] - lc[2]);
    if (d > rOut) return null;
    return d > CORE_FRACTION * rOut ? 'ring' : 'core';
  };
  const anatomy = (a: Vec3, rOut: number): { value: number; brain: boolean } => {
    const rho = Math.hypot((a[0] - c[0]) / head[0], (a[1] - c[1]) / head[1], (a[2] - c[2]) / head[2]);
    if (rho > 1) return { value: 0, brain: false };
    if (rho > 0.92) return { value: TISSUE.scalp, brain: false };
    if (rho > 0.84) return { value: TISSUE.bone, brain: false };
    const l = lesion(a, rOut);
    if (l) return { value: l === 'ring' ? TISSUE.ring : TISSUE.necrosis, brain: true };
    if (rho > 0.8) return { value: TISSUE.csf, brain: true };
    for (const side of [-1, 1]) {
      const v = Math.hypot(
        (a[0] - c[0] - side * 0.08 * X) / (0.045 * X),
        (a[1] - c[1]) / (0.16 * Y),
        (a[2] - c[2]) / (0.12 * Z),
      );
      if (v <= 1) return { value: TISSUE.ventricle, brain: true };
    }
    return { value: rho > 0.68 ? TISSUE.grey : TISSUE.white, brain: true };
  };

  const misalign = opts.misalign ?? true;
  const maxRad = ((opts.misalignDeg ?? 6) * Math.PI) / 180;
  const maxShift = opts.misalignVox ?? 3;
  const rotation = misalign
    ? rotationMatrix(rng.uniform(-maxRad, maxRad), rng.uniform(-maxRad, maxRad), rng.uniform(-maxRad, maxRad))
    : [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const shift: Vec3 = misalign
    ? [rng.uniform(-maxShift, maxShift), rng.uniform(-maxShift, maxShift), rng.uniform(-maxShift, maxShift)]
    : [0, 0, 0];
  const scale = rng.uniform(0.7, 1.4);
  const bias = rng.uniform(-0.05, 0.05);
  const noise = opts.noise ?? 0.03;
  const R = rotation;

  const n = X * Y * Z;
  const make = () => new Float32Array(n);
  const [b, f, bt, ft, ftb, bb, fb] = [make(), make(), make(), make(), make(), make(), make()];
  let i = 0;
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++, i++) {
        const p: Vec3 = [x, y, z];
        const base = anatomy(p, rOut1);
        b[i] = 1000 * Math.abs(base.value + noise * rng.normal());
        bt[i] = lesion(p, rOut1) === 'ring' ? 1 : 0;
        bb[i] = base.brain ? 1 : 0;
        ftb[i] = lesion(p, rOut2) === 'ring' ? 1 : 0;
        // Follow-up voxel p shows anatomy at Rᵀ(p − c − shift) + c.
        const q = [x - c[0] - shift[0], y - c[1] - shift[1], z - c[2] - shift[2]];
        const a: Vec3 = [
          R[0] * q[0] + R[3] * q[1] + R[6] * q[2] + c[0],
          R[1] * q[0] + R[4] * q[1] + R[7] * q[2] + c[1],
          R[2] * q[0] + R[5] * q[1] + R[8] * q[2] + c[2],
        ];
        const fol = anatomy(a, rOut2);
        f[i] = 1000 * Math.abs(scale * fol.value + bias + noise * rng.normal());
        ft[i] = lesion(a, rOut2) === 'ring' ? 1 : 0;
        fb[i] = fol.brain ? 1 : 0;
      }

  const affine = [
    spacing[0],
    0,
    0,
    -c[0] * spacing[0],
    0,
    spacing[1],
    0,
    -c[1] * spacing[1],
    0,
    0,
    spacing[2],
    -c[2] * spacing[2],
    0,
    0,
    0,
    1,
  ];
  const vol = (data: Float32Array): Volume => ({
    data,
    dims: [...dims] as Vec3,
    spacing: [...spacing] as Vec3,
    affine: [...affine],
  });
  const sum = (d: Float32Array) => d.reduce((s, v) => s + v, 0);
  const baselineVoxels = sum(bt);
  const followupVoxels = sum(ftb);
  return {
    baseline: vol(b),
    followup: vol(f),
    baselineTumour: vol(bt),
    followupTumour: vol(ft),
    followupTumourInBaseline: vol(ftb),
    baselineBrainMask: vol(bb),
    followupBrainMask: vol(fb),
    truth: {
      baselineVoxels,
      followupVoxels,
      changeFactor: baselineVoxels > 0 ? followupVoxels / baselineVoxels : Number.NaN,
      motion: { rotation, shift },
      intensity: { scale, bias },
    },
  };
}
