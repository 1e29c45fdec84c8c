import type { NiftiMeta } from './niftiTypes';

/** Row-major 4×4 voxel→world affine, the way `Volume.affine` stores it. */
export type Affine = number[];

/**
 * The voxel→world affine of a header: sform when sform_code > 0 (preferred, as nibabel and ITK-SNAP do),
 * else the qform quaternion when qform_code > 0, else the pixdim diagonal (NIfTI "method 1").
 */
export function niftiAffine(
  meta: Pick<NiftiMeta, 'sformCode' | 'qformCode' | 'srow' | 'quatern' | 'qoffset' | 'pixdim'>,
): Affine {
  if (meta.sformCode > 0) return [...meta.srow, 0, 0, 0, 1];
  if (meta.qformCode > 0) return quaternToAffine(meta.quatern, meta.qoffset, meta.pixdim);
  const [, dx, dy, dz] = meta.pixdim;
  return [dx, 0, 0, 0, 0, dy, 0, 0, 0, 0, dz, 0, 0, 0, 0, 1];
}

/** nifti_quatern_to_mat44 (nifti1_io.c): rotation from (b, c, d), scaled by pixdim, qfac flips k. */
export function quaternToAffine(
  quatern: readonly [number, number, number],
  qoffset: readonly [number, number, number],
  pixdim: readonly number[],
): Affine {
  let [b, c, d] = quatern;
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    // A 180° rotation: renormalise (b, c, d), as nifti1_io does for rounding in stored floats.
    a = 1 / Math.sqrt(b * b + c * c + d * d);
    b *= a;
    c *= a;
    d *= a;
    a = 0;
  } else {
    a = Math.sqrt(a);
  }
  const xd = pixdim[1] > 0 ? pixdim[1] : 1;
  const yd = pixdim[2] > 0 ? pixdim[2] : 1;
  let zd = pixdim[3] > 0 ? pixdim[3] : 1;
  if (pixdim[0] < 0) zd = -zd;
  return [
    (a * a + b * b - c * c - d * d) * xd,
    2 * (b * c - a * d) * yd,
    2 * (b * d + a * c) * zd,
    qoffset[0],
    2 * (b * c + a * d) * xd,
    (a * a + c * c - b * b - d * d) * yd,
    2 * (c * d - a * b) * zd,
    qoffset[1],
    2 * (b * d - a * c) * xd,
    2 * (c * d + a * b) * yd,
    (a * a + d * d - c * c - b * b) * zd,
    qoffset[2],
    0,
    0,
    0,
    1,
  ];
}

export interface Quaternion {
  quatern: [number, number, number];
  qoffset: [number, number, number];
  /** Column norms of the affine: the voxel size the qform implies. */
  pixdim: [number, number, number];
  /** −1 when the affine flips handedness (stored in pixdim[0]). */
  qfac: 1 | -1;
}

/**
 * nifti_mat44_to_quatern (nifti1_io.c): the closest rotation (polar decomposition) plus voxel sizes and
 * qfac, so a writer can store a qform that agrees with an arbitrary affine (exactly, when it is rigid+zoom).
 */
export function affineToQuaternion(affine: Affine): Quaternion {
  const m = [
    [affine[0], affine[1], affine[2]],
    [affine[4], affine[5], affine[6]],
    [affine[8], affine[9], affine[10]],
  ];
  const norms = [0, 1, 2].map((j) => Math.hypot(m[0][j], m[1][j], m[2][j]) || 1) as [number, number, number];
  for (let j = 0; j < 3; j++) for (let i = 0; i < 3; i++) m[i][j] /= norms[j];
  const p = polar(m);
  let qfac: 1 | -1 = 1;
  if (det3(p) < 0) {
    qfac = -1;
    for (let i = 0; i < 3; i++) p[i][2] = -p[i][2];
  }
  const [r11, r12, r13] = p[0];
  const [r21, r22, r23] = p[1];
  const [r31, r32, r33] = p[2];
  let a = r11 + r22 + r33 + 1;
  let b: number, c: number, d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r32 - r23)) / a;
    c = (0.25 * (r13 - r31)) / a;
    d = (0.25 * (r21 - r12)) / a;
  } else {
    const xd = 1 + r11 - (r22 + r33);
    const yd = 1 + r22 - (r11 + r33);
    const zd = 1 + r33 - (r11 + r22);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r12 + r21)) / b;
      d = (0.25 * (r13 + r31)) / b;
      a = (0.25 * (r32 - r23)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r12 + r21)) / c;
      d = (0.25 * (r23 + r32)) / c;
      a = (0.25 * (r13 - r31)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r13 + r31)) / d;
      c = (0.25 * (r23 + r32)) / d;
      a = (0.25 * (r21 - r12)) / d;
    }
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return { quatern: [b, c, d], qoffset: [affine[3], affine[7], affine[11]], pixdim: norms, qfac };
}

/** Voxel sizes implied by an affine (its column norms). */
export function affineSpacing(affine: Affine): [number, number, number] {
  return [0, 1, 2].map((j) => Math.hypot(affine[j], affine[4 + j], affine[8 + j])) as [
    number,
    number,
    number,
  ];
}

function det3(m: number[][]): number {
  return (
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
  );
}

/** Orthogonal polar factor by Newton iteration X ← (X + X⁻ᵀ)/2 (a few steps for near-orthogonal input). */
function polar(m: number[][]): number[][] {
  let x = m.map((r) => [...r]);
  for (let it = 0; it < 100; it++) {
    const inv = invert3(x);
    if (!inv) return x;
    const next = x.map((row, i) => row.map((v, j) => 0.5 * (v + inv[j][i])));
    let diff = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) diff += Math.abs(next[i][j] - x[i][j]);
    x = next;
    if (diff < 1e-12) break;
  }
  return x;
}

function invert3(m: number[][]): number[][] | undefined {
  const d = det3(m);
  if (!Number.isFinite(d) || Math.abs(d) < 1e-20) return undefined;
  const [[a, b, c], [e, f, g], [h, i, k]] = m;
  return [
    [(f * k - g * i) / d, (c * i - b * k) / d, (b * g - c * f) / d],
    [(g * h - e * k) / d, (a * k - c * h) / d, (c * e - a * g) / d],
    [(e * i - f * h) / d, (b * h - a * i) / d, (a * f - b * e) / d],
  ];
}
