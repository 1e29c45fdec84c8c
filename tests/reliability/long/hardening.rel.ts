// Slow fault cases of issue 14 (`npm run test:reliability`): a Redis outage on the test's own Redis,
// the amplification upload and the worker's memory across two large jobs, an API SIGKILL mid-upload
// followed by the multipart sweep, and slow/idle bodies. Each prints what it tried, what came back,
// what was left behind and the memory it cost; bench/reliability.bench.ts reads the figures.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { PrismaClient } from '@anet/db';
import { JobViewSchema } from '@anet/contracts';
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
import { freePort, parseRawResponse, rawClient, sleep, waitFor } from '../helpers';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WORKER_MAIN = join(ROOT, 'apps/worker/src/main.ts');
const API_SERVER = join(ROOT, 'apps/api/src/server.ts');

const phantom = makePhantomPair({ seed: 31, dims: [40, 40, 16], change: 2 });
const INPUTS = {
  baseline: writeNifti(phantom.baseline, { datatype: 'float32' }),
  followup: writeNifti(phantom.followup, { datatype: 'float32' }),
};
const SMOKE = { profile: 'smoke', baselineVolumeMl: 4, overrides: { epochs: 6, checkpointEvery: 2 } };

let prisma: PrismaClient;
let store: ObjectStore;
const cleanups: Array<() => Promise<unknown>> = [];
/** One row per case for bench/results/reliability.md. */
const rows: Array<{
  case: string;
  tried: string;
  statuses: string;
  left: string;
  memory: string;
}> = [];

beforeAll(() => {
  prisma = testPrisma();
  store = testStore();
});
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});
afterAll(async () => {
  console.log(
    `\n[reliability hardening]\n${rows.map((r) => `  ${r.case}: tried ${r.tried}; ${r.statuses}; left ${r.left}; ${r.memory}`).join('\n')}\n`,
  );
  if (process.env.REL_HARDENING_FIGURES)
    await writeFile(process.env.REL_HARDENING_FIGURES, JSON.stringify(rows, null, 2));
  await prisma.$disconnect();
  store.close();
});

function child(script: string, env: Record<string, string>, onStderr?: (s: string) => void): ChildProcess {
  const c = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  c.stdout?.on('data', (d) => onStderr?.(String(d)));
  c.stderr?.on('data', (d) => onStderr?.(String(d)));
  cleanups.push(async () => {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await new Promise((r) => c.once('exit', r));
    }
  });
  return c;
}

/** Resident and peak resident memory of a process (Linux /proc), in MiB. */
async function rss(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
}
const mib = (bytes: number) => Math.round(bytes / 1024 ** 2);

async function submit(app: FastifyInstance, key: string, parts = jobParts({ ...INPUTS, options: SMOKE })) {
  const { payload, headers } = multipart(parts);
  return app.inject({ method: 'POST', url: '/v1/jobs', payload, headers: { ...headers, ...bearer(key) } });
}

const terminal = (s: string) => ['succeeded', 'failed', 'cancelled'].includes(s);

