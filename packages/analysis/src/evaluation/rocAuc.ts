/**
 * Exact voxel-wise ROC AUC = P(score⁺ > score⁻) + ½·P(score⁺ = score⁻) (Mann–Whitney U, ties count
 * half). Positive and negative scores are sorted separately (typed-array sorts) and swept together:
 * O(n log n). NaN scores rank lowest. Returns NaN when either class is empty.
 */
export function rocAuc(scores: Float32Array | Float64Array, labels: Uint8Array | Int8Array): number {
  const { pos, neg } = splitSorted(scores, labels);
  return aucFromSorted(pos, neg);
}

/** Positive (label ≠ 0) and negative scores, each sorted ascending. */
export function splitSorted(
  scores: Float32Array | Float64Array,
  labels: Uint8Array | Int8Array,
): { pos: Float64Array; neg: Float64Array } {
  if (scores.length !== labels.length)
    throw new RangeError(`${scores.length} scores but ${labels.length} labels`);
  let np = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] !== 0) np++;
  const pos = new Float64Array(np);
  const neg = new Float64Array(labels.length - np);
  let a = 0;
  let b = 0;
  for (let i = 0; i < labels.length; i++) {
    const s = Number.isNaN(scores[i]) ? -Infinity : scores[i];
    if (labels[i] !== 0) pos[a++] = s;
    else neg[b++] = s;
  }
  pos.sort();
  neg.sort();
  return { pos, neg };
}

/** AUC from ascending positive and negative scores (the sweep of rocAuc). */
export function aucFromSorted(pos: Float64Array, neg: Float64Array): number {
  if (pos.length === 0 || neg.length === 0) return NaN;
  let below = 0; // negatives strictly below the current positive score
  let sum = 0;
  let i = 0;
  while (i < pos.length) {
    const s = pos[i];
    let j = i;
    while (j < pos.length && pos[j] === s) j++;
    while (below < neg.length && neg[below] < s) below++;
    let eq = below;
    while (eq < neg.length && neg[eq] === s) eq++;
    sum += (j - i) * (below + 0.5 * (eq - below));
    i = j;
  }
  return sum / (pos.length * neg.length);
}

export interface RocCurve {
  /** False/true positive rates from (0, 0) to (1, 1), one point per distinct threshold (thinned). */
  fpr: Float64Array;
  tpr: Float64Array;
  /** Score threshold of each point (score ≥ threshold → positive); +Infinity for (0, 0). */
  thresholds: Float64Array;
  auc: number;
}

/**
 * ROC curve over all distinct score thresholds, thinned to at most `maxPoints` (always keeping both
 * ends) so that a million-voxel curve stays small enough to plot and store.
 */
export function rocCurve(
  scores: Float32Array | Float64Array,
  labels: Uint8Array | Int8Array,
  maxPoints = 1001,
): RocCurve {
  const { pos, neg } = splitSorted(scores, labels);
  return rocCurveFromSorted(pos, neg, maxPoints);
}

export function rocCurveFromSorted(pos: Float64Array, neg: Float64Array, maxPoints = 1001): RocCurve {
  const P = pos.length;
  const N = neg.length;
  const fpr: number[] = [0];
  const tpr: number[] = [0];
  const thr: number[] = [Infinity];
  // sweep thresholds from high to low
  let i = P - 1;
  let j = N - 1;
  let tp = 0;
  let fp = 0;
  while (i >= 0 || j >= 0) {
    const s = Math.max(i >= 0 ? pos[i] : -Infinity, j >= 0 ? neg[j] : -Infinity);
    while (i >= 0 && pos[i] === s) {
      tp++;
      i--;
    }
    while (j >= 0 && neg[j] === s) {
      fp++;
      j--;
    }
    fpr.push(N > 0 ? fp / N : NaN);
    tpr.push(P > 0 ? tp / P : NaN);
    thr.push(s);
  }
  const keep = thinIndices(fpr.length, maxPoints);
  return {
    fpr: Float64Array.from(keep, (k) => fpr[k]),
    tpr: Float64Array.from(keep, (k) => tpr[k]),
    thresholds: Float64Array.from(keep, (k) => thr[k]),
    auc: aucFromSorted(pos, neg),
  };
}

function thinIndices(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, k) => k);
  const out: number[] = [];
  for (let k = 0; k < max; k++) out.push(Math.round((k * (n - 1)) / (max - 1)));
  return out;
}
