// Load (long part: `npm run test:reliability`): 4 tenants submit 200 jobs at once against the real API
// (Postgres, Redis, s3rver) with one worker process. Checks: every job accepted once, one row and one
// queue entry each, queue depth in /metrics, GET /v1/jobs/:id throughput under that load (autocannon),
// the order the worker takes jobs in (fairness across tenants), and that every job reaches exactly one
// terminal state. On two shared cores a smoke job takes ~10–20 s, so by default only the first
// REL_LOAD_RUN jobs are run to completion and the rest are cancelled through the API (also under load);
// REL_LOAD_RUN=200 runs them all (hours here). Knobs: REL_LOAD_JOBS, REL_LOAD_RUN, REL_LOAD_EPOCHS.
import { execFile, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { PrismaClient } from '@anet/db';
import { JobViewSchema, type JobView } from '@anet/contracts';
import { writeNifti } from '@anet/nifti';
import { makePhantomPair } from '@anet/preprocess';
import { bearer, buildTestApp, jobParts, multipart, newTenantKey, testPrisma } from '../../service/helpers';
import { waitFor } from '../helpers';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WORKER_MAIN = join(ROOT, 'apps/worker/src/main.ts');
const AUTOCANNON = join(ROOT, 'node_modules/autocannon/autocannon.js');

const JOBS = Number(process.env.REL_LOAD_JOBS ?? 200);
const RUN = Math.min(JOBS, Number(process.env.REL_LOAD_RUN ?? 6));
const EPOCHS = Number(process.env.REL_LOAD_EPOCHS ?? 1);
const TENANTS = 4;

const phantom = makePhantomPair({ seed: 31, dims: [32, 32, 12], change: 2 });
const INPUTS = {
  baseline: writeNifti(phantom.baseline, { datatype: 'float32' }),
  followup: writeNifti(phantom.followup, { datatype: 'float32' }),
};

let prisma: PrismaClient;
let app: FastifyInstance;
let port: number;
const tenants: Array<{ label: string; tenantId: string; key: string }> = [];
const submitted: Array<{ tenant: string; job: JobView; at: number }> = [];
const figures: Record<string, unknown> = {};
let workerProc: ReturnType<typeof spawn> | undefined;

beforeAll(async () => {
  prisma = testPrisma();
  // Queue depth is a private figure: served on /metrics only with the token.
  app = await buildTestApp({ RATE_LIMIT_MAX: 1_000_000, METRICS_TOKEN: LOAD_METRICS_TOKEN });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
  for (const label of ['A', 'B', 'C', 'D'])
    tenants.push({ label, ...(await newTenantKey(prisma, `load${label}`)) });
});

afterAll(async () => {
  if (workerProc && workerProc.exitCode === null) {
    workerProc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 3000));
    if (workerProc.exitCode === null) workerProc.kill('SIGKILL');
  }
  await app.queue.obliterate({ force: true }).catch(() => undefined);
  await app.close();
  await prisma.$disconnect();
  const out = process.env.REL_LOAD_FIGURES;
  if (out) await writeFile(out, JSON.stringify(figures, null, 2));
  console.log(`\n[reliability load] ${JSON.stringify(figures, null, 2)}\n`);
});

async function submit(t: (typeof tenants)[number], i: number): Promise<void> {
  const { payload, headers } = multipart(
    jobParts({
      ...INPUTS,
      options: { profile: 'smoke', clientReference: `${t.label}-${i}`, overrides: { epochs: EPOCHS } },
    }),
  );
  const res = await fetch(`http://127.0.0.1:${port}/v1/jobs`, {
    method: 'POST',
    body: payload,
    headers: { ...headers, ...bearer(t.key), 'idempotency-key': `${t.label}-${i}` },
  });
  const body = await res.json();
  if (res.status !== 202) throw new Error(`submit ${t.label}-${i}: ${res.status} ${JSON.stringify(body)}`);
  submitted.push({ tenant: t.label, job: JobViewSchema.parse(body), at: Date.now() });
}

/** Runs `n` submissions of one tenant, `conc` at a time. */
async function burst(t: (typeof tenants)[number], n: number, conc = 4): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (next < n) await submit(t, next++);
    }),
  );
}

