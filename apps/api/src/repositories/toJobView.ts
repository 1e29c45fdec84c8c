import type { Job } from '@anet/db';
import { JobResultSchema, type JobProfile, type JobView } from '@anet/contracts';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** Row → the contract's JobView. The result summary is re-validated so a bad row never leaks. */
export function toJobView(job: Job): JobView {
  const result = job.resultSummary ? JobResultSchema.safeParse(job.resultSummary) : null;
  return {
    id: job.id,
    status: job.status,
    stage: job.stage,
    progress: {
      fraction: Math.min(1, Math.max(0, job.progress)),
      epoch: job.epoch,
      totalEpochs: job.totalEpochs,
      etaSeconds: job.etaSeconds,
    },
    profile: job.profile as JobProfile,
    clientReference: job.clientReference,
    attempts: job.attempts,
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    error: job.errorCode ? { code: job.errorCode, message: job.errorMessage ?? '' } : null,
    result: result?.success ? result.data : null,
    links: {
      self: `/v1/jobs/${job.id}`,
      artifacts: `/v1/jobs/${job.id}/artifacts`,
      ...(job.status === 'succeeded' ? { viewerLinks: `/v1/jobs/${job.id}/viewer-links` } : {}),
    },
  };
}
