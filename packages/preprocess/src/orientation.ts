import { AnetError, type Volume } from '@anet/contracts';

type Vec3 = [number, number, number];

/**
 * How a stored voxel grid relates to the canonical RAS+ grid: canonical axis w (0 = R, 1 = A, 2 = S)
 * is stored axis `axis[w]`, running backwards when `flip[w]`. Plain JSON, so it can go in a record.
 */
export interface Reorientation {
  axis: Vec3;
  flip: [boolean, boolean, boolean];
  /** Stored dims. */
  dims: Vec3;
}

const LETTERS = [
  ['L', 'R'],
  ['P', 'A'],
  ['I', 'S'],
] as const;

/** Rows of the 3×3 linear part of a row-major 4×4 affine. */
function linear(affine: readonly number[]): number[][] {
  return [0, 1, 2].map((r) => [affine[r * 4]!, affine[r * 4 + 1]!, affine[r * 4 + 2]!]);
}

function det3(m: number[][]): number {
  return (
    m[0]![0]! * (m[1]![1]! * m[2]![2]! - m[1]![2]! * m[2]![1]!) -
    m[0]![1]! * (m[1]![0]! * m[2]![2]! - m[1]![2]! * m[2]![0]!) +
    m[0]![2]! * (m[1]![0]! * m[2]![1]! - m[1]![1]! * m[2]![0]!)
  );
}

/**
 * Throws NIFTI_BAD_HEADER when an affine cannot place voxels in the world: non-finite entries, a
 * singular linear part, or an axis shorter than 1 µm.
 */
export function assertUsableAffine(affine: readonly number[], what: string): void {
  if (affine.length !== 16 || affine.some((v) => !Number.isFinite(v))) {
    throw new AnetError('NIFTI_BAD_HEADER', `${what}: the voxel-to-world affine has non-finite entries`);
  }
  const m = linear(affine);
  const norms = [0, 1, 2].map((j) => Math.hypot(m[0]![j]!, m[1]![j]!, m[2]![j]!));
  const d = det3(m);
  if (norms.some((n) => n < 1e-3) || Math.abs(d) < 1e-9 * norms[0]! * norms[1]! * norms[2]!) {
    throw new AnetError(
      'NIFTI_BAD_HEADER',
      `${what}: the voxel-to-world affine (qform/sform) is singular, so the scan's orientation is unknown: fix the header (e.g. re-export the series with dcm2niix)`,
    );
  }
}

/**
 * The stored axis closest to each world axis (greedy on the largest |cosine|, as nibabel's
 * io_orientation), with its direction. Works for oblique scans: the residual rotation stays in the
 * affine and world-coordinate resampling handles it.
 */
export function reorientationOf(vol: Pick<Volume, 'dims' | 'affine'>): Reorientation {
  const m = linear(vol.affine);
  const cos = [0, 1, 2].map((w) =>
    [0, 1, 2].map((j) => m[w]![j]! / (Math.hypot(m[0]![j]!, m[1]![j]!, m[2]![j]!) || 1)),
  );
  const axis: number[] = [-1, -1, -1];
  const flip = [false, false, false];
  const usedW = new Set<number>();
  const usedJ = new Set<number>();
  for (let k = 0; k < 3; k++) {
    let best = -1;
    let bw = 0;
    let bj = 0;
    for (let w = 0; w < 3; w++)
      for (let j = 0; j < 3; j++) {
        if (usedW.has(w) || usedJ.has(j)) continue;
        const c = Math.abs(cos[w]![j]!);
        if (c > best) {
          best = c;
          bw = w;
          bj = j;
        }
      }
    usedW.add(bw);
    usedJ.add(bj);
    axis[bw] = bj;
    flip[bw] = cos[bw]![bj]! < 0;
  }
  return { axis: axis as Vec3, flip: flip as [boolean, boolean, boolean], dims: [...vol.dims] as Vec3 };
}

/** Orientation letters of the stored axes, e.g. 'LPS' or 'RAS' (where each stored axis points). */
export function orientationLetters(vol: Pick<Volume, 'dims' | 'affine'>): string {
  const r = reorientationOf(vol);
  const out = ['', '', ''];
  for (let w = 0; w < 3; w++) out[r.axis[w]] = LETTERS[w]![r.flip[w] ? 0 : 1];
  return out.join('');
}