describe('hardening faults', () => {
  it('1: Redis down → reads from Postgres, writes 503 + Retry-After fast, a 202 cancel is kept, probes time out', async () => {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'anet-rel-redis-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const startRedis = async () => {
      const r = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--appendfsync', 'always'],
        { stdio: 'ignore', cwd: dir },
      );
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
    const log: string[] = [];
    const { Writable } = await import('node:stream');
    const app = await buildTestApp(
      { REDIS_URL, QUEUE_NAME: queue, HEALTH_PROBE_TIMEOUT_MS: 1000, JOB_BACKOFF_MS: 500 },
      {
        logger: {
          level: 'info',
          stream: new Writable({
            write(c, _e, cb) {
              log.push(String(c));
              cb();
            },
          }),
        } as never,
      },
    );
    cleanups.push(() => app.close());
    const t = await newTenantKey(prisma, 'redisdown');
    const a = JobViewSchema.parse((await submit(app, t.key)).json());
    const b = JobViewSchema.parse((await submit(app, t.key)).json());
    // The worker's health server answers on a known port so /readyz can be asked during the outage.
    const healthPort = await freePort();
    const worker = child(WORKER_MAIN, {
      REDIS_URL,
      QUEUE_NAME: queue,
      WORKER_HEALTH_PORT: String(healthPort),
      HEALTH_PROBE_TIMEOUT_MS: '1000',
      CANCEL_POLL_MS: '200',
    });
    await waitFor(
      'job A to start',
      async () => (await prisma.job.findUnique({ where: { id: a.id } }))?.status !== 'queued',
      120_000,
      100,
    );

    redis.kill('SIGKILL');
    await new Promise((r) => redis.once('exit', r));
    await sleep(300);
    const answers: Array<{ what: string; status: number; code?: string; retryAfter?: string; ms: number }> =
      [];
    const ask = async (what: string, method: 'GET' | 'POST', url: string, parts?: boolean) => {
      const t0 = Date.now();
      const res = parts
        ? await submit(app, t.key)
        : await app.inject({ method, url, headers: bearer(t.key) });
      answers.push({
        what,
        status: res.statusCode,
        code: res.statusCode >= 400 ? res.json().error?.code : undefined,
        retryAfter: res.headers['retry-after'] as string | undefined,
        ms: Date.now() - t0,
      });
      return res;
    };
    await ask('GET job', 'GET', `/v1/jobs/${a.id}`);
    await ask('GET list', 'GET', '/v1/jobs');
    await ask('POST job', 'POST', '/v1/jobs', true);
    const cancel = await ask('POST cancel', 'POST', `/v1/jobs/${b.id}/cancel`);
    await ask('GET metrics', 'GET', '/metrics');
    await ask('GET readyz', 'GET', '/readyz');
    const w0 = Date.now();
    const workerReady = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
    answers.push({ what: 'worker readyz', status: workerReady.status, ms: Date.now() - w0 });
    console.log('[redis down] answers', JSON.stringify(answers));

    const by = (w: string) => answers.find((x) => x.what === w)!;
    expect(by('GET job').status).toBe(200);
    expect(by('GET list').status).toBe(200);
    expect(by('POST job')).toMatchObject({ status: 503, code: 'DEPENDENCY_UNAVAILABLE', retryAfter: '5' });
    expect(by('POST cancel').status).toBe(202);
    expect(JobViewSchema.parse(cancel.json()).status).toBe('cancelled');
    expect(by('GET metrics').status).toBe(200);
    expect(by('GET readyz').status).toBe(503);
    expect(by('worker readyz').status).toBe(503);
    for (const x of answers) expect(x.ms, x.what).toBeLessThan(2_500);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(Number(/^anet_rate_limit_fallback_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    const warned = log
      .join('')
      .split('\n')
      .filter((l) => l.includes('rate limiter counts in process memory'));
    expect(warned).toHaveLength(1);

    redis = await startRedis();
    await waitFor(
      'job A to finish after Redis is back',
      async () => terminal((await prisma.job.findUniqueOrThrow({ where: { id: a.id } })).status),
      300_000,
      250,
    );
    // B stayed in BullMQ (Redis was down at the cancel): the worker takes it, reads the row, skips it.
    await waitFor(
      'the worker to skip the cancelled job',
      async () => ['completed', 'unknown'].includes(await app.queue.getJobState(b.id)),
      60_000,
      250,
    );
    const rowsLeft = await prisma.job.findMany({ where: { tenantId: t.tenantId } });
    const bRow = rowsLeft.find((r) => r.id === b.id)!;
    const bEvents = await prisma.jobEvent.findMany({ where: { jobId: b.id }, orderBy: { id: 'asc' } });
    const waiting = await app.queue.getJobs(['waiting', 'prioritized', 'active', 'delayed']);
    const apiMem = process.memoryUsage();
    const workerMem = await rss(worker.pid!);
    expect(rowsLeft.find((r) => r.id === a.id)!.status).toBe('succeeded');
    expect(bRow.status).toBe('cancelled');
    expect(bRow.attempts).toBe(0); // never run
    expect(bEvents.map((e) => `${e.from ?? '-'}→${e.to}`)).toEqual(['-→queued', 'queued→cancelled']);
    expect(rowsLeft).toHaveLength(2); // the 503 POST left no row
    rows.push({
      case: 'Redis killed (own redis-server, SIGKILL) while job A trains and B waits',
      tried: `${answers.length} requests during the outage`,
      statuses: answers
        .map((x) => `${x.what} ${x.status}${x.code ? ` ${x.code}` : ''} ${x.ms} ms`)
        .join(', '),
      left: `rows 2 (A succeeded, B cancelled with 0 attempts, events ${bEvents.length}), queue entries waiting ${waiting.length}`,
      memory: `API heap ${mib(apiMem.heapUsed)} MiB / RSS ${mib(apiMem.rss)} MiB (test process), worker RSS ${workerMem.rss} MiB peak ${workerMem.peak} MiB`,
    });
    await app.queue.obliterate({ force: true });
  });

  it('2: the amplification upload is refused before 202; two large jobs in a row leave the worker no bigger', async () => {
    const app = await buildTestApp();
    cleanups.push(async () => {
      await app.queue.obliterate({ force: true });
      await app.close();
    });
    const t = await newTenantKey(prisma, 'amplify');
    // The probe's file: a header declaring 512³ uint8 and the whole image as zeros (~130 KB gzipped).
    const small = writeNifti(
      {
        data: new Float32Array(8),
        dims: [2, 2, 2],
        spacing: [1, 1, 1],
        affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
      },
      { datatype: 'uint8' },
    );
    const { gunzipSync } = await import('node:zlib');
    const header = Buffer.from(gunzipSync(small)).subarray(0, 352);
    for (const [i, d] of [512, 512, 512].entries()) header.writeInt16LE(d, 42 + 2 * i);
    const bomb = new Uint8Array(gzipSync(Buffer.concat([header, Buffer.alloc(512 ** 3)]), { level: 1 }));
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    const refused = await submit(app, t.key, jobParts({ baseline: bomb, followup: bomb, options: SMOKE }));
    const cpu = process.cpuUsage(cpu0);
    const refusedMs = Date.now() - t0;
    expect(refused.statusCode, refused.body).toBe(413);
    expect(refused.json().error.code).toBe('NIFTI_TOO_LARGE');
    const refusedLeft = (await store.list(`tenants/${t.tenantId}/`)).length;
    expect(refusedLeft).toBe(0);

    // Two jobs on a larger grid, one after the other, on one worker process.
    const big = makePhantomPair({ seed: 5, dims: [96, 96, 48], change: 2 });
    const parts = jobParts({
      baseline: writeNifti(big.baseline, { datatype: 'float32' }),
      followup: writeNifti(big.followup, { datatype: 'float32' }),
      options: { profile: 'smoke', baselineVolumeMl: 4, overrides: { epochs: 2 } },
    });
    const worker = child(WORKER_MAIN, { QUEUE_NAME: app.config.QUEUE_NAME, WORKER_HEALTH_PORT: '0' });
    await sleep(3_000);
    const idle = await rss(worker.pid!);
    const after: Array<{ rss: number; peak: number }> = [];
    for (let i = 0; i < 2; i++) {
      const job = JobViewSchema.parse((await submit(app, t.key, parts)).json());
      const done = await waitFor(
        `large job ${i + 1}`,
        async () => {
          const r = await prisma.job.findUnique({ where: { id: job.id } });
          return r && terminal(r.status) && r;
        },
        300_000,
        250,
      );
      expect(done.status, `${done.errorCode} ${done.errorMessage}`).toBe('succeeded');
      await sleep(3_000); // the ended sandbox thread exits
      after.push(await rss(worker.pid!));
    }
    console.log(
      `[amplification] worker RSS idle ${idle.rss} MiB, after jobs ${after.map((a) => `${a.rss} (peak ${a.peak})`).join(', ')} MiB`,
    );
    // Memory goes back: after each job the worker holds far less than its peak, and the second
    // job leaves it no bigger than the first did.
    expect(after[1].rss).toBeLessThan(after[0].rss + 64);
    expect(after[1].rss).toBeLessThan(idle.rss + 0.5 * (after[1].peak - idle.rss) + 64);
    rows.push({
      case: 'amplification: 512³ uint8 declared in a 130 KB .nii.gz; then two 96×96×48 jobs on one worker',
      tried: `1 upload of ${Math.round(bomb.byteLength / 1024)} KB ×2 parts + 2 jobs`,
      statuses: `413 NIFTI_TOO_LARGE in ${refusedMs} ms (${Math.round((cpu.user + cpu.system) / 1000)} ms CPU); jobs succeeded ×2`,
      left: `objects after the 413: ${refusedLeft}`,
      memory: `worker RSS idle ${idle.rss} MiB → after job 1 ${after[0].rss} MiB, after job 2 ${after[1].rss} MiB (peak ${after[1].peak} MiB)`,
    });
  });

  it('3: API SIGKILL mid-upload → the restarted API aborts the stale multipart upload and sweeps the objects', async () => {
    const bucket = `anet-rel-${randomBytes(4).toString('hex')}`;
    const port = await freePort();
    const env = {
      PORT: String(port),
      QUEUE_NAME: freshQueueName(),
      S3_BUCKET: bucket,
      RECONCILE_INTERVAL_MS: '1000',
      ORPHAN_UPLOAD_AGE_MS: '3000',
      LOG_LEVEL: 'info',
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
    let apiLog = '';
    const startApi = async () => {
      const c = child(API_SERVER, env, (s) => (apiLog += s));
      await waitFor(
        'the API to listen',
        async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.ok,
        60_000,
        100,
      );
      return c;
    };
    let api = await startApi();
    const t = await newTenantKey(prisma, 'mpukill');
    // Noise compresses badly: the baseline is a multipart upload (> 5 MiB) still in progress at the kill.
    let x = 99;
    const noise = new Float32Array(128 * 128 * 128).map(() => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 4294967296;
    });
    const big = writeNifti(
      {
        data: noise,
        dims: [128, 128, 128],
        spacing: [1, 1, 1],
        affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
      },
      { datatype: 'float32' },
    );
    const { payload, headers } = multipart(jobParts({ baseline: big, followup: big, options: SMOKE }));
    const c = await rawClient(port);
    await c.write(
      `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.key}\r\n` +
        `Content-Type: ${headers['content-type']}\r\nContent-Length: ${payload.length}\r\n\r\n`,
    );
    await c.write(payload.subarray(0, Math.floor(big.byteLength * 0.8)));
    await waitFor(
      'a multipart upload to be in progress',
      async () => (await own.listMultipartUploads(`tenants/${t.tenantId}/`).catch(() => [])).length > 0,
      20_000,
      50,
    );
    const apiMem = await rss(api.pid!);
    api.kill('SIGKILL');
    await new Promise((r) => api.once('exit', r));
    c.socket.destroy();
    const pendingAfterKill = (await own.listMultipartUploads(`tenants/${t.tenantId}/`)).length;
    const objectsAfterKill = (await own.list(`tenants/${t.tenantId}/`)).length;
    expect(pendingAfterKill).toBeGreaterThan(0);
    apiLog = '';
    api = await startApi();
    const t0 = Date.now();
    await waitFor(
      'the reconciler to abort the stale multipart upload and sweep orphans',
      async () =>
        (await own.listMultipartUploads(`tenants/${t.tenantId}/`)).length === 0 &&
        (await own.list(`tenants/${t.tenantId}/`)).length === 0,
      30_000,
      250,
    );
    const sweptMs = Date.now() - t0;
    const jobRows = await prisma.job.count({ where: { tenantId: t.tenantId } });
    expect(jobRows).toBe(0);
    expect(apiLog).toMatch(/reconciler aborted a stale multipart upload/);
    // No error-level line (pino level 50) from the restarted API.
    expect(apiLog.split('\n').filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
    rows.push({
      case: 'API SIGKILL mid-upload (multipart in progress), restart',
      tried: '1 upload of 2 × 8 MiB, killed at ~40 %',
      statuses: 'no answer (killed); restarted API: no error log line',
      left: `after kill: ${pendingAfterKill} multipart upload(s), ${objectsAfterKill} object(s), 0 rows → 0 / 0 / 0 in ${sweptMs} ms`,
      memory: `API RSS ${apiMem.rss} MiB at the kill (peak ${apiMem.peak} MiB)`,
    });
    api.kill('SIGTERM');
    await new Promise((r) => api.once('exit', r));
  });

  it('5: idle and trickling bodies are cut off (408 / total timeout), sockets are freed, nothing is left', async () => {
    const app = await buildTestApp({
      UPLOAD_IDLE_TIMEOUT_MS: 2_000,
      REQUEST_TIMEOUT_MS: 6_000,
      MAX_CONCURRENT_UPLOADS_PER_TENANT: 100,
    });
    cleanups.push(async () => {
      await app.queue.obliterate({ force: true });
      await app.close();
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const t = await newTenantKey(prisma, 'slowbody');
    const { payload, headers } = multipart(jobParts({ ...INPUTS, options: SMOKE }));
    const head =
      `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.key}\r\n` +
      `Content-Type: ${headers['content-type']}\r\nContent-Length: ${payload.length}\r\n\r\n`;
    const N = 40;
    const start = Date.now();
    // Half go idle after 1 KB; half trickle one byte every 500 ms (never idle, always too slow).
    const idle = await Promise.all(
      Array.from({ length: N / 2 }, async () => {
        const c = await rawClient(port);
        await c.write(head);
        await c.write(payload.subarray(0, 1024));
        return c;
      }),
    );
    const trickle = await Promise.all(
      Array.from({ length: N / 2 }, async () => {
        const c = await rawClient(port);
        await c.write(head);
        return c;
      }),
    );
    let closedTrickles = 0;
    for (const c of trickle) void c.closed.then(() => closedTrickles++);
    for (let i = 0; i < 20 && closedTrickles < trickle.length; i++) {
      await Promise.all(trickle.map((c) => c.write(payload.subarray(i, i + 1))));
      await sleep(500);
    }
    const idleClosed = await Promise.all(idle.map((c) => c.closed));
    const trickleClosed = await Promise.all(trickle.map((c) => c.closed));
    const idleStatuses = idle.map((c) => parseRawResponse(c.received()).status);
    const idleSeconds = Math.max(...idleClosed.map((c) => c.at - start)) / 1000;
    const trickleSeconds = Math.max(...trickleClosed.map((c) => c.at - start)) / 1000;
    await sleep(500);
    const openSockets = await new Promise<number>((r) => app.server.getConnections((_e, n) => r(n)));
    const left = (await store.list(`tenants/${t.tenantId}/`)).length;
    const pending = (await store.listMultipartUploads(`tenants/${t.tenantId}/`)).length;
    const mem = process.memoryUsage();
    console.log(
      `[slow bodies] idle → ${idleStatuses.join(',')} within ${idleSeconds} s; trickle closed within ${trickleSeconds} s; open sockets ${openSockets}`,
    );
    expect(new Set(idleStatuses)).toEqual(new Set([408]));
    expect(idleSeconds).toBeLessThan(5);
    expect(trickleSeconds).toBeLessThan(9);
    expect(openSockets).toBe(0);
    expect(left).toBe(0);
    expect(pending).toBe(0);
    expect(await prisma.job.count({ where: { tenantId: t.tenantId } })).toBe(0);
    rows.push({
      case: 'slow bodies: 20 idle after 1 KB (idle limit 2 s) + 20 trickling 1 B/500 ms (total limit 6 s)',
      tried: `${N} uploads`,
      statuses: `idle: 408 ×${idleStatuses.filter((s) => s === 408).length} within ${idleSeconds} s; trickling: closed within ${trickleSeconds} s`,
      left: `open sockets ${openSockets}, objects ${left}, multipart uploads ${pending}, rows 0`,
      memory: `test process (API in-process) heap ${mib(mem.heapUsed)} MiB, RSS ${mib(mem.rss)} MiB`,
    });
  });
});
