import type { JobView } from '@anet/contracts';
import { fetchArtifacts, waitForJob, type AnetClient, type DownloadedArtifact } from '../client';
import { formatJob } from './formatJob';
import { InterruptedError } from './InterruptedError';
import { JobFailedError } from './JobFailedError';
import { ProgressReporter, progressModeFor } from './ProgressReporter';

/**
 * Waits for a job with a progress display, then (on success, with `outDir`) downloads its
 * artifacts and prints the outcome. Ctrl-C stops waiting only: the job goes on on the server.
 * Throws JobFailedError when the job ends failed/cancelled.
 */
export async function followJob(
  client: AnetClient,
  id: string,
  opts: { json?: boolean; outDir?: string; initial?: { job: JobView; retryAfterMs?: number } },
): Promise<{ job: JobView; artifacts: DownloadedArtifact[] }> {
  const reporter = new ProgressReporter(progressModeFor({ json: opts.json }));
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  let job: JobView;
  try {
    job = await waitForJob(client, id, {
      signal: controller.signal,
      initial: opts.initial,
      onUpdate: (j) => reporter.update(j),
      onOutage: (err, ms) =>
        reporter.outage(`${err.message} (API unreachable for ${Math.round(ms / 1000)} s)`),
    });
  } catch (err) {
    reporter.stop();
    if (controller.signal.aborted) {
      throw new InterruptedError(
        `stopped waiting; job ${id} keeps running on the server. Resume with: anet watch ${id}`,
      );
    }
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
  }
  reporter.stop();
  if (job.status !== 'succeeded') {
    if (opts.json) process.stdout.write(`${JSON.stringify({ type: 'result', job, artifacts: [] })}\n`);
    else process.stdout.write(`${formatJob(job)}\n`);
    throw new JobFailedError(job);
  }
  const artifacts = opts.outDir ? await fetchArtifacts(client, id, opts.outDir) : [];
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({ type: 'result', job, outDir: opts.outDir ?? null, artifacts })}\n`,
    );
  } else {
    process.stdout.write(`${formatJob(job)}\n`);
    if (opts.outDir) {
      process.stdout.write(`  ${artifacts.length} artifacts (sha256 verified) in ${opts.outDir}:\n`);
      for (const a of artifacts) process.stdout.write(`    ${a.name}  ${a.bytes} bytes\n`);
    }
  }
  return { job, artifacts };
}
