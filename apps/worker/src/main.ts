import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { createPrismaClient } from '@anet/db';
import { objectStoreFromEnv } from '@anet/api/storage';
import { logDestination, withTimeout } from '@anet/api/ops';
import { isTerminalStatus, type AnalyseJobData } from '@anet/contracts';
import { loadWorkerConfig, type WorkerConfig } from './config';
import { startHealthServer } from './healthServer';
import { ABORT_CANCELLED, ABORT_SHUTDOWN, type AnalyseResult } from './processors/analyse';
import { JobStateWriter, isProcessorProgress } from './JobStateWriter';

export interface RunningWorker {
  worker: Worker<AnalyseJobData, AnalyseResult>;
  healthPort: number;
  /** Graceful stop: abort running jobs (they stop at the next step, checkpoint), release them, close. */
  close(): Promise<void>;
}

const PROCESSOR = fileURLToPath(new URL('./processors/analyse.entry.mjs', import.meta.url));

export async function startWorker(
  config: WorkerConfig = loadWorkerConfig(),
  log = pino({ level: config.LOG_LEVEL }, logDestination(config.LOG_FORMAT)),
): Promise<RunningWorker> {
  // The model package announces its backend on stderr; here it goes through pino (see detectBackend).
  // Set before the sandbox threads start, which copy process.env.
  process.env.ANET_QUIET ??= '1';
  const prisma = createPrismaClient(config.DATABASE_URL, { poolSize: 2 });
  const store = objectStoreFromEnv(config);
  // Workers block on Redis: maxRetriesPerRequest null as BullMQ requires.
  const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  connection.on('error', (err) => log.warn({ err }, 'redis error'));

  const metrics = new Registry();
  const privateMetrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const outcomes = new Counter({
    name: 'anet_worker_jobs_total',
    help: 'Jobs finished by outcome',
    labelNames: ['outcome'],
    registers: [privateMetrics],
  });
  const durations = new Histogram({
    name: 'anet_worker_job_duration_seconds',
    help: 'Wall time of finished jobs',
    buckets: [1, 10, 60, 300, 900, 3600, 4 * 3600],
    registers: [privateMetrics],
  });
  const stageDurations = new Histogram({
    name: 'anet_stage_duration_seconds',
    help: 'Time a job spent in a state, observed when it leaves that state',
    labelNames: ['stage'],
    buckets: [0.1, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600],
    registers: [privateMetrics],
  });

  const worker = new Worker<AnalyseJobData, AnalyseResult>(config.QUEUE_NAME, PROCESSOR, {
    connection,
    prefix: config.REDIS_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    useWorkerThreads: true,
    lockDuration: config.LOCK_DURATION_MS,
    stalledInterval: config.STALLED_INTERVAL_MS,
    maxStalledCount: config.MAX_STALLED_COUNT,
  });
  worker.on('error', (err) => log.error({ err }, 'worker error'));
  const states = new JobStateWriter(prisma, log, (stage, seconds) =>
    stageDurations.observe({ stage }, seconds),
  );
  const active = new Map<string, string>(); // row id → BullMQ job id
  const cancelling = new Set<string>(); // row ids whose cancel was already passed on (logged once)
  worker.on('active', (job) => {
    active.set(job.data.jobId, job.id!);
    log.info({ jobId: job.id, attempt: job.attemptsMade + 1 }, 'job started');
  });
  worker.on('progress', (job, progress) => {
    if (isProcessorProgress(progress)) states.onProgress(job.data.jobId, progress);
  });
  // Cancellation: this (idle) thread polls the rows of running jobs and aborts the processor's
  // signal, which the pipeline checks between training steps.
  const cancelPoll = setInterval(() => {
    if (active.size === 0) return;
    prisma.job
      .findMany({
        where: {
          id: { in: [...active.keys()] },
          OR: [{ cancelRequestedAt: { not: null } }, { deletedAt: { not: null } }],
        },
        select: { id: true },
      })
      .then((rows) => {
        for (const r of rows) {
          const bullId = active.get(r.id);
          if (!bullId || cancelling.has(r.id)) continue;
          if (worker.cancelJob(bullId, ABORT_CANCELLED)) {
            cancelling.add(r.id);
            log.info({ jobId: r.id }, 'cancel requested; stopping at the next step');
          }
        }
      })
      .catch((err) => log.warn({ err }, 'cancel poll failed'));
  }, config.CANCEL_POLL_MS);
  const ended = (job: Job<AnalyseJobData> | undefined) => {
    if (config.WORKER_SANDBOX_PER_JOB) retireIdleSandboxes(worker);
    if (!job) return Promise.resolve();
    active.delete(job.data.jobId);
    cancelling.delete(job.data.jobId);
    return states
      .settle(job.data.jobId)
      .then(() => states.observeFinalStage(job.data.jobId))
      .catch((err) => log.warn({ err, jobId: job.data.jobId }, 'could not record the last stage'));
  };
  worker.on('completed', (job, result) => {
    void ended(job);
    outcomes.inc({ outcome: result?.status ?? 'succeeded' });
    if (job.processedOn) durations.observe((Date.now() - job.processedOn) / 1000);
    log.info({ jobId: job.id, status: result?.status }, 'job done');
  });
  worker.on('failed', (job, err) => {
    void ended(job);
    outcomes.inc({ outcome: 'failed' });
    log.warn({ jobId: job?.id, err: err.message }, 'job attempt failed');
    if (job)
      void markFailedIfExhausted(job, err).catch((e) => log.error({ err: e }, 'could not mark job failed'));
  });

  // A job that exhausts its attempts outside the processor (stalled too often) still needs its row closed.
  async function markFailedIfExhausted(job: Job<AnalyseJobData>, err: Error): Promise<void> {
    const exhausted = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (!exhausted) return;
    const row = await prisma.job.findUnique({ where: { id: job.data.jobId }, select: { status: true } });
    if (!row || isTerminalStatus(row.status)) return;
    await prisma.$transaction([
      prisma.job.update({
        where: { id: job.data.jobId },
        data: {
          status: 'failed',
          finishedAt: new Date(),
          errorCode: 'INTERNAL',
          errorMessage: 'the job failed on every attempt',
        },
      }),
      prisma.jobEvent.create({
        data: {
          jobId: job.data.jobId,
          from: row.status,
          to: 'failed',
          detail: { reason: 'attempts exhausted' },
        },
      }),
    ]);
  }

  let backend: { name: string; device: string } | null = null;
  // Detected once, in the background: loading tfjs takes seconds, longer than a probe may wait.
  let detecting: Promise<unknown> | undefined;
  const detect = () =>
    (detecting ??= detectBackend(config.ANET_TF_BACKEND).then(
      (b) => {
        backend = b;
        log.info({ backend: b.name, device: b.device }, 'tfjs backend');
      },
      (err) => {
        detecting = undefined; // try again at the next probe
        throw err;
      },
    ));
  const health = await startHealthServer(
    config.HOST,
    config.WORKER_HEALTH_PORT,
    {
      metrics,
      privateMetrics,
      async ready() {
        const checks: Record<string, { ok: boolean; error?: string }> = {};
        // Every probe is bounded: the Redis connection retries for ever (BullMQ needs that), so a
        // bare ping would hang /readyz for as long as Redis is down.
        const probe = async (name: string, fn: () => Promise<unknown>) => {
          try {
            await withTimeout(fn(), config.HEALTH_PROBE_TIMEOUT_MS);
            checks[name] = { ok: true };
          } catch (e) {
            checks[name] = { ok: false, error: (e as Error).message };
          }
        };
        await Promise.all([
          probe('redis', () => connection.ping()),
          probe('postgres', () => prisma.$queryRaw`SELECT 1`),
          probe('s3', () => store.ping()),
          probe('backend', detect),
        ]);
        return { ok: Object.values(checks).every((c) => c.ok) && worker.isRunning(), backend, checks };
      },
    },
    config.METRICS_TOKEN,
  );
  log.info(
    {
      queue: config.QUEUE_NAME,
      concurrency: config.WORKER_CONCURRENCY,
      health: `${config.HOST}:${health.port}`,
    },
    'worker started',
  );

  let closing: Promise<void> | undefined;
  return {
    worker,
    healthPort: health.port,
    close() {
      closing ??= (async () => {
        // Running processors see the abort, stop at their next step (the trainer checkpoints) and
        // throw; the attempt is retried later from the latest checkpoint by whichever worker is up.
        clearInterval(cancelPoll);
        worker.cancelAllJobs(ABORT_SHUTDOWN);
        await worker.close();
        await closeServer(health.server);
        await prisma.$disconnect();
        store.close();
        connection.disconnect();
      })();
      return closing;
    },
  };
}

