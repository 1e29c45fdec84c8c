import type { Volume } from '@anet/contracts';

/**
 * Can the mL in a report be trusted? Volumes come from the header's voxel spacing, and many research
 * NIfTI files claim 1×1×1 mm whatever the real slice thickness. The header cannot be checked against
 * the scanner, but it can be checked against anatomy: an adult brain is 130–180 mm across and narrows
 * from its widest axial section to the vertex over several centimetres. A header that makes the brain
 * much smaller or larger than that, or puts the vertex a few millimetres above the widest section, is
 * implausible; then mL are only as good as the header, while the modified-RANO class (a ratio of two
 * volumes measured with the same spacing) stays meaningful. See docs/method.md ("How far to trust mL").
 */
export interface HeaderSpacingCheck {
  plausible: boolean;
  /** Header voxel spacing along the canonical (R, A, S) axes. */
  spacingMm: [number, number, number];
  /** Extent of the brain mask along R, A and S in header millimetres; null without a brain. */
  brainExtentMm: [number, number, number] | null;
  /** Why the spacing looks wrong; empty when plausible. */
  reasons: string[];
}

export interface HeaderSpacingLimits {
  /** Plausible range of the brain's larger in-plane extent (mm). */
  inPlaneMm: [number, number];
  /** The smallest distance (mm) from the widest axial brain section to where the section falls to 30 %. */
  minTaperMm: number;
}

export const DEFAULT_SPACING_LIMITS: HeaderSpacingLimits = { inPlaneMm: [100, 230], minTaperMm: 25 };

/** `brain`: a brain mask in canonical RAS+ voxel order (axis 2 runs inferior → superior). */
export function checkHeaderSpacing(
  brain: Volume,
  limits: HeaderSpacingLimits = DEFAULT_SPACING_LIMITS,
): HeaderSpacingCheck {
  const [X, Y, Z] = brain.dims;
  const spacingMm: [number, number, number] = [
    Math.abs(brain.spacing[0]),
    Math.abs(brain.spacing[1]),
    Math.abs(brain.spacing[2]),
  ];
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  const area = new Float64Array(Z);
  const d = brain.data;
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0, i = x + X * (y + Y * z); x < X; x++, i++) {
        if (d[i] === 0) continue;
        area[z]++;
        if (x < lo[0]) lo[0] = x;
        if (x > hi[0]) hi[0] = x;
        if (y < lo[1]) lo[1] = y;
        if (y > hi[1]) hi[1] = y;
        if (z < lo[2]) lo[2] = z;
        if (z > hi[2]) hi[2] = z;
      }
  if (!Number.isFinite(lo[0])) return { plausible: true, spacingMm, brainExtentMm: null, reasons: [] };
  const brainExtentMm = [0, 1, 2].map((a) => (hi[a] - lo[a] + 1) * spacingMm[a]) as [number, number, number];
  const reasons: string[] = [];
  const inPlane = Math.max(brainExtentMm[0], brainExtentMm[1]);
  if (inPlane < limits.inPlaneMm[0] || inPlane > limits.inPlaneMm[1]) {
    reasons.push(
      `the brain measures ${inPlane.toFixed(0)} mm across by the header's in-plane spacing ` +
        `(${spacingMm[0].toFixed(2)} × ${spacingMm[1].toFixed(2)} mm); an adult brain is 130–180 mm`,
    );
  }
  // Upward from the widest section: where does the section fall to 30 % of it? Only judged when the
  // vertex is in the volume (the fall happens before the last slice), else a partial-coverage slab
  // would be flagged for what it does not show.
  let widest = 0;
  for (let z = 1; z < Z; z++) if (area[z] > area[widest]) widest = z;
  let fall = -1;
  for (let z = widest + 1; z < Z; z++)
    if (area[z] < 0.3 * area[widest]) {
      fall = z;
      break;
    }
  if (fall > 0) {
    const taperMm = (fall - widest) * spacingMm[2];
    if (taperMm < limits.minTaperMm) {
      reasons.push(
        `the brain narrows from its widest section to the vertex within ${taperMm.toFixed(0)} mm by the header's ` +
          `slice spacing (${spacingMm[2].toFixed(2)} mm, ${Z} slices); in an adult this takes more than ` +
          `${limits.minTaperMm} mm, so the slices are probably thicker than the header says`,
      );
    }
  }
  return { plausible: reasons.length === 0, spacingMm, brainExtentMm, reasons };
}

export interface SuspiciousChange {
  flagged: boolean;
  reason: string | null;
}

/**
 * A change larger than the baseline lesion plus a margin is rarely real over one follow-up interval
 * (and a reduction larger than the baseline lesion is impossible); flag it for review instead of
 * classing it silently. margin = max(marginMl, marginFraction × baseline).
 */
export function checkChangeSize(
  v: { changeMl: number; growthMl: number; reductionMl: number; baselineMl: number | null },
  opts: { marginFraction: number; marginMl: number } = { marginFraction: 1, marginMl: 1 },
): SuspiciousChange {
  if (v.baselineMl === null) return { flagged: false, reason: null };
  const margin = Math.max(opts.marginMl, opts.marginFraction * v.baselineMl);
  const limit = v.baselineMl + margin;
  const fmt = (x: number) => x.toFixed(2);
  if (v.reductionMl > limit) {
    return {
      flagged: true,
      reason: `reduction ${fmt(v.reductionMl)} mL exceeds the baseline lesion (${fmt(v.baselineMl)} mL) plus a ${fmt(margin)} mL margin: more change than there was lesion — check alignment and masks`,
    };
  }
  if (Math.abs(v.changeMl) > limit) {
    return {
      flagged: true,
      reason: `net change ${fmt(v.changeMl)} mL exceeds the baseline lesion (${fmt(v.baselineMl)} mL) plus a ${fmt(margin)} mL margin — review before trusting the class`,
    };
  }
  return { flagged: false, reason: null };
}
