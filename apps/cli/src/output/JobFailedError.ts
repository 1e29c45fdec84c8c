import type { JobView } from '@anet/contracts';

/** The job ended as `failed` or `cancelled`: exit code 5. */
export class JobFailedError extends Error {
  constructor(readonly job: JobView) {
    super(
      job.status === 'cancelled'
        ? `job ${job.id} was cancelled`
        : `job ${job.id} failed: ${job.error ? `${job.error.code}: ${job.error.message}` : 'no error reported'}`,
    );
    this.name = 'JobFailedError';
  }
}
