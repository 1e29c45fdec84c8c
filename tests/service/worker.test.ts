import { createHash } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { PrismaClient } from '@anet/db';
import {
  isInputError,
  JobViewSchema,
  ReportSchema,
  type ErrorCode,
  type JobStatus,
  type JobView,
} from '@anet/contracts';
import { readNifti, writeNifti } from '@anet/nifti';
import { makePhantomPair } from '@anet/preprocess';
import { checkpointPrefix, type ObjectStore } from '@anet/api/storage';
import { startWorker, type RunningWorker } from '../../apps/worker/src/main';
import { loadWorkerConfig } from '../../apps/worker/src/config';
import { bearer, buildTestApp, jobParts, multipart, newTenantKey, testPrisma, testStore } from './helpers';

const WORKER_MAIN = fileURLToPath(new URL('../../apps/worker/src/main.ts', import.meta.url));
const ORDER: JobStatus[] = ['queued', 'preprocessing', 'training', 'inferring', 'analysing', 'succeeded'];

const phantom = makePhantomPair({ seed: 11, dims: [40, 40, 16], change: 2 });
// Every job here also sends both brain masks (the phantom's truth, each in its own grid), so the
// parts travel API → S3 → worker → pipeline; the bad-input job below sends none.
const inputs = {
  baseline: writeNifti(phantom.baseline, { datatype: 'float32' }),
  followup: writeNifti(phantom.followup, { datatype: 'float32' }),
  baselineBrainMask: writeNifti(phantom.baselineBrainMask, { datatype: 'uint8' }),
  followupBrainMask: writeNifti(phantom.followupBrainMask, { datatype: 'uint8' }),
};

let prisma: PrismaClient;
let store: ObjectStore;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(() => {
  prisma = testPrisma();
  store = testStore();
});
afterAll(async () => {
  await prisma.$disconnect();
  store.close();
});
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

async function setup(apiOverrides = {}) {
  const app = await buildTestApp({ JOB_BACKOFF_MS: 200, ...apiOverrides });
  cleanups.push(async () => {
    await app.queue.obliterate({ force: true });
    await app.close();
  });
  const tenant = await newTenantKey(prisma);
  return { app, tenant };
}

function workerEnv(queueName: string, extra: Record<string, string> = {}) {
  return { ...process.env, QUEUE_NAME: queueName, WORKER_HEALTH_PORT: '0', LOG_LEVEL: 'silent', ...extra };
}

async function inProcessWorker(
  queueName: string,
  extra: Record<string, string> = {},
): Promise<RunningWorker> {
  const w = await startWorker(loadWorkerConfig(workerEnv(queueName, extra)), pino({ level: 'silent' }));
  cleanups.push(() => w.close());
  return w;
}

function childWorker(queueName: string, extra: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_MAIN], {
    env: workerEnv(queueName, extra),
    stdio: 'ignore',
  });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

async function submit(app: FastifyInstance, key: string, options: unknown): Promise<JobView> {
  const { payload, headers } = multipart(jobParts({ ...inputs, options }));
  const res = await app.inject({
    method: 'POST',
    url: '/v1/jobs',
    payload,
    headers: { ...headers, ...bearer(key) },
  });
  expect(res.statusCode, res.body).toBe(202);
  return JobViewSchema.parse(res.json());
}

async function getJob(app: FastifyInstance, key: string, id: string): Promise<JobView> {
  return JobViewSchema.parse(
    (await app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: bearer(key) })).json(),
  );
}

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 120_000,
  everyMs = 50,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const checkpointEpochs = async (tenantId: string, id: string) =>
  (await store.list(checkpointPrefix(tenantId, id))).map((o) => Number(/epoch-(\d+)/.exec(o.key)?.[1]));
const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
  );

/** The same job (inputs, profile, seed) for the uninterrupted and the interrupted runs. */
const OPTIONS = {
  profile: 'smoke',
  baselineVolumeMl: 4,
  overrides: { seed: 7, epochs: 40, checkpointEvery: 2 },
};

