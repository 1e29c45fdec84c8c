// Fault injection against the real services (long part: `npm run test:reliability`). Each test breaks
// one dependency the way production breaks it and prints what was lost — which must be nothing.
// Worker SIGKILL mid-training → resume is covered by tests/service/worker.test.ts ("survives SIGTERM …
// and SIGKILL (resumes from the latest checkpoint) …"), not repeated here.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { PrismaClient } from '@anet/db';
import { JobViewSchema, isInputError, type ErrorCode, type JobView } from '@anet/contracts';
import { writeNifti } from '@anet/nifti';
import { makePhantomPair } from '@anet/preprocess';
import { ObjectStore } from '@anet/api/storage';
import {
  bearer,
  buildTestApp,
  freshQueueName,
  jobParts,
  multipart,
  newTenantKey,
  testPrisma,
  testStore,
} from '../../service/helpers';
import { cuttableProxy, freePort, rawClient, sleep, waitFor } from '../helpers';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WORKER_MAIN = join(ROOT, 'apps/worker/src/main.ts');
const API_SERVER = join(ROOT, 'apps/api/src/server.ts');

const phantom = makePhantomPair({ seed: 21, dims: [40, 40, 16], change: 2 });
const INPUTS = {
  baseline: writeNifti(phantom.baseline, { datatype: 'float32' }),
  followup: writeNifti(phantom.followup, { datatype: 'float32' }),
};
const SMOKE = { profile: 'smoke', baselineVolumeMl: 4, overrides: { epochs: 6, checkpointEvery: 2 } };

let prisma: PrismaClient;
let store: ObjectStore;
const cleanups: Array<() => Promise<unknown>> = [];
const ledger: string[] = [];
/** Totals over the fault tests that ran (bench/reliability.bench.ts reads them). */
const tally = { faultsInjected: 0, jobsSubmitted: 0, jobsLost: 0, orphanObjects: 0 };
let race: { hit: boolean; events: string[] } | undefined;
let pgDuring: Array<{ status: number; code?: string; ms: number }> = [];

beforeAll(() => {
  prisma = testPrisma();
  store = testStore();
});
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});
afterAll(async () => {
  console.log(`\n[reliability faults] what was lost:\n${ledger.map((l) => `  ${l}`).join('\n')}\n`);
  if (process.env.REL_FAULTS_FIGURES)
    await writeFile(process.env.REL_FAULTS_FIGURES, JSON.stringify({ ledger, ...tally }, null, 2));
  await prisma.$disconnect();
  store.close();
});

function child(script: string, env: Record<string, string>): ChildProcess {
  const c = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  c.stderr?.on('data', (d) => (err = (err + String(d)).slice(-4000)));
  c.on('exit', (code, sig) => {
    if (code && code !== 0)
      console.warn(`[child ${script.split('/').pop()}] exit ${code} ${sig ?? ''}\n${err}`);
  });
  cleanups.push(async () => {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await new Promise((r) => c.once('exit', r));
    }
  });
  return c;
}

function worker(queue: string, env: Record<string, string> = {}): ChildProcess {
  return child(WORKER_MAIN, { QUEUE_NAME: queue, WORKER_HEALTH_PORT: '0', CANCEL_POLL_MS: '200', ...env });
}

async function submit(app: FastifyInstance, key: string, options: unknown = SMOKE): Promise<JobView> {
  const { payload, headers } = multipart(jobParts({ ...INPUTS, options }));
  const res = await app.inject({
    method: 'POST',
    url: '/v1/jobs',
    payload,
    headers: { ...headers, ...bearer(key) },
  });
  expect(res.statusCode, res.body).toBe(202);
  return JobViewSchema.parse(res.json());
}

const terminal = (s: string) => ['succeeded', 'failed', 'cancelled'].includes(s);

