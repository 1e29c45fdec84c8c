import { createHash, randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AnetError,
  ErrorBodySchema,
  IDEMPOTENCY_KEY_MAX,
  JobIdParamsSchema,
  JobListQuerySchema,
  JobListResponseSchema,
  JobViewSchema,
  isTerminalStatus,
  type JobOptions,
} from '@anet/contracts';
import type { Job } from '@anet/db';
import { receiveJobUpload, type ReceivedUpload, type ValidatorFactory } from '../upload/receiveJobUpload';
import { toJobView } from '../repositories/toJobView';
import { enqueueAnalyse, fairSharePriority } from '../queue/enqueueAnalyse';
import { jobPrefix } from '../storage';
import { UploadSlots } from '../upload/uploadGuards';

const errors = {
  400: ErrorBodySchema,
  401: ErrorBodySchema,
  404: ErrorBodySchema,
  409: ErrorBodySchema,
  429: ErrorBodySchema,
};

/** sha256 over the inputs' digests and the canonical options: what "same payload" means for Idempotency-Key. */
export function payloadHash(up: ReceivedUpload): string {
  const canonical = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v as object)
            .sort()
            .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
        )
      : v;
  const doc = {
    baseline: up.inputs.baseline.sha256,
    followup: up.inputs.followup.sha256,
    baselineMask: up.inputs.baselineMask?.sha256 ?? null,
    // Only present keys enter the document, so fingerprints of requests without brain masks
    // (e.g. stored before they existed) stay the same.
    ...(up.inputs.baselineBrainMask && { baselineBrainMask: up.inputs.baselineBrainMask.sha256 }),
    ...(up.inputs.followupBrainMask && { followupBrainMask: up.inputs.followupBrainMask.sha256 }),
    options: canonical(up.options),
  };
  return createHash('sha256').update(JSON.stringify(doc)).digest('hex');
}