async function cannon(key: string, id: string, seconds: number) {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      AUTOCANNON,
      '-j',
      '-d',
      String(seconds),
      '-c',
      '20',
      '-H',
      `authorization=Bearer ${key}`,
      `http://127.0.0.1:${port}/v1/jobs/${id}`,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const r = JSON.parse(stdout) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
  };
  return {
    reqPerSec: r.requests.average,
    p50ms: r.latency.p50,
    p99ms: r.latency.p99,
    total: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

const promValue = (text: string, metric: string, label: string) =>
  Number(new RegExp(`^${metric}\\{state="${label}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);

const LOAD_METRICS_TOKEN = 'load-test-metrics-token';

describe('load', () => {
  it(`${JOBS} jobs by ${TENANTS} tenants: each accepted once, one row and one queue entry each, depth in /metrics`, async () => {
    const per = JOBS / TENANTS;
    const t0 = Date.now();
    // Tenant A's whole batch lands first (a hospital uploading its backlog), then B, C and D at once:
    // the case where a FIFO queue makes everyone wait behind A.
    await burst(tenants[0], per);
    await Promise.all(tenants.slice(1).map((t) => burst(t, per)));
    figures.submitSeconds = (Date.now() - t0) / 1000;
    figures.submitPerSecond = Math.round((JOBS / ((Date.now() - t0) / 1000)) * 10) / 10;

    const ids = submitted.map((s) => s.job.id);
    expect(new Set(ids).size).toBe(JOBS);
    const rows = await prisma.job.count({ where: { id: { in: ids } } });
    const queued = await app.queue.getJobs(['waiting', 'active', 'delayed', 'prioritized']);
    expect(rows).toBe(JOBS);
    expect(queued.map((j) => j.id).sort()).toEqual([...ids].sort());
    const metrics = await (
      await fetch(`http://127.0.0.1:${port}/metrics`, { headers: bearer(LOAD_METRICS_TOKEN) })
    ).text();
    // Jobs carry a fair-share priority, so they wait in BullMQ's 'prioritized' set (plain 'waiting'
    // holds only unprioritized ones, e.g. re-enqueued by the reconciler).
    const depth =
      promValue(metrics, 'anet_queue_depth', 'waiting') +
      promValue(metrics, 'anet_queue_depth', 'prioritized');
    figures.metricsQueueWaiting = depth;
    expect(depth).toBe(JOBS);

    // The order a single worker will take them in: unprioritized first, then by priority, then arrival.
    const order = [
      ...(await app.queue.getJobs(['waiting'], 0, -1, true)),
      ...(await app.queue.getJobs(['prioritized'], 0, -1, true)),
    ].map((j) => j.id);
    const tenantOf = new Map(submitted.map((s) => [s.job.id, s.tenant]));
    const firstRank: Record<string, number> = {};
    order.forEach((id, rank) => (firstRank[tenantOf.get(id!)!] ??= rank + 1));
    figures.queueRankOfEachTenantsFirstJob = firstRank;
  });

  it(`GET /v1/jobs/:id under that load (one worker running; autocannon 10 s, 20 connections)`, async () => {
    const target = submitted[JOBS - 1];
    const key = tenants.find((t) => t.label === target.tenant)!.key;
    // Same process, same machine, before the worker starts: the baseline for the ratio.
    const idle = await cannon(key, target.job.id, 5);
    figures.statusEndpointNoWorker = idle;
    workerProc = spawn(process.execPath, ['--import', 'tsx', WORKER_MAIN], {
      cwd: ROOT,
      env: {
        ...process.env,
        QUEUE_NAME: app.config.QUEUE_NAME,
        WORKER_HEALTH_PORT: '0',
        LOG_LEVEL: 'silent',
      },
      stdio: 'ignore',
    });
    await waitFor(
      'the worker to start the first job',
      async () =>
        (await prisma.job.count({
          where: { id: { in: submitted.map((s) => s.job.id) }, status: { not: 'queued' } },
        })) > 0,
      120_000,
      200,
    );
    const r = await cannon(key, target.job.id, 10);
    figures.statusEndpointUnderLoad = {
      ...r,
      ratioToNoWorker: Math.round((r.reqPerSec / idle.reqPerSec) * 100) / 100,
      targets:
        'issue 6: ≥ 3000 req/s, p99 ≤ 50 ms (idle machine); here the worker trains on the same 2 shared cores',
    };
    for (const x of [idle, r]) {
      expect(x.non2xx).toBe(0);
      expect(x.errors).toBe(0);
      expect(x.total).toBeGreaterThan(0);
    }
  });

  it(`the worker runs ${RUN} jobs to success in queue order; the rest are cancelled; every job ends exactly once`, async () => {
    const ids = submitted.map((s) => s.job.id);
    const t0 = Date.now();
    await waitFor(
      `${RUN} jobs to succeed`,
      async () => (await prisma.job.count({ where: { id: { in: ids }, status: 'succeeded' } })) >= RUN,
      RUN * 120_000,
      500,
    );
    void t0;
    // Cancel everything still queued through the API (the running one finishes or stops at its next step).
    const cancelStart = Date.now();
    const cancelled = { ok: 0, notCancellable: 0 };
    for (const s of submitted) {
      const key = tenants.find((t) => t.label === s.tenant)!.key;
      const res = await fetch(`http://127.0.0.1:${port}/v1/jobs/${s.job.id}/cancel`, {
        method: 'POST',
        headers: bearer(key),
      });
      if (res.status === 202) cancelled.ok++;
      else if (res.status === 409) cancelled.notCancellable++;
      else throw new Error(`cancel ${s.job.id}: ${res.status} ${await res.text()}`);
    }
    figures.cancel = { ...cancelled, seconds: (Date.now() - cancelStart) / 1000 };
    await waitFor(
      'every job to reach a terminal state',
      async () =>
        (await prisma.job.count({
          where: { id: { in: ids }, status: { in: ['succeeded', 'failed', 'cancelled'] } },
        })) === JOBS,
      300_000,
      500,
    );
    const rows = await prisma.job.findMany({ where: { id: { in: ids } }, orderBy: { startedAt: 'asc' } });
    const events = await prisma.jobEvent.findMany({
      where: { jobId: { in: ids }, to: { in: ['succeeded', 'failed', 'cancelled'] } },
    });
    const terminalEvents = new Map<string, number>();
    for (const e of events) terminalEvents.set(e.jobId, (terminalEvents.get(e.jobId) ?? 0) + 1);
    const byStatus: Record<string, number> = {};
    for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    const twice = ids.filter((id) => (terminalEvents.get(id) ?? 0) !== 1);
    const lost = JOBS - rows.length;
    const tenantOf = new Map(submitted.map((s) => [s.job.id, s.tenant]));
    const started = rows.filter((r) => r.startedAt).map((r) => tenantOf.get(r.id));
    figures.outcome = { submitted: JOBS, ...byStatus, lost, notExactlyOneTerminalEvent: twice.length };
    figures.processingOrderByTenant = started.join('');
    const done = rows.filter((r) => r.status === 'succeeded' && r.startedAt && r.finishedAt);
    figures.secondsPerSucceededJob =
      Math.round(
        (done.reduce((a, r) => a + (r.finishedAt!.getTime() - r.startedAt!.getTime()), 0) /
          done.length /
          1000) *
          10,
      ) / 10;
    if (twice.length) {
      const all = await prisma.jobEvent.findMany({ where: { jobId: { in: twice } }, orderBy: { id: 'asc' } });
      figures.notExactlyOneTerminalEventDetail = twice.map((id) => ({
        job: `${tenantOf.get(id)}:${id.slice(0, 8)}`,
        events: all
          .filter((e) => e.jobId === id)
          .map((e) => `${e.from ?? '-'}→${e.to}${e.detail ? ' ' + JSON.stringify(e.detail) : ''}`),
      }));
    }
    expect(lost).toBe(0);
    // Exactly one terminal event per job, agreeing with the row. (The cancel race that wrote a second
    // cancelled→cancelled event when a job was cancelled as the worker took it — found here, 4–9 of 194
    // cancels — is fixed in 5e404bb.)
    expect(twice).toEqual([]);
    const bad = rows.filter((r) => {
      const ends = events.filter((e) => e.jobId === r.id).map((e) => e.to);
      return ends.length === 0 || ends.some((t) => t !== r.status);
    });
    expect(bad.map((r) => r.id)).toEqual([]);
    expect(byStatus.succeeded).toBeGreaterThanOrEqual(RUN);
    expect(byStatus.failed ?? 0).toBe(0);
  });

  // Found by this suite (the queue was pure FIFO: B's first job waited behind all of A's) and fixed
  // with a fair-share priority per job (a tenant's n-th waiting job gets priority n).
  it("fairness — every tenant's first job is among the first 4 the worker takes", () => {
    const ranks = figures.queueRankOfEachTenantsFirstJob as Record<string, number>;
    expect(Object.keys(ranks)).toHaveLength(TENANTS);
    for (const r of Object.values(ranks)) expect(r).toBeLessThanOrEqual(TENANTS);
  });
});
