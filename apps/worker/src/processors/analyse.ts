import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { UnrecoverableError, type SandboxedJob } from 'bullmq';
import {
  AnalyseJobDataSchema,
  AnetError,
  JobOptionsSchema,
  isInputError,
  isTerminalStatus,
  type JobStatus,
} from '@anet/contracts';
import { Prisma } from '@anet/db';
import { resolveConfig, runPipeline, type PipelineProgress } from '@anet/pipeline';
import { artifactKey, artifactPrefix, checkpointKey, checkpointPrefix } from '@anet/api/storage';
import { summarizeReport } from './summarizeReport';
import type { ProcessorProgress } from '../JobStateWriter';
import { workerContext } from './workerContext';

/** Abort reasons the processor tells apart: the client cancelled, or this worker is shutting down. */
export const ABORT_CANCELLED = 'cancelled';
export const ABORT_SHUTDOWN = 'shutdown';

export interface AnalyseResult {
  jobId: string;
  status: JobStatus;
}

/**
 * The `analyse` processor (runs in a BullMQ sandbox thread, off the lock-renewal path):
 * inputs from S3 → runPipeline (preprocess → train → infer → analyse) → artifacts to S3 + rows.
 * The Job row moves with every stage (+ a JobEvent), progress is written at most once a second,
 * checkpoints go to S3 and a retried/stalled job resumes from the latest, a cancel request in
 * the row aborts at the next step, and input errors fail at once (UnrecoverableError).
 */
