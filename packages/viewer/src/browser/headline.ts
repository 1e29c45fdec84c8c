import type { Report } from '@anet/contracts';

/**
 * The report's headline as the page shows it, as plain data (no DOM), so the same wording is tested in
 * node and rendered in the browser. `value` is the report's own number (the end-to-end test compares it
 * with report.json); `text` is what a reader sees.
 */
export interface HeadlineField {
  key: 'changeMl' | 'growthMl' | 'reductionMl' | 'baselineMl' | 'followupMl' | 'modifiedRano' | 'rano2' | 'profile';
  label: string;
  text: string;
  value: number | string | null;
  /** The class for modified RANO / RANO 2.0 (colours the badge). */
  rano?: string;
}

const ml = (x: number | null, signed = false) =>
  x === null ? 'n/a' : `${signed && x > 0 ? '+' : x < 0 ? '−' : ''}${Math.abs(x).toFixed(2)} mL`;
const pct = (x: number | null) =>
  x === null ? '' : ` (${x > 0 ? '+' : x < 0 ? '−' : ''}${Math.abs(x).toFixed(0)} %)`;

export function headlineFields(report: Report): HeadlineField[] {
  const v = report.volumes;
  const { modifiedRano, rano2 } = report.classes;
  return [
    { key: 'changeMl', label: 'Δ volume (growth − reduction)', text: ml(v.changeMl, true), value: v.changeMl },
    { key: 'growthMl', label: 'growth', text: ml(v.growthMl), value: v.growthMl },
    { key: 'reductionMl', label: 'reduction', text: ml(v.reductionMl), value: v.reductionMl },
    {
      key: 'baselineMl',
      label: `baseline tumour (${v.baselineSource})`,
      text: ml(v.baselineMl),
      value: v.baselineMl,
    },
    { key: 'followupMl', label: 'predicted follow-up tumour', text: ml(v.predictedFollowupMl), value: v.predictedFollowupMl },
    {
      key: 'modifiedRano',
      label: modifiedRano.label,
      text: `${modifiedRano.class}${pct(modifiedRano.percentChange)}`,
      value: modifiedRano.class,
      rano: modifiedRano.class,
    },
    {
      key: 'rano2',
      label: rano2.label,
      text: `${rano2.class}${pct(rano2.percentChange)}`,
      value: rano2.class,
      rano: rano2.class,
    },
    {
      key: 'profile',
      label: 'profile · variant',
      text: `${report.profile} · ${report.variant}`,
      value: report.profile,
    },
  ];
}

/** The change threshold the ternary map used (±), from the report's resolved configuration. */
export function reportThreshold(report: Report): number | null {
  const analysis = report.configuration.analysis as { threshold?: unknown } | undefined;
  return typeof analysis?.threshold === 'number' ? analysis.threshold : null;
}
