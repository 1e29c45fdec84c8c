import { AnetError } from './AnetError';

interface Grid {
  dims: readonly number[];
  spacing: readonly number[];
}

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
  for (let a = 0; a < 3; a++) {
    const sb = baseline.spacing[a]!;
    const sf = followup.spacing[a]!;
    const sr = Math.max(sb, sf) / Math.min(sb, sf);
    if (sr > MAX_SPACING_RATIO) {
      throw new AnetError(
        'STUDY_INCOMPATIBLE',
        `voxel sizes along axis ${a} differ ${sr.toFixed(1)}× (${sb} vs ${sf} mm): baseline and follow-up must be comparable T1ce scans of the same head`,
      );
    }
    const fb = baseline.dims[a]! * sb;
    const ff = followup.dims[a]! * sf;
    const fr = Math.max(fb, ff) / Math.min(fb, ff);
    if (fr > MAX_FOV_RATIO) {
      throw new AnetError(
        'STUDY_INCOMPATIBLE',
        `fields of view along axis ${a} differ ${fr.toFixed(1)}× (${fb.toFixed(0)} vs ${ff.toFixed(0)} mm): baseline and follow-up must both cover the head`,
      );
    }
  }
}