export default async function analyse(
  job: SandboxedJob,
  _token?: string,
  signal?: AbortSignal,
): Promise<AnalyseResult> {
  const { jobId } = AnalyseJobDataSchema.parse(job.data);
  const { prisma, store, config } = workerContext();
  const row = await prisma.job.findUnique({ where: { id: jobId } });
  if (!row || row.deletedAt || isTerminalStatus(row.status))
    return { jobId, status: row?.status ?? 'cancelled' };
  const { tenantId } = row;

  // Final transitions happen here; stage transitions are written by the main thread (JobStateWriter),
  // so `from` is read from the row.
  const transition = async (
    to: JobStatus,
    data: Prisma.JobUpdateInput = {},
    detail?: Prisma.InputJsonValue,
  ) => {
    await prisma.$transaction(async (tx) => {
      const cur = await tx.job.findUniqueOrThrow({ where: { id: jobId }, select: { status: true } });
      // A terminal state is final: the API may have cancelled the job as a queued one just as this
      // worker took it; a second terminal event would rewrite its history.
      if (isTerminalStatus(cur.status)) return;
      await tx.job.update({ where: { id: jobId }, data: { status: to, ...data } });
      await tx.jobEvent.create({ data: { jobId, from: cur.status, to, detail } });
    });
  };
  const cleanupPartials = async () => {
    await store.deletePrefix(checkpointPrefix(tenantId, jobId));
    await store.deletePrefix(artifactPrefix(tenantId, jobId));
    await prisma.artifact.deleteMany({ where: { jobId } });
  };
  const cancelRequested = async () => {
    const r = await prisma.job.findUnique({
      where: { id: jobId },
      select: { cancelRequestedAt: true, deletedAt: true },
    });
    return !r || !!r.cancelRequestedAt || !!r.deletedAt;
  };
  const finishCancelled = async () => {
    await cleanupPartials();
    const fresh = await prisma.job.findUnique({ where: { id: jobId }, select: { deletedAt: true } });
    if (fresh?.deletedAt) await store.deletePrefix(`tenants/${tenantId}/jobs/${jobId}/`);
    await transition('cancelled', {
      finishedAt: new Date(),
      errorCode: 'JOB_CANCELLED',
      errorMessage: 'cancelled by the client',
    });
    return { jobId, status: 'cancelled' as const };
  };
  if (row.cancelRequestedAt) return finishCancelled();

  await prisma.job.update({
    where: { id: jobId },
    data: {
      // Counted here, not from BullMQ's attemptsMade, which a stalled (killed) attempt does not raise.
      attempts: { increment: 1 },
      startedAt: row.startedAt ?? new Date(),
      workerId: `${hostname()}:${process.pid}`,
    },
  });

  // BullMQ aborts our signal with a reason: 'cancelled' (the main thread saw the row's cancel
  // flag) or anything else (shutdown, lost lock). One controller carries it into the pipeline.
  const ac = new AbortController();
  // Shutdown (or a lost lock) stops gracefully: training finishes its epoch and checkpoints first.
  const stop = new AbortController();
  const onOuterAbort = () =>
    signal?.reason === ABORT_CANCELLED ? ac.abort(ABORT_CANCELLED) : stop.abort(ABORT_SHUTDOWN);
  signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (signal?.aborted) onOuterAbort();

  // Progress goes to the main thread (which writes the row): posting a message needs no turn of
  // this busy thread's event loop. Stage changes always, progress at most once a second.
  let lastSent = 0;
  let stageSent: string | null = null;
  const onProgress = (p: PipelineProgress) => {
    const now = Date.now();
    if (p.stage === stageSent && now - lastSent < 1000) return;
    stageSent = p.stage;
    lastSent = now;
    const msg: ProcessorProgress = {
      stage: p.stage,
      progress: Math.min(1, Math.max(0, p.fraction)),
      epoch: p.epoch ?? null,
      totalEpochs: p.totalEpochs ?? null,
      etaSeconds: p.etaSeconds == null || !Number.isFinite(p.etaSeconds) ? null : Math.round(p.etaSeconds),
      attempt: job.attemptsMade + 1,
    };
    void job.updateProgress(msg as unknown as object).catch(() => undefined);
  };

  try {
    const optional = (key: string | null) => (key ? store.getBytes(key) : Promise.resolve(undefined));
    const [baseline, followup, baselineMask, baselineBrainMask, followupBrainMask] = await Promise.all([
      store.getBytes(row.baselineKey),
      store.getBytes(row.followupKey),
      optional(row.maskKey),
      optional(row.baselineBrainMaskKey),
      optional(row.followupBrainMaskKey),
    ]);
    const options = JobOptionsSchema.parse(row.options ?? {});
    const pipelineConfig = resolveConfig(row.profile, { train: options.overrides ?? {} });
    const { report, artifacts } = await runPipeline(
      {
        baseline,
        followup,
        baselineMask,
        baselineBrainMask,
        followupBrainMask,
        baselineVolumeMl: options.baselineVolumeMl,
        // The multipart part names: the report never carries the client's file names.
        names: {
          baseline: 'baseline',
          followup: 'followup',
          baselineMask: 'baselineMask',
          baselineBrainMask: 'baselineBrainMask',
          followupBrainMask: 'followupBrainMask',
        },
      },
      pipelineConfig,
      {
        signal: ac.signal,
        stopSignal: stop.signal,
        onProgress,
        loadCheckpoint: async () => {
          const keys = (await store.list(checkpointPrefix(tenantId, jobId))).map((o) => o.key).sort();
          if (!keys.length) return undefined;
          const fromEpoch = Number(/epoch-(\d+)/.exec(keys[keys.length - 1])?.[1] ?? 0);
          // Audit where a retried attempt resumed, so lost work is visible in the event log.
          await prisma.jobEvent.create({
            data: {
              jobId,
              from: 'training',
              to: 'training',
              detail: { action: 'resumed', fromEpoch, attempt: job.attemptsMade + 1 },
            },
          });
          return store.getBytes(keys[keys.length - 1]);
        },
        saveCheckpoint: async (blob, epoch) => {
          await store.putBytes(checkpointKey(tenantId, jobId, epoch), blob);
          const keys = (await store.list(checkpointPrefix(tenantId, jobId))).map((o) => o.key).sort();
          await store.deleteKeys(keys.slice(0, Math.max(0, keys.length - config.CHECKPOINTS_KEPT)));
        },
      },
    );
    // The abort message may still sit unread in this busy thread's queue: ask the row directly.
    if (await cancelRequested()) return finishCancelled();
    if (ac.signal.aborted) throw ac.signal.reason;
    for (const a of artifacts) {
      const key = artifactKey(tenantId, jobId, a.name);
      await store.putBytes(key, a.bytes, a.contentType);
      const sha256 = createHash('sha256').update(a.bytes).digest('hex');
      await prisma.artifact.upsert({
        where: { jobId_name: { jobId, name: a.name } },
        create: {
          jobId,
          name: a.name,
          key,
          bytes: BigInt(a.bytes.byteLength),
          sha256,
          contentType: a.contentType,
        },
        update: { key, bytes: BigInt(a.bytes.byteLength), sha256, contentType: a.contentType },
      });
    }
    await store.deletePrefix(checkpointPrefix(tenantId, jobId));
    // A cancel or delete that landed during the uploads still wins over success.
    if (await cancelRequested()) return finishCancelled();
    await transition(
      'succeeded',
      {
        stage: null,
        progress: 1,
        etaSeconds: 0,
        finishedAt: new Date(),
        resultSummary: summarizeReport(report) as Prisma.InputJsonValue,
      },
      { backend: report.backend },
    );
    return { jobId, status: 'succeeded' };
  } catch (err) {
    if (ac.signal.aborted && ac.signal.reason === ABORT_CANCELLED) return finishCancelled();
    if (ac.signal.aborted || stop.signal.aborted) {
      // Shutdown or lost lock: the epoch in progress was checkpointed to S3; the retry resumes from it.
      throw new Error('worker stopped before the job finished; it will resume from its latest checkpoint', {
        cause: err,
      });
    }
    const e = AnetError.from(err);
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (isInputError(e.code) || lastAttempt) {
      await transition('failed', {
        finishedAt: new Date(),
        errorCode: e.code,
        errorMessage: e.code === 'INTERNAL' ? 'internal error' : e.message,
      });
      await cleanupPartials().catch(() => undefined);
      if (isInputError(e.code)) throw new UnrecoverableError(`${e.code}: ${e.message}`);
    }
    throw e;
  } finally {
    signal?.removeEventListener('abort', onOuterAbort);
  }
}
