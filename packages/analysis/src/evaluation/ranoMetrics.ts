import type { RanoClass } from '@anet/contracts';

export const RANO_EVAL_CLASSES = ['response', 'stable', 'progression'] as const;

export interface RanoMetrics {
  n: number;
  /** Fraction of patients with the right class. */
  accuracy: number;
  /** Micro-averaged one-vs-rest sensitivity ΣTP / (ΣTP + ΣFN) (equals accuracy for single-label data). */
  sensitivity: number;
  /** Micro-averaged one-vs-rest specificity ΣTN / (ΣTN + ΣFP). */
  specificity: number;
  /** confusion[truth][predicted] counts. */
  confusion: Record<string, Record<string, number>>;
}

/**
 * Per-patient modified-RANO agreement as in Strack et al. 2023: one-vs-rest over response / stable /
 * progression, micro-averaged. An `indeterminate` prediction counts as wrong (a false negative for the
 * true class, and a true negative for the other two).
 */
export function ranoMetrics(truth: RanoClass[], predicted: RanoClass[]): RanoMetrics {
  if (truth.length !== predicted.length) throw new RangeError('truth and predicted differ in length');
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  let correct = 0;
  const confusion: Record<string, Record<string, number>> = {};
  truth.forEach((t, k) => {
    const p = predicted[k];
    confusion[t] ??= {};
    confusion[t][p] = (confusion[t][p] ?? 0) + 1;
    if (t === p) correct++;
    for (const c of RANO_EVAL_CLASSES) {
      const isT = t === c;
      const isP = p === c;
      if (isT && isP) tp++;
      else if (!isT && isP) fp++;
      else if (isT && !isP) fn++;
      else tn++;
    }
  });
  const n = truth.length;
  return {
    n,
    accuracy: n ? correct / n : NaN,
    sensitivity: tp + fn ? tp / (tp + fn) : NaN,
    specificity: tn + fp ? tn / (tn + fp) : NaN,
    confusion,
  };
}