/** Canonical voxel → stored voxel as a row-major 4×4 matrix. */
function canonicalToStored(r: Reorientation): number[] {
  const p = new Array<number>(16).fill(0);
  p[15] = 1;
  for (let w = 0; w < 3; w++) {
    const j = r.axis[w];
    p[j * 4 + w] = r.flip[w] ? -1 : 1;
    p[j * 4 + 3] = r.flip[w] ? r.dims[j] - 1 : 0;
  }
  return p;
}

export function matMul4(a: readonly number[], b: readonly number[]): number[] {
  const out = new Array<number>(16).fill(0);
  for (let r = 0; r < 4; r++)
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[r * 4 + k]! * b[k * 4 + c]!;
      out[r * 4 + c] = s;
    }
  return out;
}

function columnNorms(affine: readonly number[]): Vec3 {
  return [0, 1, 2].map((j) => Math.hypot(affine[j]!, affine[4 + j]!, affine[8 + j]!)) as Vec3;
}

/**
 * The same image on the canonical RAS+ voxel grid: axes permuted and flipped, no interpolation, the
 * affine updated so that every voxel keeps its world position. Undone exactly by `fromCanonical`.
 */
export function toCanonical(vol: Volume): { volume: Volume; reorientation: Reorientation } {
  const r = reorientationOf(vol);
  const [X, Y, Z] = vol.dims;
  const cd = [0, 1, 2].map((w) => vol.dims[r.axis[w]]) as Vec3;
  const stride = [1, X, X * Y];
  const src = vol.data;
  const out = new Float32Array(src.length);
  // stored index = Σ_w (flip ? n−1−c_w : c_w) · stride[axis[w]]
  const st = [0, 1, 2].map((w) => (r.flip[w] ? -1 : 1) * stride[r.axis[w]]!);
  const base = [0, 1, 2].reduce(
    (s, w) => s + (r.flip[w] ? (vol.dims[r.axis[w]] - 1) * stride[r.axis[w]]! : 0),
    0,
  );
  let o = 0;
  for (let c2 = 0; c2 < cd[2]; c2++)
    for (let c1 = 0; c1 < cd[1]; c1++) {
      let i = base + c2 * st[2]! + c1 * st[1]!;
      for (let c0 = 0; c0 < cd[0]; c0++, i += st[0]!) out[o++] = src[i]!;
    }
  void Z;
  const affine = matMul4(vol.affine, canonicalToStored(r));
  return { volume: { data: out, dims: cd, spacing: columnNorms(affine), affine }, reorientation: r };
}

/** Puts a canonical-grid volume back on the stored grid described by `r` (exact inverse of toCanonical). */
export function fromCanonical(vol: Volume, r: Reorientation, storedAffine: readonly number[]): Volume {
  const cd = [0, 1, 2].map((w) => r.dims[r.axis[w]]) as Vec3;
  if (vol.dims.some((d, a) => d !== cd[a])) {
    throw new AnetError('INTERNAL', `canonical volume is ${vol.dims.join('×')}, expected ${cd.join('×')}`);
  }
  const [X, Y] = r.dims;
  const stride = [1, X, X * Y];
  const st = [0, 1, 2].map((w) => (r.flip[w] ? -1 : 1) * stride[r.axis[w]]!);
  const base = [0, 1, 2].reduce(
    (s, w) => s + (r.flip[w] ? (r.dims[r.axis[w]] - 1) * stride[r.axis[w]]! : 0),
    0,
  );
  const out = new Float32Array(vol.data.length);
  let o = 0;
  for (let c2 = 0; c2 < cd[2]; c2++)
    for (let c1 = 0; c1 < cd[1]; c1++) {
      let i = base + c2 * st[2]! + c1 * st[1]!;
      for (let c0 = 0; c0 < cd[0]; c0++, i += st[0]!) out[i] = vol.data[o++]!;
    }
  return {
    data: out,
    dims: [...r.dims] as Vec3,
    spacing: columnNorms(storedAffine),
    affine: [...storedAffine],
  };
}
