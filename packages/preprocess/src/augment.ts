import type { Volume } from '@anet/contracts';
import { AnetError } from '@anet/contracts';
import type { Rng } from './rng';

/** The paper's augmentation ranges (docs/method.md, batchgenerators). */
export interface AugmentOptions {
  /** Rotation about each axis drawn from U(−max, max) degrees. */
  maxRotationDeg: number;
  /** Shift along each axis drawn from U(0, max) voxels (the paper's range, as stated). */
  maxShiftVox: number;
  /** Noise σ drawn from U(0, max); noise N(0, σ²) is added to every pixel (batchgenerators' semantics). */
  maxNoiseSigma: number;
  /** Fixed axial slice index of the transformed volume; default: uniform over all slices. */
  sliceIndex?: number;
  /** A pose drawn before (drawAugmentPose): used instead of drawing one, e.g. for the t2 slice of a paired sample. */
  pose?: AugmentPose;
}

/** Where one augmented sample comes from: the rigid transform and the axial slice of its result. */
export interface AugmentPose {
  transform: RigidTransform;
  sliceIndex: number;
}

export const DEFAULT_AUGMENT_OPTIONS: AugmentOptions = {
  maxRotationDeg: 15,
  maxShiftVox: 10,
  maxNoiseSigma: 0.1,
};

/**
 * A rigid transform in voxel coordinates: p_out = R·(p_src − c) + c + t, with c the grid centre.
 * `rotation` is row-major 3×3.
 */
export interface RigidTransform {
  rotation: number[];
  shift: [number, number, number];
  centre: [number, number, number];
}

/** Rotation matrix Rz·Ry·Rx for angles in radians (row-major). */
export function rotationMatrix(ax: number, ay: number, az: number): number[] {
  const [cx, sx, cy, sy, cz, sz] = [
    Math.cos(ax),
    Math.sin(ax),
    Math.cos(ay),
    Math.sin(ay),
    Math.cos(az),
    Math.sin(az),
  ];
  return [
    cz * cy,
    cz * sy * sx - sz * cx,
    cz * sy * cx + sz * sx,
    sz * cy,
    sz * sy * sx + cz * cx,
    sz * sy * cx - cz * sx,
    -sy,
    cy * sx,
    cy * cx,
  ];
}

/** Draws a random rigid transform with the given ranges (draw order: rx, ry, rz, tx, ty, tz). */
export function randRigidTransform(
  dims: [number, number, number],
  rng: Rng,
  opts: Pick<AugmentOptions, 'maxRotationDeg' | 'maxShiftVox'> = DEFAULT_AUGMENT_OPTIONS,
): RigidTransform {
  const maxRad = (opts.maxRotationDeg * Math.PI) / 180;
  const ax = rng.uniform(-maxRad, maxRad);
  const ay = rng.uniform(-maxRad, maxRad);
  const az = rng.uniform(-maxRad, maxRad);
  const shift: [number, number, number] = [
    rng.uniform(0, opts.maxShiftVox),
    rng.uniform(0, opts.maxShiftVox),
    rng.uniform(0, opts.maxShiftVox),
  ];
  return {
    rotation: rotationMatrix(ax, ay, az),
    shift,
    centre: [(dims[0] - 1) / 2, (dims[1] - 1) / 2, (dims[2] - 1) / 2],
  };
}

/**
 * Samples axial plane z = `sliceIndex` of `transform` applied to `vol`, by pulling each output pixel
 * back through the inverse transform and interpolating trilinearly (zero outside the volume).
 * Only the plane is computed — never the whole warped volume.
 */
