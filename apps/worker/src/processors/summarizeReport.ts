import type { JobResult, Report } from '@anet/contracts';

/** The JobView result summary, cut from the full report. */
export function summarizeReport(report: Report): JobResult {
  return {
    changeMl: report.volumes.changeMl,
    baselineMl: report.volumes.baselineMl,
    predictedFollowupMl: report.volumes.predictedFollowupMl,
    modifiedRano: {
      class: report.classes.modifiedRano.class,
      percentChange: report.classes.modifiedRano.percentChange,
    },
    rano2: { class: report.classes.rano2.class, percentChange: report.classes.rano2.percentChange },
    trustworthyFigure: report.trust.trustworthyFigure,
    warnings: report.trust.warnings,
  };
}
