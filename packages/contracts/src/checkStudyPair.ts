import { AnetError } from './AnetError';

interface Grid {
  dims: readonly number[];
  spacing: readonly number[];
  /** Row-major voxel→world affine; with it the scans are compared along the world's R, A, S axes. */
  affine?: readonly number[];
}

/**
 * Voxel size and field of view along each world axis (R, A, S): the stored axis that points most
 * nearly along it. Without an affine, the stored axes in order.
 */
function worldAxes(g: Grid): Array<{ spacing: number; fov: number }> {
  const a = g.affine;
  if (!a || a.length !== 16)
    return [0, 1, 2].map((j) => ({ spacing: g.spacing[j]!, fov: g.dims[j]! * g.spacing[j]! }));
  const used = new Set<number>();
  return [0, 1, 2].map((w) => {
    let best = -1;
    let bj = 0;
    for (let j = 0; j < 3; j++) {
      if (used.has(j)) continue;
      const norm = Math.hypot(a[j]!, a[4 + j]!, a[8 + j]!) || 1;
      const c = Math.abs(a[w * 4 + j]!) / norm;
      if (c > best) {
        best = c;
        bj = j;
      }
    }
    used.add(bj);
    const s = Math.hypot(a[bj]!, a[4 + bj]!, a[8 + bj]!);
    return { spacing: s, fov: s * g.dims[bj]! };
  });
}

const AXIS = ['R–L', 'A–P', 'S–I'];

/** Largest ratio of physical field of view (mm) per axis that two scans of one head can plausibly have. */
const MAX_FOV_RATIO = 3;
/** Largest ratio of voxel size per axis (in-plane 0.5 vs 5 mm slices is fine; 10× is not one protocol). */
const MAX_SPACING_RATIO = 8;

/**
 * Rejects a baseline/follow-up pair that cannot be the same head imaged twice (STUDY_INCOMPATIBLE):
 * fields of view or voxel sizes that differ by far more than protocols do. Works on headers only, so
 * the API can call it before answering 202.
 */
export function checkStudyPair(baseline: Grid, followup: Grid): void {
  const wb = worldAxes(baseline);
  const wf = worldAxes(followup);
  const both = !!baseline.affine && !!followup.affine;
  for (let a = 0; a < 3; a++) {
    const name = both ? `the ${AXIS[a]} axis` : `axis ${a}`;
    const sb = wb[a]!.spacing;
    const sf = wf[a]!.spacing;
    const sr = Math.max(sb, sf) / Math.min(sb, sf);
    if (sr > MAX_SPACING_RATIO) {
      throw new AnetError(
        'STUDY_INCOMPATIBLE',
        `voxel sizes along ${name} differ ${sr.toFixed(1)}× (${sb} vs ${sf} mm): baseline and follow-up must be comparable T1ce scans of the same head`,
      );
    }
    const fb = wb[a]!.fov;
    const ff = wf[a]!.fov;
    const fr = Math.max(fb, ff) / Math.min(fb, ff);
    if (fr > MAX_FOV_RATIO) {
      throw new AnetError(
        'STUDY_INCOMPATIBLE',
        `fields of view along ${name} differ ${fr.toFixed(1)}× (${fb.toFixed(0)} vs ${ff.toFixed(0)} mm): baseline and follow-up must both cover the head`,
      );
    }
  }
}

/**
 * Whether two row-major voxel→world affines describe the same grid: translations within `tolMm`,
 * linear entries within 0.1 % (of max(1, |entry|)). Non-finite or short affines never agree. Used to
 * check that a mask lies on its own scan's grid, from headers (API) and from voxels (pipeline).
 */
export function affinesAgree(a: readonly number[], b: readonly number[], tolMm = 0.1): boolean {
  if (a.length < 12 || b.length < 12) return false;
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 4; c++) {
      const d = Math.abs(a[r * 4 + c]! - b[r * 4 + c]!);
      if (!(c === 3 ? d <= tolMm : d <= 1e-3 * Math.max(1, Math.abs(a[r * 4 + c]!)))) return false;
    }
  return true;
}