export const jobsRoutes: FastifyPluginAsync<{
  createValidator: ValidatorFactory;
  defaultProfile: NonNullable<JobOptions['profile']>;
}> = async (fastify, { createValidator, defaultProfile }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const retryAfter = String(app.config.RETRY_AFTER_SECONDS);
  const enqueueOpts = {
    attempts: app.config.JOB_ATTEMPTS,
    backoff: { type: 'exponential', delay: app.config.JOB_BACKOFF_MS },
  };
  const uploadSlots = new UploadSlots(app.config.MAX_CONCURRENT_UPLOADS_PER_TENANT);
  /** Queue operations that only tidy up (the row is the truth): skipped at once while Redis is down. */
  const queueIsUp = () => app.redis.status === 'ready';

  app.post(
    '/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary:
          'Submit a baseline/follow-up pair (multipart: baseline, followup, [baselineMask], [baselineBrainMask], [followupBrainMask], [options JSON])',
        description:
          'Files are NIfTI-1/2 (.nii or .nii.gz). `baselineMask` is the baseline enhancing-tumour mask; ' +
          '`baselineBrainMask` / `followupBrainMask` are brain masks (0/1) that replace the computed ones. ' +
          "Each mask must be on its own scan's grid (baselineMask and baselineBrainMask: the baseline's; " +
          "followupBrainMask: the follow-up's): same dimensions and voxel-to-world affine (0.1 mm, 0.1 %), " +
          'else 422 MASK_GRID_MISMATCH naming the part in `details.part`, before anything is stored.',
        consumes: ['multipart/form-data'],
        headers: z.object({ 'idempotency-key': z.string().min(1).max(IDEMPOTENCY_KEY_MAX).optional() }),
        response: {
          200: JobViewSchema,
          202: JobViewSchema,
          ...errors,
          413: ErrorBodySchema,
          415: ErrorBodySchema,
          422: ErrorBodySchema,
        },
      },
    },
    async (req, reply) => {
      const tenantId = req.principal.tenantId;
      // Refused before the body is read: no worker can see a job while the queue is down, and the
      // client still holds its files (and its Idempotency-Key) to retry.
      if (!queueIsUp())
        throw new AnetError('DEPENDENCY_UNAVAILABLE', 'the job queue is unavailable; retry later');
      const release = uploadSlots.acquire(tenantId);
      let upload: ReceivedUpload;
      const jobId = randomUUID();
      try {
        upload = await receiveJobUpload(req, {
          store: app.store,
          tenantId,
          jobId,
          maxFileBytes: app.config.MAX_FILE_BYTES,
          createValidator,
          idleTimeoutMs: app.config.UPLOAD_IDLE_TIMEOUT_MS,
          maxJobWorkingBytes: app.config.MAX_JOB_WORKING_BYTES,
        });
      } finally {
        release();
      }
      const idempotencyKey = req.headers['idempotency-key'] ?? null;
      const hash = payloadHash(upload);
      const discard = () => app.store.deletePrefix(jobPrefix(tenantId, jobId)).catch(() => undefined);
      const replay = (existing: Job) => {
        if (existing.payloadHash !== hash)
          throw new AnetError('IDEMPOTENCY_KEY_REUSED', 'Idempotency-Key was used with a different payload');
        reply.header('Location', `/v1/jobs/${existing.id}`);
        if (!isTerminalStatus(existing.status)) reply.header('Retry-After', retryAfter);
        return reply.code(202).send(toJobView(existing));
      };
      if (idempotencyKey) {
        const existing = await app.jobs.findByIdempotencyKey(tenantId, idempotencyKey);
        if (existing) {
          await discard();
          return replay(existing);
        }
      }
      let job: Job;
      try {
        job = await app.jobs.create({
          id: jobId,
          tenantId,
          profile: upload.options.profile ?? defaultProfile,
          options: upload.options,
          clientReference: upload.options.clientReference ?? null,
          idempotencyKey,
          payloadHash: hash,
          inputs: upload.inputs,
        });
      } catch (err) {
        await discard();
        // A concurrent request with the same key won the unique index: answer as a replay.
        if (idempotencyKey && (err as { code?: string }).code === 'P2002') {
          const existing = await app.jobs.findByIdempotencyKey(tenantId, idempotencyKey);
          if (existing) return replay(existing);
        }
        throw err;
      }
      // The row is the source of truth: if this enqueue is lost (crash, Redis down), the
      // reconciler enqueues queued rows that have no BullMQ job, so 202 is still a promise kept.
      // This job's rank among its tenant's waiting jobs (itself included, later arrivals not): 1st gets 1.
      const priority = fairSharePriority(await app.jobs.countQueued(tenantId, job.createdAt).catch(() => 1));
      await enqueueAnalyse(app.queue, job.id, { ...enqueueOpts, priority }).catch((err) =>
        req.log.warn({ err, jobId: job.id }, 'enqueue failed; reconciler will retry'),
      );
      req.log.debug({ jobId: job.id, tenantId }, 'job queued');
      reply.header('Location', `/v1/jobs/${job.id}`).header('Retry-After', retryAfter);
      return reply.code(202).send(toJobView(job));
    },
  );

  app.get(
    '/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'List jobs (newest first, cursor pagination)',
        querystring: JobListQuerySchema,
        response: { 200: JobListResponseSchema, ...errors },
      },
    },
    async (req) => {
      const { items, nextCursor } = await app.jobs.list(req.principal.tenantId, req.query);
      return { items: items.map(toJobView), nextCursor };
    },
  );

  app.get(
    '/jobs/:id',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Job status, progress and result',
        params: JobIdParamsSchema,
        response: { 200: JobViewSchema, ...errors },
      },
    },
    async (req, reply) => {
      const job = await app.jobs.getOrThrow(req.principal.tenantId, req.params.id);
      if (!isTerminalStatus(job.status)) reply.header('Retry-After', retryAfter);
      return toJobView(job);
    },
  );

  app.post(
    '/jobs/:id/cancel',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Cancel a queued or running job',
        params: JobIdParamsSchema,
        response: { 202: JobViewSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { job, wasQueued } = await app.jobs.cancel(req.principal.tenantId, req.params.id);
      // The cancel is recorded in Postgres before 202, so it holds whatever Redis does: a queued job
      // that stays in BullMQ (Redis down now) is skipped by the worker, which reads the row first;
      // a running one is stopped by the worker's poll of the row.
      if (wasQueued && queueIsUp())
        await app.queue
          .remove(job.id)
          .catch((err) => req.log.warn({ err }, 'could not remove queued BullMQ job'));
      return reply.code(202).send(toJobView(job));
    },
  );

  app.delete(
    '/jobs/:id',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Erase a job: inputs, checkpoints, artifacts and payload (an audit event is kept)',
        params: JobIdParamsSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (req, reply) => {
      const tenantId = req.principal.tenantId;
      const job = await app.jobs.markDeleted(tenantId, req.params.id);
      if (queueIsUp()) await app.queue.remove(job.id).catch(() => undefined);
      await app.store.deletePrefix(jobPrefix(tenantId, job.id));
      return reply.code(204).send(null);
    },
  );
};