/**
 * Ends the sandbox threads that are idle now (their job has ended): BullMQ keeps them for the next
 * job otherwise, with everything the last one allocated. Busy ones are left alone.
 */
function retireIdleSandboxes(worker: Worker): void {
  const pool = (
    worker as unknown as {
      childPool?: { getAllFree(): unknown[]; kill(child: unknown, signal?: string): Promise<void> };
    }
  ).childPool;
  for (const child of pool?.getAllFree() ?? []) void pool!.kill(child, 'SIGTERM').catch(() => undefined);
}

/** The backend the model package would pick here (loads tfjs once, in this thread). */
async function detectBackend(forced?: string): Promise<{ name: string; device: string }> {
  const model = (await import('@anet/model')) as unknown as {
    selectBackend(f?: string): Promise<{ name: string; device: string }>;
  };
  const b = await model.selectBackend(forced);
  return { name: b.name, device: b.device };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

// Main-module guard: tests import startWorker; `tsx apps/worker/src/main.ts` runs it.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const config = loadWorkerConfig();
  const log = pino({ level: config.LOG_LEVEL }, logDestination(config.LOG_FORMAT));
  const running = await startWorker(config, log);
  let signals = 0;
  for (const sig of ['SIGTERM', 'SIGINT'] as const)
    process.on(sig, () => {
      if (++signals > 1) process.exit(1);
      log.info({ signal: sig }, 'shutting down: stopping at the next step');
      running.close().then(
        () => process.exit(0),
        (err) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
}