export function sampleTransformedSlice(
  vol: Volume,
  transform: RigidTransform,
  sliceIndex: number,
  out?: Float32Array,
): Float32Array {
  const [X, Y, Z] = vol.dims;
  const n = X * Y;
  const dst = out ?? new Float32Array(n);
  if (dst.length !== n)
    throw new AnetError('VALIDATION_FAILED', `out must hold ${n} values, has ${dst.length}`);
  const src = vol.data;
  const R = transform.rotation;
  const [cx, cy, cz] = transform.centre;
  const [tx, ty, tz] = transform.shift;
  // p_src = Rᵀ(p_out − c − t) + c is affine in the output (x, y): p_src = o + x·u + y·v.
  const qz = sliceIndex - cz - tz;
  const qx0 = -cx - tx;
  const qy0 = -cy - ty;
  const ox = R[0] * qx0 + R[3] * qy0 + R[6] * qz + cx;
  const oy = R[1] * qx0 + R[4] * qy0 + R[7] * qz + cy;
  const oz = R[2] * qx0 + R[5] * qy0 + R[8] * qz + cz;
  const ux = R[0];
  const uy = R[1];
  const uz = R[2];
  const vx = R[3];
  const vy = R[4];
  const vz = R[5];
  const XY = X * Y;
  const xMax = X - 1;
  const yMax = Y - 1;
  const zMax = Z - 1;

  let k = 0;
  for (let y = 0; y < Y; y++) {
    let px = ox + y * vx;
    let py = oy + y * vy;
    let pz = oz + y * vz;
    for (let x = 0; x < X; x++, k++, px += ux, py += uy, pz += uz) {
      // Outside the sample lattice (beyond half a voxel of zero padding) the value is 0.
      if (px <= -1 || py <= -1 || pz <= -1 || px >= X || py >= Y || pz >= Z) {
        dst[k] = 0;
        continue;
      }
      const x0 = Math.floor(px);
      const y0 = Math.floor(py);
      const z0 = Math.floor(pz);
      const fx = px - x0;
      const fy = py - y0;
      const fz = pz - z0;
      if (x0 >= 0 && y0 >= 0 && z0 >= 0 && x0 < xMax && y0 < yMax && z0 < zMax) {
        // Interior fast path: all eight neighbours exist.
        const i = x0 + X * (y0 + Y * z0);
        const c00 = src[i] + fx * (src[i + 1] - src[i]);
        const c10 = src[i + X] + fx * (src[i + X + 1] - src[i + X]);
        const c01 = src[i + XY] + fx * (src[i + XY + 1] - src[i + XY]);
        const c11 = src[i + XY + X] + fx * (src[i + XY + X + 1] - src[i + XY + X]);
        const c0 = c00 + fy * (c10 - c00);
        const c1 = c01 + fy * (c11 - c01);
        dst[k] = c0 + fz * (c1 - c0);
      } else {
        dst[k] = edgeSample(src, X, Y, Z, x0, y0, z0, fx, fy, fz);
      }
    }
  }
  return dst;
}

/** Trilinear sample at the border: neighbours outside the volume count as 0. */
function edgeSample(
  src: Float32Array,
  X: number,
  Y: number,
  Z: number,
  x0: number,
  y0: number,
  z0: number,
  fx: number,
  fy: number,
  fz: number,
): number {
  let acc = 0;
  for (let dz = 0; dz < 2; dz++) {
    const z = z0 + dz;
    if (z < 0 || z >= Z) continue;
    const wz = dz ? fz : 1 - fz;
    for (let dy = 0; dy < 2; dy++) {
      const y = y0 + dy;
      if (y < 0 || y >= Y) continue;
      const wy = dy ? fy : 1 - fy;
      for (let dx = 0; dx < 2; dx++) {
        const x = x0 + dx;
        if (x < 0 || x >= X) continue;
        const wx = dx ? fx : 1 - fx;
        acc += wx * wy * wz * src[x + X * (y + Y * z)];
      }
    }
  }
  return acc;
}

/** Draws the pose of one sample: the rigid transform, then the slice index (fixed by `sliceIndex` if given). */
export function drawAugmentPose(
  dims: [number, number, number],
  rng: Rng,
  opts: Partial<AugmentOptions> = {},
): AugmentPose {
  const o = { ...DEFAULT_AUGMENT_OPTIONS, ...opts };
  const Z = dims[2];
  const transform = randRigidTransform(dims, rng, o);
  const drawn = Math.min(Z - 1, Math.floor(rng.next() * Z));
  const sliceIndex = o.sliceIndex ?? drawn;
  if (!Number.isInteger(sliceIndex) || sliceIndex < 0 || sliceIndex >= Z) {
    throw new AnetError('VALIDATION_FAILED', `sliceIndex ${sliceIndex} outside 0..${Z - 1}`);
  }
  return { transform, sliceIndex };
}

/**
 * One training sample (docs/method.md): a random rigid 3D transform of `vol` (rotation U(±maxRotationDeg)
 * about each axis, shift U(0, maxShiftVox) per axis), one random axial slice of it (dims[0]×dims[1],
 * x fastest), plus N(0, σ²) noise with σ ~ U(0, maxNoiseSigma). Draw order: transform, slice
 * index, variance, then one normal per pixel — so a seeded Rng reproduces the sample exactly.
 */
export function sampleAugmentedSlice(
  vol: Volume,
  rng: Rng,
  opts: Partial<AugmentOptions> = {},
  out?: Float32Array,
): Float32Array {
  const o = { ...DEFAULT_AUGMENT_OPTIONS, ...opts };
  const { transform, sliceIndex } = o.pose ?? drawAugmentPose(vol.dims, rng, o);
  const dst = sampleTransformedSlice(vol, transform, sliceIndex, out);
  // As batchgenerators (the paper's library): its "noise_variance" draw is used as the normal's σ.
  const sigma = rng.uniform(0, o.maxNoiseSigma);
  if (sigma > 0) {
    for (let k = 0; k < dst.length; k++) dst[k] += sigma * rng.normal();
  }
  return dst;
}