describe('faults', () => {
  it('PostgreSQL unreachable → the API fails fast with a 5xx and recovers without a restart', async () => {
    const url = new URL(process.env.DATABASE_URL!);
    const proxy = await cuttableProxy(url.hostname, Number(url.port || 5432));
    cleanups.push(() => proxy.close());
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    const app = await buildTestApp({ DATABASE_URL: url.toString() });
    cleanups.push(async () => {
      await app.queue.obliterate({ force: true });
      await app.close();
    });
    const t = await newTenantKey(prisma, 'pgfault');
    const job = await submit(app, t.key);
    await app.queue.remove(job.id); // no worker here; keep the queue empty

    proxy.cut();
    const during: Array<{ status: number; code?: string; ms: number }> = [];
    for (const u of [`/v1/jobs/${job.id}`, '/v1/jobs', `/v1/jobs/${job.id}/artifacts`]) {
      const t0 = Date.now();
      const res = await app.inject({ method: 'GET', url: u, headers: bearer(t.key) });
      during.push({ status: res.statusCode, code: res.json().error?.code, ms: Date.now() - t0 });
    }
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    console.log('[pg down] answers:', JSON.stringify(during), 'readyz', ready.statusCode);
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.postgres.ok).toBe(false);
    for (const d of during) {
      expect(d.status).toBeGreaterThanOrEqual(500);
      expect(d.ms).toBeLessThan(15_000); // fails fast, does not hang the client
    }

    proxy.restore();
    const back = await waitFor(
      'the API to answer again after Postgres is back',
      async () => {
        const res = await app.inject({ method: 'GET', url: `/v1/jobs/${job.id}`, headers: bearer(t.key) });
        return res.statusCode === 200 && JobViewSchema.parse(res.json());
      },
      20_000,
      250,
    );
    expect(back.id).toBe(job.id);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    Object.assign(tally, {
      faultsInjected: tally.faultsInjected + 1,
      jobsSubmitted: tally.jobsSubmitted + 1,
    });
    ledger.push(`postgres cut: job rows lost 0 (job ${job.id.slice(0, 8)} readable after restore)`);
    pgDuring = during;
  });

  // Found by this suite (was 500 INTERNAL); fixed in 002d81e: an unreachable database is 503.
  it('during the Postgres outage every answer is 503 DEPENDENCY_UNAVAILABLE', () => {
    expect(pgDuring).toHaveLength(3);
    expect(pgDuring.map((d) => `${d.status} ${d.code}`)).toEqual(
      pgDuring.map(() => '503 DEPENDENCY_UNAVAILABLE'),
    );
  });

  it('Redis restarted while jobs are queued and running: no job lost or run twice', async () => {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'anet-rel-redis-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const redisArgs = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
      '--dir',
      dir,
    ];
    const startRedis = async () => {
      const r = spawn('redis-server', redisArgs, { stdio: 'ignore' });
      cleanups.push(async () => {
        if (r.exitCode === null) r.kill('SIGKILL');
      });
      const c = await waitFor('redis to listen', async () => rawClient(port).catch(() => null), 10_000, 50);
      c.socket.destroy();
      return r;
    };
    let redis = await startRedis();
    const REDIS_URL = `redis://127.0.0.1:${port}`;
    const queue = freshQueueName();
    const app = await buildTestApp({ REDIS_URL, QUEUE_NAME: queue, JOB_BACKOFF_MS: 500 });
    cleanups.push(() => app.close());
    const t = await newTenantKey(prisma, 'redisfault');
    const jobs: JobView[] = [];
    for (let i = 0; i < 4; i++) jobs.push(await submit(app, t.key));
    worker(queue, { REDIS_URL });

    await waitFor(
      'the first job to train',
      async () => (await prisma.job.findUnique({ where: { id: jobs[0].id } }))?.status === 'training',
      120_000,
      100,
    );
    // Restart: SIGTERM (Redis writes its AOF and exits), then the same command on the same port.
    redis.kill('SIGTERM');
    await new Promise((r) => redis.once('exit', r));
    const downAt = Date.now();
    await sleep(2_000);
    redis = await startRedis();
    console.log(`[redis] down for ${Date.now() - downAt} ms while job 1 trained and 3 were queued`);

    const ids = jobs.map((j) => j.id);
    await waitFor(
      'all jobs to finish',
      async () => {
        const rows = await prisma.job.findMany({ where: { id: { in: ids } }, select: { status: true } });
        return rows.every((r) => terminal(r.status));
      },
      420_000,
      500,
    );
    const rows = await prisma.job.findMany({ where: { id: { in: ids } } });
    const events = await prisma.jobEvent.findMany({ where: { jobId: { in: ids } } });
    const succeededOnce = ids.filter(
      (id) => events.filter((e) => e.jobId === id && e.to === 'succeeded').length === 1,
    );
    const lost = rows
      .filter((r) => r.status !== 'succeeded')
      .map((r) => `${r.id.slice(0, 8)}:${r.status}:${r.errorCode}`);
    const twice = ids.filter((id) => events.filter((e) => e.jobId === id && e.to === 'succeeded').length > 1);
    // BullMQ records completion just after the row says succeeded: wait for it before counting.
    await waitFor(
      'BullMQ to record 4 completions',
      async () => (await app.queue.getCompletedCount()) >= 4,
      30_000,
      100,
    ).catch(() => undefined);
    const completed = await app.queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
    tally.faultsInjected++;
    tally.jobsSubmitted += ids.length;
    tally.jobsLost += lost.length + (ids.length - rows.length);
    ledger.push(
      `redis restart: jobs 4, lost ${lost.length} ${lost.join(' ')}, succeeded twice ${twice.length}, queue ${JSON.stringify(completed)}`,
    );
    expect(lost).toEqual([]);
    expect(twice).toEqual([]);
    expect(succeededOnce).toHaveLength(4);
    expect(completed.completed).toBe(4);
    await app.queue.obliterate({ force: true });
  });

  it('S3 unreachable while the worker writes artifacts: the job retries and completes when S3 is back', async () => {
    const s3 = new URL(process.env.S3_ENDPOINT!);
    const proxy = await cuttableProxy(s3.hostname, Number(s3.port));
    cleanups.push(() => proxy.close());
    const app = await buildTestApp({ JOB_BACKOFF_MS: 1_000, JOB_ATTEMPTS: 6 });
    cleanups.push(async () => {
      await app.queue.obliterate({ force: true });
      await app.close();
    });
    const t = await newTenantKey(prisma, 's3fault');
    const job = await submit(app, t.key);
    worker(app.config.QUEUE_NAME, { S3_ENDPOINT: `http://127.0.0.1:${proxy.port}` });
    // Inference runs in memory; its end is the artifact upload: cut S3 as soon as inference starts.
    await waitFor(
      'the job to reach inferring',
      async () => {
        const s = (await prisma.job.findUnique({ where: { id: job.id } }))?.status;
        return s === 'inferring' || s === 'analysing' || terminal(s ?? '');
      },
      240_000,
      25,
    );
    proxy.cut();
    const cutAt = Date.now();
    // Hold the outage until the attempt has failed and the retry has begun (attempts ≥ 2), then restore.
    await waitFor(
      'a retry of the failed attempt',
      async () => ((await prisma.job.findUnique({ where: { id: job.id } }))?.attempts ?? 0) >= 2,
      60_000,
      100,
    );
    proxy.restore();
    console.log(`[s3] down for ${Date.now() - cutAt} ms during the artifact upload`);
    const done = await waitFor(
      'the job to finish after S3 is back',
      async () => {
        const r = await prisma.job.findUnique({ where: { id: job.id } });
        return r && terminal(r.status) && r;
      },
      300_000,
      250,
    );
    const artifacts = await prisma.artifact.findMany({ where: { jobId: job.id } });
    const objects = (await store.list(`tenants/${t.tenantId}/jobs/${job.id}/`)).map((o) => o.key);
    const artifactObjects = objects.filter((k) => k.includes('/artifacts/'));
    const stray = objects.filter((k) => !k.includes('/inputs/') && !k.includes('/artifacts/'));
    tally.faultsInjected++;
    tally.jobsSubmitted++;
    tally.jobsLost += done.status === 'succeeded' ? 0 : 1;
    tally.orphanObjects += stray.length;
    ledger.push(
      `s3 cut during upload: job ${done.status} after ${done.attempts} attempts, artifacts ${artifacts.length} rows / ${artifactObjects.length} objects, stray objects ${stray.length}`,
    );
    expect(done.status, `${done.errorCode} ${done.errorMessage}`).toBe('succeeded');
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(artifactObjects.sort()).toEqual(artifacts.map((a) => a.key).sort());
    expect(stray).toEqual([]); // checkpoints removed on success
    for (const a of artifacts) {
      const bytes = await store.getBytes(a.key);
      expect(bytes.byteLength).toBe(Number(a.bytes));
    }
  });

  it('cancel at the moment the worker starts a queued job: the job ends cancelled', async () => {
    const app = await buildTestApp();
    cleanups.push(async () => {
      await app.queue.obliterate({ force: true });
      await app.close();
    });
    const t = await newTenantKey(prisma, 'cancelrace');
    const job = await submit(app, t.key);
    worker(app.config.QUEUE_NAME);
    // The processor's first stage write comes only after the sandbox thread has loaded and read the
    // inputs: until then the row says `queued` although BullMQ has the job active.
    // The window: the processor has read the row and recorded its attempt (attempts = 1), but its first
    // stage write has not landed yet (status still `queued`).
    await waitFor(
      'the processor to start the attempt',
      async () => {
        const r = await prisma.job.findUnique({
          where: { id: job.id },
          select: { attempts: true, status: true },
        });
        return (r?.attempts ?? 0) >= 1 || r?.status !== 'queued';
      },
      120_000,
      5,
    );
    const rowBefore = await prisma.job.findUniqueOrThrow({ where: { id: job.id } });
    const res = await app.inject({
      method: 'POST',
      url: `/v1/jobs/${job.id}/cancel`,
      headers: bearer(t.key),
    });
    expect(res.statusCode).toBe(202);
    await waitFor(
      'the BullMQ job to end',
      async () => ['completed', 'failed', 'unknown'].includes(await app.queue.getJobState(job.id)),
      120_000,
      100,
    );
    await sleep(500);
    const row = await prisma.job.findUniqueOrThrow({ where: { id: job.id } });
    const events = await prisma.jobEvent.findMany({ where: { jobId: job.id }, orderBy: { id: 'asc' } });
    race = {
      hit: rowBefore.status === 'queued' && JobViewSchema.parse(res.json()).status === 'cancelled',
      events: events.map((e) => `${e.from ?? '-'}→${e.to}`),
    };
    console.log(`[cancel race] row was ${rowBefore.status} when cancelled; events ${race.events.join(', ')}`);
    expect(row.status).toBe('cancelled');
    tally.faultsInjected++;
    tally.jobsSubmitted++;
    ledger.push(
      `cancel while the worker takes the job: status ${row.status}, events ${race.events.join(' ')}`,
    );
  });

  // Found by this suite (the worker wrote a second cancelled→cancelled event); fixed in 5e404bb. When the
  // race was not reproduced in a run (race.hit false) only the event count is checked.
  it('a job cancelled as the worker takes it has exactly one terminal event', () => {
    expect(race).toBeDefined();
    expect(race!.events.filter((e) => /→(succeeded|failed|cancelled)$/.test(e))).toHaveLength(1);
  });

  it('an input the API accepts but the pipeline refuses (constant image) fails at once: its code, 1 attempt, nothing partial', async () => {
    const app = await buildTestApp({ JOB_BACKOFF_MS: 200 });
    cleanups.push(async () => {
      await app.queue.obliterate({ force: true });
      await app.close();
    });
    const t = await newTenantKey(prisma, 'badpipeline');
    const flat = writeNifti(
      { ...phantom.followup, data: new Float32Array(phantom.followup.data.length).fill(100) },
      { datatype: 'float32' },
    );
    const { payload, headers } = multipart(
      jobParts({ baseline: INPUTS.baseline, followup: flat, options: SMOKE }),
    );
    const res = await app.inject({
      method: 'POST',
      url: '/v1/jobs',
      payload,
      headers: { ...headers, ...bearer(t.key) },
    });
    if (res.statusCode === 422) {
      // Refused up front: even better; nothing to run.
      expect(isInputError(res.json().error.code as ErrorCode)).toBe(true);
      ledger.push('constant image: refused before 202');
      return;
    }
    expect(res.statusCode, res.body).toBe(202);
    const id = JobViewSchema.parse(res.json()).id;
    worker(app.config.QUEUE_NAME);
    const done = await waitFor(
      'the job to fail',
      async () => {
        const r = await prisma.job.findUnique({ where: { id } });
        return r && terminal(r.status) && r;
      },
      180_000,
      200,
    );
    // The row is closed before BullMQ records the failed attempt: wait for BullMQ too.
    await waitFor(
      'BullMQ to mark the job failed',
      async () => (await app.queue.getJobState(id)) === 'failed',
      30_000,
      100,
    );
    const bull = await app.queue.getJob(id);
    const partial = (await store.list(`tenants/${t.tenantId}/jobs/${id}/`))
      .map((o) => o.key)
      .filter((k) => !k.includes('/inputs/'));
    tally.jobsSubmitted++;
    ledger.push(
      `constant image: ${done.status} ${done.errorCode} after ${done.attempts} attempt(s), BullMQ attemptsMade ${bull?.attemptsMade}, partial objects ${partial.length}`,
    );
    expect(done.status).toBe('failed');
    // An input-class code (4xx): the brain mask of a constant image is empty (VALIDATION_FAILED) before
    // normalisation would say NIFTI_CONSTANT_IMAGE; either way no retry.
    expect(isInputError(done.errorCode as ErrorCode), String(done.errorCode)).toBe(true);
    expect(done.attempts).toBe(1);
    expect(bull?.attemptsMade).toBe(1);
    expect(partial).toEqual([]);
    expect(await prisma.artifact.count({ where: { jobId: id } })).toBe(0);
  });

  it('API killed (SIGKILL) mid-upload: no job row, and the orphan objects are swept by the restarted API', async () => {
    const bucket = `anet-rel-${randomBytes(4).toString('hex')}`;
    const port = await freePort();
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      QUEUE_NAME: freshQueueName(),
      S3_BUCKET: bucket,
      RECONCILE_INTERVAL_MS: '1000',
      ORPHAN_UPLOAD_AGE_MS: '3000',
    };
    const own = new ObjectStore({
      endpoint: process.env.S3_ENDPOINT,
      region: 'us-east-1',
      bucket,
      accessKeyId: process.env.S3_ACCESS_KEY_ID!,
      secretAccessKey: process.env.S3_SECRET_ACCESS_KEY!,
      forcePathStyle: true,
    });
    cleanups.push(async () => own.close());
    const startApi = async () => {
      const c = child(API_SERVER, env);
      await waitFor(
        'the API to listen',
        async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.ok,
        60_000,
        100,
      );
      return c;
    };
    let api = await startApi();
    const t = await newTenantKey(prisma, 'apikill');
    const { payload, headers } = multipart(jobParts({ ...INPUTS, options: SMOKE }));
    const c = await rawClient(port);
    await c.write(
      `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.key}\r\n` +
        `Content-Type: ${headers['content-type']}\r\nContent-Length: ${payload.length}\r\n\r\n`,
    );
    // The baseline and most of the follow-up: the baseline object is in S3 when the API dies.
    await c.write(payload.subarray(0, Math.floor(payload.length * 0.8)));
    const stored = await waitFor(
      'the baseline to reach S3',
      async () => {
        const keys = (await own.list(`tenants/${t.tenantId}/`)).map((o) => o.key);
        return keys.length > 0 && keys;
      },
      20_000,
      50,
    );
    api.kill('SIGKILL');
    await new Promise((r) => api.once('exit', r));
    c.socket.destroy();
    expect(await prisma.job.count({ where: { tenantId: t.tenantId } })).toBe(0);
    console.log(`[api kill] orphans after SIGKILL: ${stored.join(', ')}`);

    api = await startApi();
    const sweptIn = Date.now();
    await waitFor(
      'the reconciler to sweep the orphans',
      async () => (await own.list(`tenants/${t.tenantId}/`)).length === 0,
      30_000,
      250,
    );
    const rows = await prisma.job.count({ where: { tenantId: t.tenantId } });
    tally.faultsInjected++;
    tally.orphanObjects += (await own.list(`tenants/${t.tenantId}/`)).length;
    ledger.push(
      `api SIGKILL mid-upload: job rows 0 (got ${rows}), orphan objects ${stored.length} → 0 swept ${Date.now() - sweptIn} ms after restart`,
    );
    expect(rows).toBe(0);
    api.kill('SIGTERM');
    await new Promise((r) => api.once('exit', r));
  });
});
