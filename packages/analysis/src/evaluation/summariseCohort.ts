import type { RanoClass } from '@anet/contracts';
import type { MapAucs, PairEvaluation } from './evaluatePair';
import { ranoMetrics, type RanoMetrics } from './ranoMetrics';

export interface CohortSummary {
  pairs: number;
  /** Means over pairs of the per-pair AUCs (pairs without positives of a kind are left out). */
  aucGrowth: number | null;
  aucReduction: number | null;
  aucMicro: number | null;
  rano: RanoMetrics;
  /** Mean AUCs of each component map (component_*_map artifacts) over the pairs that have it. */
  components: Record<string, MapAucs>;
}

const mean = (xs: Array<number | null>): number | null => {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
};

/** Cohort figures from per-pair evaluations: mean AUCs and the per-patient RANO agreement. */
export function summariseCohort(pairs: Array<{ name: string; evaluation: PairEvaluation }>): CohortSummary {
  const ev = pairs.map((p) => p.evaluation);
  const names = [...new Set(ev.flatMap((e) => Object.keys(e.components ?? {})))];
  const components: CohortSummary['components'] = {};
  for (const n of names) {
    const c = ev.map((e) => e.components?.[n]).filter((x) => x !== undefined);
    components[n] = {
      aucGrowth: mean(c.map((x) => x.aucGrowth)),
      aucReduction: mean(c.map((x) => x.aucReduction)),
      aucMicro: mean(c.map((x) => x.aucMicro)),
    };
  }
  return {
    components,
    pairs: pairs.length,
    aucGrowth: mean(ev.map((e) => e.aucGrowth)),
    aucReduction: mean(ev.map((e) => e.aucReduction)),
    aucMicro: mean(ev.map((e) => e.aucMicro)),
    rano: ranoMetrics(
      ev.map((e) => e.truth.class as RanoClass),
      ev.map((e) => e.predicted.class as RanoClass),
    ),
  };
}

const f3 = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));
const pct = (v: number | null) => (v === null ? 'n/a' : `${v >= 0 ? '+' : ''}${v.toFixed(1)}%`);

/**
 * Plain-text table (one row per pair) and the final summary line
 * `AUC_growth=… AUC_reduction=… AUC_micro=… RANO_acc=…` that `anet evaluate` prints.
 */
export function formatCohortTable(pairs: Array<{ name: string; evaluation: PairEvaluation }>): string {
  const s = summariseCohort(pairs);
  const head = [
    'pair',
    'AUC_growth',
    'AUC_reduction',
    'AUC_micro',
    'true Δ',
    'true class',
    'pred Δ',
    'pred class',
  ];
  const rows = pairs.map(({ name, evaluation: e }) => [
    name,
    f3(e.aucGrowth),
    f3(e.aucReduction),
    f3(e.aucMicro),
    pct(e.truth.percentChange),
    e.truth.class,
    pct(e.predicted.percentChange),
    e.predicted.class,
  ]);
  rows.push(['mean', f3(s.aucGrowth), f3(s.aucReduction), f3(s.aucMicro), '', '', '', '']);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) =>
    r
      .map((v, c) => v.padEnd(widths[c]))
      .join('  ')
      .trimEnd();
  const acc = Number.isFinite(s.rano.accuracy) ? s.rano.accuracy.toFixed(3) : 'n/a';
  const comps = Object.entries(s.components).map(
    ([n, c]) =>
      `component ${n} (mean of pairs): AUC growth ${f3(c.aucGrowth)}, reduction ${f3(c.aucReduction)}, micro ${f3(c.aucMicro)}`,
  );
  return [
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    ...comps,
    `RANO sensitivity=${s.rano.sensitivity.toFixed(3)} specificity=${s.rano.specificity.toFixed(3)} (one-vs-rest, micro-averaged, n=${s.rano.n})`,
    `AUC_growth=${f3(s.aucGrowth)} AUC_reduction=${f3(s.aucReduction)} AUC_micro=${f3(s.aucMicro)} RANO_acc=${acc}`,
  ].join('\n');
}
