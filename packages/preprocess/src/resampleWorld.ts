import { AnetError, type Volume } from '@anet/contracts';
import { matMul4 } from './orientation';
import type { Interpolation } from './resample';

type Vec3 = [number, number, number];

/** Inverse of a row-major 4×4 affine (last row 0 0 0 1). */
export function invertAffine(a: readonly number[]): number[] {
  const [m00, m01, m02, t0, m10, m11, m12, t1, m20, m21, m22, t2] = a as number[];
  const det =
    m00! * (m11! * m22! - m12! * m21!) -
    m01! * (m10! * m22! - m12! * m20!) +
    m02! * (m10! * m21! - m11! * m20!);
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) throw new AnetError('INTERNAL', 'singular affine');
  const i00 = (m11! * m22! - m12! * m21!) / det;
  const i01 = (m02! * m21! - m01! * m22!) / det;
  const i02 = (m01! * m12! - m02! * m11!) / det;
  const i10 = (m12! * m20! - m10! * m22!) / det;
  const i11 = (m00! * m22! - m02! * m20!) / det;
  const i12 = (m02! * m10! - m00! * m12!) / det;
  const i20 = (m10! * m21! - m11! * m20!) / det;
  const i21 = (m01! * m20! - m00! * m21!) / det;
  const i22 = (m00! * m11! - m01! * m10!) / det;
  return [
    i00, i01, i02, -(i00 * t0! + i01 * t1! + i02 * t2!),
    i10, i11, i12, -(i10 * t0! + i11 * t1! + i12 * t2!),
    i20, i21, i22, -(i20 * t0! + i21 * t1! + i22 * t2!),
    0, 0, 0, 1,
  ]; // prettier-ignore
}

export interface Grid {
  dims: Vec3;
  affine: number[];
}

/**
 * Resamples `src` onto the voxel grid `target` through world coordinates (mm, RAS+): each target voxel
 * centre goes to the world, through `worldTransform` (target world → source world; identity when
 * omitted) and into the source's voxels. Trilinear or nearest; target voxels whose source position lies
 * more than half a voxel outside the source are 0 (nothing was imaged there).
 */
export function resampleWorld(
  src: Volume,
  target: Grid,
  opts: { worldTransform?: readonly number[]; interpolation?: Interpolation } = {},
): Volume {
  const [X, Y, Z] = src.dims;
  if (src.data.length !== X * Y * Z)
    throw new AnetError('VALIDATION_FAILED', 'volume data does not match dims');
  const t = opts.worldTransform ?? [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  // target voxel → source voxel
  const m = matMul4(invertAffine(src.affine), matMul4(t, target.affine));
  const [OX, OY, OZ] = target.dims;
  const out = new Float32Array(OX * OY * OZ);
  const d = src.data;
  const XY = X * Y;
  const nearest = opts.interpolation === 'nearest';
  const eps = 1e-6;
  let o = 0;
  for (let z = 0; z < OZ; z++)
    for (let y = 0; y < OY; y++) {
      let px = m[1]! * y + m[2]! * z + m[3]!;
      let py = m[5]! * y + m[6]! * z + m[7]!;
      let pz = m[9]! * y + m[10]! * z + m[11]!;
      for (let x = 0; x < OX; x++, o++, px += m[0]!, py += m[4]!, pz += m[8]!) {
        if (px < -0.5 - eps || py < -0.5 - eps || pz < -0.5 - eps) continue;
        if (px > X - 0.5 + eps || py > Y - 0.5 + eps || pz > Z - 0.5 + eps) continue;
        const cx = px < 0 ? 0 : px > X - 1 ? X - 1 : px;
        const cy = py < 0 ? 0 : py > Y - 1 ? Y - 1 : py;
        const cz = pz < 0 ? 0 : pz > Z - 1 ? Z - 1 : pz;
        if (nearest) {
          out[o] = d[Math.round(cx) + X * Math.round(cy) + XY * Math.round(cz)]!;
          continue;
        }
        const x0 = Math.floor(cx);
        const y0 = Math.floor(cy);
        const z0 = Math.floor(cz);
        const x1 = x0 + 1 < X ? x0 + 1 : x0;
        const y1 = y0 + 1 < Y ? y0 + 1 : y0;
        const z1 = z0 + 1 < Z ? z0 + 1 : z0;
        const fx = cx - x0;
        const fy = cy - y0;
        const fz = cz - z0;
        const r00 = y0 * X + z0 * XY;
        const r10 = y1 * X + z0 * XY;
        const r01 = y0 * X + z1 * XY;
        const r11 = y1 * X + z1 * XY;
        const a = d[r00 + x0]! + fx * (d[r00 + x1]! - d[r00 + x0]!);
        const b = d[r10 + x0]! + fx * (d[r10 + x1]! - d[r10 + x0]!);
        const c = d[r01 + x0]! + fx * (d[r01 + x1]! - d[r01 + x0]!);
        const e = d[r11 + x0]! + fx * (d[r11 + x1]! - d[r11 + x0]!);
        const ab = a + fy * (b - a);
        const ce = c + fy * (e - c);
        out[o] = ab + fz * (ce - ab);
      }
    }
  const spacing = [0, 1, 2].map((j) =>
    Math.hypot(target.affine[j]!, target.affine[4 + j]!, target.affine[8 + j]!),
  ) as Vec3;
  return { data: out, dims: [OX, OY, OZ], spacing, affine: [...target.affine] };
}