describe('worker', { timeout: 300_000 }, () => {
  let uninterrupted: { map: Float32Array; changeMl: number } | undefined;

  it('runs a smoke job from POST to downloaded artifacts, through every stage in order', async () => {
    const { app, tenant } = await setup();
    const worker = await inProcessWorker(app.config.QUEUE_NAME);
    const job = await submit(app, tenant.key, OPTIONS);
    const seen: JobStatus[] = [job.status];
    const done = await waitFor('job to finish', async () => {
      const j = await getJob(app, tenant.key, job.id);
      if (seen[seen.length - 1] !== j.status) seen.push(j.status);
      return ['succeeded', 'failed', 'cancelled'].includes(j.status) && j;
    });
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
    // Polling may miss a short stage, but never sees them out of order.
    expect(seen.map((s) => ORDER.indexOf(s))).toEqual(
      [...seen.map((s) => ORDER.indexOf(s))].sort((a, b) => a - b),
    );
    expect(seen).toContain('training');
    const events = await prisma.jobEvent.findMany({ where: { jobId: job.id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.to)).toEqual(ORDER);
    expect(done.progress.fraction).toBe(1);
    expect(done.result).not.toBeNull();
    expect(done.startedAt && done.finishedAt).toBeTruthy();

    const list = (
      await app.inject({ method: 'GET', url: `/v1/jobs/${job.id}/artifacts`, headers: bearer(tenant.key) })
    ).json();
    const names = list.items.map((a: { name: string }) => a.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'map.nii.gz',
        'ternary.nii.gz',
        'uncertainty.nii.gz',
        'report.json',
        'overlay.png',
        'training_curve.png',
      ]),
    );
    for (const a of list.items as Array<{ name: string; sha256: string; href: string; bytes: number }>) {
      const res = await app.inject({
        method: 'GET',
        url: `${a.href}?download=stream`,
        headers: bearer(tenant.key),
      });
      expect(res.statusCode).toBe(200);
      expect(sha(res.rawPayload)).toBe(a.sha256);
      expect(res.rawPayload.byteLength).toBe(a.bytes);
    }
    const report = ReportSchema.parse(
      (
        await app.inject({
          method: 'GET',
          url: `/v1/jobs/${job.id}/artifacts/report.json`,
          headers: bearer(tenant.key),
        })
      ).json(),
    );
    expect(report.volumes.changeMl).toBeCloseTo(done.result!.changeMl, 6);
    expect(report.backend.name).toBeTruthy();
    // The brain masks reached the pipeline, under their part names (never the client's file names).
    expect(report.inputs.baselineBrainMask).toMatchObject({
      name: 'baselineBrainMask',
      sha256: sha(inputs.baselineBrainMask),
    });
    expect(report.inputs.followupBrainMask).toMatchObject({
      name: 'followupBrainMask',
      sha256: sha(inputs.followupBrainMask),
    });
    // The default is a redirect to a presigned S3 URL that works without our key.
    const redirect = await app.inject({
      method: 'GET',
      url: `/v1/jobs/${job.id}/artifacts/map.nii.gz`,
      headers: bearer(tenant.key),
    });
    expect(redirect.statusCode).toBe(302);
    const mapBytes = new Uint8Array(await (await fetch(redirect.headers.location as string)).arrayBuffer());
    const map = readNifti(mapBytes);
    expect(map.dims).toEqual(phantom.baseline.dims);
    expect(await checkpointEpochs(tenant.tenantId, job.id)).toEqual([]);
    const unknown = await app.inject({
      method: 'GET',
      url: `/v1/jobs/${job.id}/artifacts/nope.png`,
      headers: bearer(tenant.key),
    });
    expect(unknown.json().error.code).toBe('ARTIFACT_NOT_FOUND');

    const ready = (await (await fetch(`http://127.0.0.1:${worker.healthPort}/readyz`)).json()) as {
      backend: { name: string };
    };
    expect(ready.backend.name).toBe(report.backend.name);
    uninterrupted = { map: map.data, changeMl: done.result!.changeMl };
  });

  it('fails a bad-input job at once with its code, without retries', async () => {
    const { app, tenant } = await setup();
    await inProcessWorker(app.config.QUEUE_NAME);
    // A valid NIfTI the API accepts (headers are fine) but the pipeline refuses: a constant follow-up,
    // whose brain mask is empty (an input-class code, so no retry). Pairs that cannot be one head are
    // refused by the API before 202 (STUDY_INCOMPATIBLE, see api.test.ts / reliability).
    const flat = makePhantomPair({ seed: 12, dims: [40, 40, 16] });
    const { payload, headers } = multipart(
      jobParts({
        baseline: inputs.baseline,
        followup: writeNifti(
          { ...flat.followup, data: new Float32Array(flat.followup.data.length).fill(100) },
          { datatype: 'float32' },
        ),
        options: { profile: 'smoke' },
      }),
    );
    const res = await app.inject({
      method: 'POST',
      url: '/v1/jobs',
      payload,
      headers: { ...headers, ...bearer(tenant.key) },
    });
    expect(res.statusCode).toBe(202);
    const id = res.json().id as string;
    const done = await waitFor('failed', async () => {
      const j = await getJob(app, tenant.key, id);
      return ['succeeded', 'failed', 'cancelled'].includes(j.status) && j;
    });
    expect(done.status).toBe('failed');
    expect(isInputError(done.error!.code as ErrorCode)).toBe(true);
    expect(done.attempts).toBe(1);
    // The row is written before the processor throws; BullMQ records the failure just after.
    const bull = await waitFor('BullMQ failure', async () => {
      const j = await app.queue.getJob(id);
      return j && (await j.getState()) === 'failed' && j;
    });
    expect(bull.attemptsMade).toBe(1);
    expect(bull.failedReason.startsWith(done.error!.code)).toBe(true);
  });

  it('cancels a running job at the next step and removes its checkpoints and partial artifacts', async () => {
    const { app, tenant } = await setup();
    await inProcessWorker(app.config.QUEUE_NAME);
    const job = await submit(app, tenant.key, {
      profile: 'smoke',
      overrides: { epochs: 5000, checkpointEvery: 1 },
    });
    await waitFor(
      'training with a checkpoint',
      async () => (await checkpointEpochs(tenant.tenantId, job.id)).length > 0,
    );
    const res = await app.inject({
      method: 'POST',
      url: `/v1/jobs/${job.id}/cancel`,
      headers: bearer(tenant.key),
    });
    expect(res.statusCode).toBe(202);
    expect(res.json().status).toBe('training');
    const done = await waitFor('cancelled', async () => {
      const j = await getJob(app, tenant.key, job.id);
      return j.status === 'cancelled' && j;
    });
    expect(done.error?.code).toBe('JOB_CANCELLED');
    const keys = (await store.list(`tenants/${tenant.tenantId}/jobs/${job.id}/`)).map((o) =>
      o.key.split('/').slice(-2).join('/'),
    );
    expect(keys.sort()).toEqual([
      'inputs/baseline',
      'inputs/baselineBrainMask',
      'inputs/followup',
      'inputs/followupBrainMask',
    ]);
  });

  it('DELETE of a running job stops it and leaves nothing of it in S3', async () => {
    const { app, tenant } = await setup();
    await inProcessWorker(app.config.QUEUE_NAME);
    const job = await submit(app, tenant.key, {
      profile: 'smoke',
      clientReference: 'to-erase',
      overrides: { epochs: 5000, checkpointEvery: 1 },
    });
    await waitFor(
      'training with a checkpoint',
      async () => (await checkpointEpochs(tenant.tenantId, job.id)).length > 0,
    );
    const res = await app.inject({
      method: 'DELETE',
      url: `/v1/jobs/${job.id}`,
      headers: bearer(tenant.key),
    });
    expect(res.statusCode).toBe(204);
    const row = await waitFor('worker to stop', async () => {
      const r = await prisma.job.findUniqueOrThrow({ where: { id: job.id } });
      return r.status === 'cancelled' && r;
    });
    expect(row).toMatchObject({ clientReference: null, baselineKey: '', followupKey: '' });
    expect(await store.list(`tenants/${tenant.tenantId}/jobs/${job.id}/`)).toEqual([]);
    expect(await prisma.artifact.count({ where: { jobId: job.id } })).toBe(0);
  });

  it('survives SIGTERM (checkpoint, release, exit 0) and SIGKILL (resumes from the latest checkpoint) with the uninterrupted result', async () => {
    const { app, tenant } = await setup();
    const q = app.config.QUEUE_NAME;
    const fastStall = { LOCK_DURATION_MS: '4000', STALLED_INTERVAL_MS: '1000' };
    const job = await submit(app, tenant.key, OPTIONS);

    // 1. SIGTERM mid-training: the worker finishes its epoch, checkpoints it, releases the job, exits 0.
    const a = childWorker(q, fastStall);
    await waitFor(
      'first checkpoint',
      async () => (await checkpointEpochs(tenant.tenantId, job.id)).length > 0,
    );
    const epochAtTerm = (await prisma.job.findUniqueOrThrow({ where: { id: job.id } })).epoch ?? 0;
    a.kill('SIGTERM');
    expect(await exited(a)).toBe(0);
    const afterTerm = await checkpointEpochs(tenant.tenantId, job.id);
    expect(afterTerm.length).toBeGreaterThan(0);
    // The epoch in progress at SIGTERM was finished and checkpointed: nothing before it is lost.
    expect(Math.max(...afterTerm)).toBeGreaterThanOrEqual(epochAtTerm);
    const bull = await app.queue.getJob(job.id);
    expect(['delayed', 'waiting', 'wait']).toContain(await bull!.getState());
    expect((await prisma.job.findUniqueOrThrow({ where: { id: job.id } })).status).not.toBe('failed');

    // 2. A new worker resumes; SIGKILL it mid-training (no chance to clean up).
    const b = childWorker(q, fastStall);
    const resumedAt = Math.max(...afterTerm);
    await waitFor(
      'new checkpoints from the second worker',
      async () => Math.max(...(await checkpointEpochs(tenant.tenantId, job.id))) >= resumedAt + 4,
    );
    b.kill('SIGKILL');
    await exited(b);
    const latestCkpt = Math.max(...(await checkpointEpochs(tenant.tenantId, job.id)));

    // 3. The stalled job is picked up by another worker and finishes from the latest checkpoint.
    const metricsToken = 'worker-metrics-token-1';
    const c = await inProcessWorker(q, { ...fastStall, METRICS_TOKEN: metricsToken });
    const done = await waitFor('job to finish after SIGKILL', async () => {
      const j = await getJob(app, tenant.key, job.id);
      return ['succeeded', 'failed', 'cancelled'].includes(j.status) && j;
    });
    expect(done.status).toBe('succeeded');
    // Three processor starts (SIGTERM'd, SIGKILL'd, finished): a killed attempt counts although
    // BullMQ's attemptsMade does not rise for a stalled job.
    expect(done.attempts).toBe(3);
    // Stage durations: a histogram observed as each stage ends (the final one once the job ends).
    const metricsUrl = `http://127.0.0.1:${c.healthPort}/metrics`;
    expect((await fetch(metricsUrl)).status).toBe(401);
    const text = await waitFor(
      'the final stage in the histogram',
      async () => {
        const t = await (await fetch(metricsUrl, { headers: bearer(metricsToken) })).text();
        return /anet_stage_duration_seconds_count\{stage="analysing"\} 1/.test(t) && t;
      },
      10_000,
    );
    expect(text).toMatch(/anet_stage_duration_seconds_count\{stage="inferring"\} 1/);
    expect(text).toMatch(/anet_stage_duration_seconds_bucket\{le="[^"]+",stage="inferring"\}/);
    const events = await prisma.jobEvent.findMany({ where: { jobId: job.id }, orderBy: { id: 'asc' } });
    const resumes = events
      .filter((e) => (e.detail as { action?: string } | null)?.action === 'resumed')
      .map((e) => e.detail as { fromEpoch: number });
    expect(events.filter((e) => e.to === 'training' && e.from !== 'training')).toHaveLength(3);
    // Each retry resumed from the latest checkpoint there was: at most checkpointEvery (2) epochs lost.
    expect(resumes.map((r) => r.fromEpoch)).toEqual([resumedAt, latestCkpt]);
    expect(events[events.length - 1].to).toBe('succeeded');

    // Same shape and close values as the uninterrupted run of the same job.
    const href = `/v1/jobs/${job.id}/artifacts/map.nii.gz?download=stream`;
    const map = readNifti(
      new Uint8Array(
        (await app.inject({ method: 'GET', url: href, headers: bearer(tenant.key) })).rawPayload,
      ),
    );
    expect(map.dims).toEqual(phantom.baseline.dims);
    if (uninterrupted) {
      let maxDiff = 0;
      for (let i = 0; i < map.data.length; i++)
        maxDiff = Math.max(maxDiff, Math.abs(map.data[i] - uninterrupted.map[i]));
      expect(maxDiff).toBeLessThan(1e-3);
      expect(done.result!.changeMl).toBeCloseTo(uninterrupted.changeMl, 3);
    }
  });
});
