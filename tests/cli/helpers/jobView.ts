import type { JobView } from '@anet/contracts';

/** A JobView as the API would send it, for servers written in tests. */
export function jobView(id: string, patch: Partial<JobView> = {}): JobView {
  const now = new Date().toISOString();
  return {
    id,
    status: 'queued',
    stage: null,
    progress: { fraction: 0, epoch: null, totalEpochs: null, etaSeconds: null },
    profile: 'smoke',
    clientReference: null,
    attempts: 0,
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    finishedAt: null,
    error: null,
    result: null,
    links: { self: `/v1/jobs/${id}`, artifacts: `/v1/jobs/${id}/artifacts` },
    ...patch,
  };
}
