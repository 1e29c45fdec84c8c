import type { JobsOptions, Queue } from 'bullmq';
import type { AnalyseJobData } from '@anet/contracts';

export const ANALYSE_JOB_NAME = 'analyse';

/**
 * BullMQ jobId = the row id, so enqueueing twice (a retried request, the reconciler) is a no-op.
 * Attempts + exponential backoff heal infrastructure failures; the worker turns input errors into
 * UnrecoverableError so they fail at once.
 */
export const ANALYSE_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 10_000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

/** BullMQ's largest priority (2^21); lower numbers run first. */
const MAX_PRIORITY = 2 ** 21;

/**
 * Fair share across tenants: a tenant's n-th waiting job gets priority n, so each tenant's next job
 * runs before any tenant's second-next (round robin by rank) and one hospital's backlog never makes
 * another wait behind all of it. Jobs of equal rank run in arrival order.
 */
export function fairSharePriority(queuedOfTenant: number): number {
  return Math.min(MAX_PRIORITY, Math.max(1, queuedOfTenant));
}

export async function enqueueAnalyse(
  queue: Queue<AnalyseJobData>,
  jobId: string,
  opts: JobsOptions = {},
): Promise<void> {
  await queue.add(ANALYSE_JOB_NAME, { jobId }, { ...ANALYSE_JOB_OPTIONS, ...opts, jobId });
}
