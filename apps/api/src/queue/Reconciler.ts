import type { JobsOptions, Queue } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import type { AnalyseJobData } from '@anet/contracts';
import type { JobsRepository } from '../repositories/jobsRepository';
import { isNotImplemented, parseJobKey, type ObjectStore } from '../storage';
import { enqueueAnalyse } from './enqueueAnalyse';

/**
 * Repairs the two crash windows of `POST /v1/jobs`, whose steps are
 *   (1) stream inputs to S3 under tenants/<t>/jobs/<id>/  (2) INSERT job row + queued event (one tx)
 *   (3) queue.add('analyse', {jobId}, {jobId: id})        (4) answer 202.
 * - Crash between 1 and 2: objects without a row. The client got no 202 and will retry (with its
 *   Idempotency-Key); the orphans are swept here once older than `orphanAgeMs` (older than any
 *   upload still in flight) and without a row.
 * - Crash between 2 and 3 (or Redis down at 3): a `queued` row with no BullMQ job. Re-adding is safe
 *   because BullMQ's jobId is the row id (a duplicate add is a no-op), so we enqueue every queued row
 *   older than a grace period that BullMQ does not know.
 * There is no window with a queue entry but no row: the enqueue happens only after the commit.
 */
export class Reconciler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly deps: {
      jobs: JobsRepository;
      queue: Queue<AnalyseJobData>;
      store: ObjectStore;
      log: FastifyBaseLogger;
    },
    private readonly opts: {
      intervalMs: number;
      orphanAgeMs: number;
      enqueueGraceMs?: number;
      jobOptions?: JobsOptions;
    },
  ) {}

  start(): void {
    const tick = () => {
      this.running = this.runOnce()
        .then(() => undefined)
        .catch((err) => this.deps.log.warn({ err }, 'reconcile failed'));
    };
    tick();
    if (this.opts.intervalMs > 0) {
      this.timer = setInterval(tick, this.opts.intervalMs);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private multipartUnsupported = false;

  /**
   * Multipart uploads under tenants/ started before the orphan cutoff: an API killed mid-upload leaves
   * its parts there, invisible to the object listing and referenced by no job (a finished upload is
   * an object, so anything still pending this long is dead). A server without the listing (an old
   * local S3) is noted once at debug level; the bucket's lifecycle rule covers it then.
   */
  async abortStaleMultipartUploads(now = new Date()): Promise<number> {
    if (this.multipartUnsupported) return 0;
    const { store, log } = this.deps;
    let pending;
    try {
      pending = await store.listMultipartUploads('tenants/');
    } catch (err) {
      if (!isNotImplemented(err)) throw err;
      this.multipartUnsupported = true;
      log.debug('the object store cannot list multipart uploads; stale ones are left to its lifecycle rule');
      return 0;
    }
    const cutoff = now.getTime() - this.opts.orphanAgeMs;
    let aborted = 0;
    for (const u of pending) {
      if (!parseJobKey(u.key) || u.initiated.getTime() > cutoff) continue;
      await store.abortMultipartUpload(u.key, u.uploadId);
      aborted++;
      log.info({ key: u.key }, 'reconciler aborted a stale multipart upload');
    }
    return aborted;
  }

  async runOnce(
    now = new Date(),
  ): Promise<{ enqueued: number; orphansDeleted: number; multipartAborted: number }> {
    const { jobs, queue, store, log } = this.deps;
    let enqueued = 0;
    for (const id of await jobs.queuedJobIds(new Date(now.getTime() - (this.opts.enqueueGraceMs ?? 5_000)))) {
      if (await queue.getJob(id)) continue;
      await enqueueAnalyse(queue, id, this.opts.jobOptions);
      enqueued++;
      log.info({ jobId: id }, 'reconciler enqueued a queued job that had no queue entry');
    }
    const cutoff = now.getTime() - this.opts.orphanAgeMs;
    const byJob = new Map<string, string[]>();
    for (const o of await store.list('tenants/')) {
      const ids = parseJobKey(o.key);
      if (!ids) continue;
      const keys = byJob.get(ids.jobId) ?? [];
      // A prefix counts as orphaned only if ALL its objects are old (no upload in flight).
      if (o.lastModified.getTime() > cutoff) keys.push('\u0000young');
      keys.push(o.key);
      byJob.set(ids.jobId, keys);
    }
    const existing = await jobs.existingIds([...byJob.keys()]);
    let orphansDeleted = 0;
    for (const [jobId, keys] of byJob) {
      if (existing.has(jobId) || keys.includes('\u0000young')) continue;
      await store.deleteKeys(keys);
      orphansDeleted += keys.length;
      log.info({ jobId, objects: keys.length }, 'reconciler deleted an orphan upload');
    }
    const multipartAborted = await this.abortStaleMultipartUploads(now);
    return { enqueued, orphansDeleted, multipartAborted };
  }
}
