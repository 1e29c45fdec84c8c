import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createTempDatabase, runMigrations, type PrismaClient } from '@anet/db';
import { ErrorBodySchema, JobListResponseSchema, JobViewSchema } from '@anet/contracts';
import { revokeApiKey } from '@anet/api/apiKeys';
import { jobPrefix, type ObjectStore } from '@anet/api/storage';
import {
  bearer,
  buildTestApp,
  jobParts,
  multipart,
  newTenantKey,
  SYNTHETIC_AFFINE,
  syntheticMask,
  syntheticNifti,
  testPrisma,
  testStore,
  uncompressed,
} from './helpers';

let prisma: PrismaClient;
let store: ObjectStore;
let app: FastifyInstance | undefined;

beforeAll(() => {
  prisma = testPrisma();
  store = testStore();
});
afterAll(async () => {
  await prisma.$disconnect();
  store.close();
});
afterEach(async () => {
  if (app) {
    await app.queue.obliterate({ force: true }).catch(() => undefined);
    await app.close();
  }
  app = undefined;
});

async function post(
  a: FastifyInstance,
  key: string,
  parts = jobParts(),
  headers: Record<string, string> = {},
) {
  const { payload, headers: h } = multipart(parts);
  return a.inject({
    method: 'POST',
    url: '/v1/jobs',
    payload,
    headers: { ...h, ...bearer(key), ...headers },
  });
}

const tenantObjects = async (tenantId: string) =>
  (await store.list(`tenants/${tenantId}/`)).map((o) => o.key);

describe('POST /v1/jobs', () => {
  it('stores both inputs under the job prefix, creates the row + queued event, enqueues, answers 202', async () => {
    app = await buildTestApp();
    const t = await newTenantKey(prisma);
    const res = await post(
      app,
      t.key,
      jobParts({ options: { profile: 'smoke', clientReference: 'pseudo-7', baselineVolumeMl: 12.5 } }),
    );
    expect(res.statusCode).toBe(202);
    const job = JobViewSchema.parse(res.json());
    expect(res.headers.location).toBe(`/v1/jobs/${job.id}`);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(job).toMatchObject({
      status: 'queued',
      profile: 'smoke',
      clientReference: 'pseudo-7',
      result: null,
      error: null,
    });
    expect((await tenantObjects(t.tenantId)).sort()).toEqual([
      `${jobPrefix(t.tenantId, job.id)}inputs/baseline`,
      `${jobPrefix(t.tenantId, job.id)}inputs/followup`,
    ]);
    const row = await prisma.job.findUniqueOrThrow({ where: { id: job.id }, include: { events: true } });
    expect(row.events.map((e) => e.to)).toEqual(['queued']);
    expect(row.baselineSha256).toMatch(/^[0-9a-f]{64}$/);
    const queued = await app.queue.getJob(job.id);
    expect(queued?.data).toEqual({ jobId: job.id });
    // Stored bytes are the uploaded bytes.
    expect(Buffer.from(await store.getBytes(row.followupKey)).equals(Buffer.from(syntheticNifti(2)))).toBe(
      true,
    );

    const got = await app.inject({ method: 'GET', url: `/v1/jobs/${job.id}`, headers: bearer(t.key) });
    expect(got.statusCode).toBe(200);
    expect(JobViewSchema.parse(got.json()).id).toBe(job.id);
    expect(got.headers['retry-after']).toBeDefined();
  });

  it('replays the same job for the same Idempotency-Key + payload and refuses a different payload (422)', async () => {
    app = await buildTestApp();
    const t = await newTenantKey(prisma);
    const idem = { 'idempotency-key': 'req-123' };
    const first = await post(app, t.key, jobParts({ options: { profile: 'smoke' } }), idem);
    const again = await post(app, t.key, jobParts({ options: { profile: 'smoke' } }), idem);
    expect(first.statusCode).toBe(202);
    expect(again.statusCode).toBe(202);
    expect(again.json().id).toBe(first.json().id);
    const other = await post(
      app,
      t.key,
      jobParts({ followup: syntheticNifti(3), options: { profile: 'smoke' } }),
      idem,
    );
    expect(other.statusCode).toBe(422);
    expect(other.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await prisma.job.count({ where: { tenantId: t.tenantId } })).toBe(1);
    expect(await tenantObjects(t.tenantId)).toHaveLength(2);
    // Without the header the same payload is a new job.
    const fresh = await post(app, t.key, jobParts({ options: { profile: 'smoke' } }));
    expect(fresh.json().id).not.toBe(first.json().id);
  });

  it('takes optional brain masks: stored under the job prefix, in the row, and part of the payload fingerprint', async () => {
    app = await buildTestApp();
    const t = await newTenantKey(prisma);
    const idem = { 'idempotency-key': 'req-brain' };
    const baselineBrainMask = syntheticMask();
    // Within the tolerance (0.1 mm) of its scan's translation: the same grid.
    const nudged = [...SYNTHETIC_AFFINE];
    nudged[3] = 0.05;
    const followupBrainMask = syntheticMask([24, 24, 12], nudged);
    const parts = () => jobParts({ baselineBrainMask, followupBrainMask, options: { profile: 'smoke' } });
    const res = await post(app, t.key, parts(), idem);
    expect(res.statusCode, res.body).toBe(202);
    const id = JobViewSchema.parse(res.json()).id;
    const prefix = jobPrefix(t.tenantId, id);
    expect((await tenantObjects(t.tenantId)).sort()).toEqual(
      ['baseline', 'baselineBrainMask', 'followup', 'followupBrainMask'].map((p) => `${prefix}inputs/${p}`),
    );
    const row = await prisma.job.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({
      baselineBrainMaskKey: `${prefix}inputs/baselineBrainMask`,
      baselineBrainMaskSha256: createHash('sha256').update(baselineBrainMask).digest('hex'),
      followupBrainMaskKey: `${prefix}inputs/followupBrainMask`,
      followupBrainMaskSha256: createHash('sha256').update(followupBrainMask).digest('hex'),
      maskKey: null,
    });
    expect(Buffer.from(await store.getBytes(row.followupBrainMaskKey!)).equals(followupBrainMask)).toBe(true);

    expect((await post(app, t.key, parts(), idem)).json().id).toBe(id);
    // Same scans and options, another (or no) brain mask: another payload.
    for (const other of [
      jobParts({ baselineBrainMask, followupBrainMask: syntheticMask(), options: { profile: 'smoke' } }),
      jobParts({ baselineBrainMask, options: { profile: 'smoke' } }),
    ]) {
      const res2 = await post(app, t.key, other, idem);
      expect(res2.statusCode).toBe(422);
      expect(res2.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    }
    expect(await prisma.job.count({ where: { tenantId: t.tenantId } })).toBe(1);
    expect(await tenantObjects(t.tenantId)).toHaveLength(4);
  });

  const raw = uncompressed(syntheticNifti(1));
  const moved = [...SYNTHETIC_AFFINE];
  moved[7] = 5;
  // Same voxel sizes and dims, x axis pointing the other way (kept inside the same field of view).
  const flipped = [...SYNTHETIC_AFFINE];
  flipped[0] = -1.5;
  flipped[3] = 23 * 1.5;
  const fourD = (() => {
    const b = new Uint8Array(raw);
    const v = new DataView(b.buffer);
    v.setInt16(40, 4, true);
    v.setInt16(48, 2, true); // dim[4] = 2 → a 4D series
    return b;
  })();
  const badInputs: Array<{
    label: string;
    parts: () => ReturnType<typeof jobParts>;
    status: number;
    code: string;
    max?: number;
    /** The part the error must name (message and details.part). */
    part?: string;
  }> = [
    { label: 'followup missing', parts: () => jobParts().slice(0, 1), status: 400, code: 'PART_MISSING' },
    {
      label: 'not a NIfTI',
      parts: () => jobParts({ followup: new Uint8Array(4096).fill(7) }),
      status: 422,
      code: 'NIFTI_',
    },
    {
      label: 'truncated NIfTI',
      parts: () => jobParts({ followup: raw.slice(0, raw.length - 1000) }),
      status: 422,
      code: 'NIFTI_TRUNCATED',
    },
    {
      label: 'corrupt gzip',
      parts: () => jobParts({ followup: syntheticNifti(2).slice(0, 200) }),
      status: 422,
      code: 'NIFTI_',
    },
    { label: '4D series', parts: () => jobParts({ followup: fourD }), status: 422, code: 'NIFTI_' },
    {
      label: 'empty file',
      parts: () => jobParts({ followup: new Uint8Array(0) }),
      status: 400,
      code: 'PART_EMPTY',
    },
    {
      label: 'unexpected part',
      parts: () => [...jobParts(), { name: 'extra', filename: 'x', body: 'x' }],
      status: 400,
      code: 'PART_UNEXPECTED',
    },
    {
      label: 'options not JSON',
      parts: () => jobParts({ options: '{nope' }),
      status: 400,
      code: 'OPTIONS_INVALID',
    },
    {
      label: 'unknown profile',
      parts: () => jobParts({ options: { profile: 'turbo' } }),
      status: 400,
      code: 'OPTIONS_INVALID',
    },
    {
      label: 'override not allowed',
      parts: () => jobParts({ options: { overrides: { lr: 1 } } }),
      status: 400,
      code: 'OVERRIDE_NOT_ALLOWED',
    },
    {
      label: 'patient-like client reference',
      parts: () => jobParts({ options: { clientReference: 'Jane Doe' } }),
      status: 400,
      code: 'OPTIONS_INVALID',
    },
    {
      label: 'mask on another grid',
      parts: () => jobParts({ mask: syntheticNifti(1, [20, 24, 12]) }),
      status: 422,
      code: 'MASK_GRID_MISMATCH',
      part: 'baselineMask',
    },
    {
      label: 'mask with the dims but another affine (moved 5 mm)',
      parts: () => jobParts({ mask: syntheticMask([24, 24, 12], moved) }),
      status: 422,
      code: 'MASK_GRID_MISMATCH',
      part: 'baselineMask',
    },
    {
      label: 'baseline brain mask with other dims',
      parts: () => jobParts({ baselineBrainMask: syntheticMask([20, 24, 12]) }),
      status: 422,
      code: 'MASK_GRID_MISMATCH',
      part: 'baselineBrainMask',
    },
    {
      label: 'follow-up brain mask with other dims (a good baseline brain mask alongside)',
      parts: () =>
        jobParts({ baselineBrainMask: syntheticMask(), followupBrainMask: syntheticMask([24, 24, 10]) }),
      status: 422,
      code: 'MASK_GRID_MISMATCH',
      part: 'followupBrainMask',
    },
    {
      label: 'baseline brain mask with the dims but another affine (moved 5 mm)',
      parts: () => jobParts({ baselineBrainMask: syntheticMask([24, 24, 12], moved) }),
      status: 422,
      code: 'MASK_GRID_MISMATCH',
      part: 'baselineBrainMask',
    },
    {
      label: 'follow-up brain mask with the dims but another affine (left-right flipped)',
      parts: () => jobParts({ followupBrainMask: syntheticMask([24, 24, 12], flipped) }),
      status: 422,
      code: 'MASK_GRID_MISMATCH',
      part: 'followupBrainMask',
    },
    {
      label: 'file over the size limit',
      parts: () => jobParts({ followup: raw }),
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      max: 20_000,
    },
  ];
  it.each(badInputs)('$label → $status $code, nothing stored', async ({ parts, status, code, max, part }) => {
    app = await buildTestApp(max ? { MAX_FILE_BYTES: max } : {});
    const t = await newTenantKey(prisma);
    const res = await post(app, t.key, parts());
    expect(res.statusCode).toBe(status);
    const body = ErrorBodySchema.parse(res.json());
    expect(body.error.code.startsWith(code)).toBe(true);
    if (part) {
      expect(body.error.message.startsWith(`${part}:`)).toBe(true);
      expect(body.error.details?.part).toBe(part);
    }
    expect(await tenantObjects(t.tenantId)).toEqual([]);
    expect(await prisma.job.count({ where: { tenantId: t.tenantId } })).toBe(0);
    expect(await app.queue.count()).toBe(0);
  });

  it('refuses a non-multipart body with 415', async () => {
    app = await buildTestApp();
    const t = await newTenantKey(prisma);
    const res = await app.inject({
      method: 'POST',
      url: '/v1/jobs',
      payload: { a: 1 },
      headers: bearer(t.key),
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('auth, tenants, lifecycle', () => {
  it('answers 401 for a missing, unknown or revoked key', async () => {
    app = await buildTestApp();
    const t = await newTenantKey(prisma);
    expect((await app.inject({ method: 'GET', url: '/v1/jobs', headers: bearer(t.key) })).statusCode).toBe(
      200,
    );
    for (const headers of [{}, bearer('anet_notakey'), { authorization: t.key }]) {
      const res = await app.inject({ method: 'GET', url: '/v1/jobs', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHORIZED');
    }
    await revokeApiKey(prisma, t.prefix);
    const revoked = await app.inject({ method: 'GET', url: '/v1/jobs', headers: bearer(t.key) });
    expect(revoked.statusCode).toBe(401);
  });

  it("hides another tenant's job behind 404 on get, list, artifacts, cancel and delete", async () => {
    app = await buildTestApp();
    const a = await newTenantKey(prisma, 'a');
    const b = await newTenantKey(prisma, 'b');
    const id = (await post(app, a.key)).json().id as string;
    const asB = (method: 'GET' | 'POST' | 'DELETE', url: string) =>
      app!.inject({ method, url, headers: bearer(b.key) });
    for (const [method, url] of [
      ['GET', `/v1/jobs/${id}`],
      ['GET', `/v1/jobs/${id}/artifacts`],
      ['GET', `/v1/jobs/${id}/artifacts/report.json`],
      ['POST', `/v1/jobs/${id}/cancel`],
      ['DELETE', `/v1/jobs/${id}`],
    ] as const) {
      const res = await asB(method, url);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().error.code).toBe('JOB_NOT_FOUND');
    }
    expect(JobListResponseSchema.parse((await asB('GET', '/v1/jobs')).json()).items).toEqual([]);
    // A's job is untouched.
    expect((await prisma.job.findUniqueOrThrow({ where: { id } })).status).toBe('queued');
    expect(await tenantObjects(a.tenantId)).toHaveLength(2);
  });

  it('lists with filters and a cursor', async () => {
    app = await buildTestApp();
    const t = await newTenantKey(prisma);
    const ids: string[] = [];
    for (const ref of ['r1', 'r2', 'r1'])
      ids.push((await post(app, t.key, jobParts({ options: { clientReference: ref } }))).json().id);
    const get = (q: string) => app!.inject({ method: 'GET', url: `/v1/jobs?${q}`, headers: bearer(t.key) });
    const p1 = JobListResponseSchema.parse((await get('limit=2')).json());
    expect(p1.items.map((j) => j.id)).toEqual([ids[2], ids[1]]);
    const p2 = JobListResponseSchema.parse((await get(`limit=2&cursor=${p1.nextCursor}`)).json());
    expect(p2.items.map((j) => j.id)).toEqual([ids[0]]);
    expect(p2.nextCursor).toBeNull();
    expect(JobListResponseSchema.parse((await get('clientReference=r1')).json()).items).toHaveLength(2);
    expect(JobListResponseSchema.parse((await get('status=succeeded')).json()).items).toHaveLength(0);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(
      JobListResponseSchema.parse(
        (await get(`createdBefore=${future}&createdAfter=2020-01-01T00:00:00Z`)).json(),
      ).items,
    ).toHaveLength(3);
    expect(JobListResponseSchema.parse((await get(`createdAfter=${future}`)).json()).items).toHaveLength(0);
    expect((await get('status=bogus')).json().error.code).toBe('VALIDATION_FAILED');
    expect((await get('cursor=zzz')).json().error.code).toBe('VALIDATION_FAILED');
  });

  it('cancels a queued job at once (removed from the queue), then refuses a second cancel (409)', async () => {
    app = await buildTestApp();
    const t = await newTenantKey(prisma);
    const id = (await post(app, t.key)).json().id as string;
    const res = await app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel`, headers: bearer(t.key) });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'cancelled', error: { code: 'JOB_CANCELLED' } });
    expect(await app.queue.getJob(id)).toBeUndefined();
    const events = await prisma.jobEvent.findMany({ where: { jobId: id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.to)).toEqual(['queued', 'cancelled']);
    const again = await app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel`, headers: bearer(t.key) });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('JOB_NOT_CANCELLABLE');
    const arts = await app.inject({ method: 'GET', url: `/v1/jobs/${id}/artifacts`, headers: bearer(t.key) });
    expect(arts.statusCode).toBe(409);
    expect(arts.json().error.code).toBe('JOB_NOT_FINISHED');
  });

  it('DELETE erases the S3 objects and payload, keeps an audit event, then 404s', async () => {
    app = await buildTestApp();
    const t = await newTenantKey(prisma);
    const id = (await post(app, t.key, jobParts({ options: { clientReference: 'ref-9' } }))).json()
      .id as string;
    const res = await app.inject({ method: 'DELETE', url: `/v1/jobs/${id}`, headers: bearer(t.key) });
    expect(res.statusCode).toBe(204);
    expect(await tenantObjects(t.tenantId)).toEqual([]);
    const row = await prisma.job.findUniqueOrThrow({ where: { id }, include: { events: true } });
    expect(row).toMatchObject({
      clientReference: null,
      baselineKey: '',
      followupKey: '',
      resultSummary: null,
    });
    expect(row.deletedAt).not.toBeNull();
    expect(row.events.some((e) => (e.detail as { action?: string } | null)?.action === 'deleted')).toBe(true);
    expect(
      (await app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: bearer(t.key) })).statusCode,
    ).toBe(404);
  });

  it('rate-limits per key with 429 RATE_LIMITED', async () => {
    app = await buildTestApp({ RATE_LIMIT_MAX: 3 });
    const t = await newTenantKey(prisma);
    const other = await newTenantKey(prisma);
    const codes: number[] = [];
    for (let i = 0; i < 4; i++)
      codes.push((await app.inject({ method: 'GET', url: '/v1/jobs', headers: bearer(t.key) })).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
    const limited = await app.inject({ method: 'GET', url: '/v1/jobs', headers: bearer(t.key) });
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(
      (await app.inject({ method: 'GET', url: '/v1/jobs', headers: bearer(other.key) })).statusCode,
    ).toBe(200);
  });
});

describe('health, metrics, docs', () => {
  it('reports liveness, readiness of Postgres/Redis/S3, Prometheus metrics and the OpenAPI document', async () => {
    app = await buildTestApp();
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks).toEqual({ postgres: { ok: true }, redis: { ok: true }, s3: { ok: true } });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/anet_http_requests_total/);
    // No METRICS_TOKEN configured: job and queue figures are not served to whoever can reach the port.
    expect(metrics.body).not.toMatch(/anet_jobs|anet_queue_depth/);
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/jobs', '/v1/jobs/{id}', '/v1/jobs/{id}/artifacts/{name}']),
    );
    expect(doc.info.description).toContain('IDEMPOTENCY_KEY_REUSED');
    const unknown = await app.inject({ method: 'GET', url: '/nope' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('ROUTE_NOT_FOUND');
  });
});

describe('metrics access', () => {
  it('with METRICS_TOKEN, /metrics needs the token and then adds job and queue figures', async () => {
    const token = 'scrape-token-0123456789';
    app = await buildTestApp({ METRICS_TOKEN: token });
    const open = await app.inject({ method: 'GET', url: '/metrics' });
    expect(open.statusCode).toBe(401);
    expect(ErrorBodySchema.parse(open.json()).error.code).toBe('UNAUTHORIZED');
    const wrong = await app.inject({ method: 'GET', url: '/metrics', headers: bearer('x'.repeat(23)) });
    expect(wrong.statusCode).toBe(401);
    const ok = await app.inject({ method: 'GET', url: '/metrics', headers: bearer(token) });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toMatch(/anet_queue_depth\{state="waiting"\}/);
    expect(ok.body).toMatch(/anet_jobs\{status="queued"\}/);
    expect(ok.body).toMatch(/anet_http_requests_total/);
    // The old SQL-per-scrape mean is gone; stage durations are the worker's histogram.
    expect(ok.body).not.toMatch(/anet_stage_duration_seconds_mean/);
  });
});

describe('Reconciler', () => {
  it('enqueues a queued row that has no queue entry and sweeps old uploads that have no row', async () => {
    // Its own database and bucket: the reconciler works across all tenants, so shared ones would
    // let it touch other test files' rows and in-flight uploads.
    const db = await createTempDatabase(process.env.ANET_TEST_ADMIN_DATABASE_URL!, 'anet_recon');
    await runMigrations(db.url);
    onTestFinished(() => db.drop());
    app = await buildTestApp({ DATABASE_URL: db.url, S3_BUCKET: `recon-${Date.now()}` });
    await app.store.ensureBucket();
    const store = app.store;
    const t = await newTenantKey(app.prisma);
    const id = (await post(app, t.key)).json().id as string;
    const tenantObjects = async (tenantId: string) =>
      (await store.list(`tenants/${tenantId}/`)).map((o) => o.key);
    // Crash between commit and enqueue: the row exists, BullMQ does not know the job.
    await app.queue.remove(id);
    expect(await app.queue.getJob(id)).toBeUndefined();
    // Crash between upload and commit: objects under a job id with no row.
    const orphanId = '00000000-0000-4000-8000-000000000001';
    await store.putBytes(`${jobPrefix(t.tenantId, orphanId)}inputs/baseline`, new Uint8Array([1, 2, 3]));
    const { Reconciler } = await import('../../apps/api/src/queue/Reconciler');
    const r = new Reconciler(
      { jobs: app.jobs, queue: app.queue, store, log: app.log },
      { intervalMs: 0, orphanAgeMs: 60_000, enqueueGraceMs: 0 },
    );
    // Young orphans are left alone: their upload may still be in flight.
    expect(await r.runOnce()).toEqual({ enqueued: 1, orphansDeleted: 0, multipartAborted: 0 });
    const later = new Date(Date.now() + 120_000);
    const out = await r.runOnce(later);
    expect(out).toEqual({ enqueued: 0, orphansDeleted: 1, multipartAborted: 0 });
    expect((await app.queue.getJob(id))?.data).toEqual({ jobId: id });
    expect((await tenantObjects(t.tenantId)).every((k) => k.includes(id))).toBe(true);
    expect(await tenantObjects(t.tenantId)).toHaveLength(2);
  });
});

describe('Reconciler: multipart uploads', () => {
  it('aborts multipart uploads under tenants/ older than the orphan age, leaves young ones', async () => {
    app = await buildTestApp({ S3_BUCKET: `mpu-${Date.now()}` });
    await app.store.ensureBucket();
    const { CreateMultipartUploadCommand, UploadPartCommand } = await import('@aws-sdk/client-s3');
    const key = `${jobPrefix('t-mpu', '00000000-0000-4000-8000-0000000000aa')}inputs/baseline`;
    const { UploadId } = await app.store.client.send(
      new CreateMultipartUploadCommand({ Bucket: app.store.bucket, Key: key }),
    );
    await app.store.client.send(
      new UploadPartCommand({
        Bucket: app.store.bucket,
        Key: key,
        UploadId,
        PartNumber: 1,
        Body: new Uint8Array(1024),
      }),
    );
    expect((await app.store.listMultipartUploads('tenants/')).map((u) => u.key)).toEqual([key]);
    // Parts of an unfinished upload are no object: the object sweep cannot see them.
    expect(await app.store.list('tenants/')).toEqual([]);
    const { Reconciler } = await import('../../apps/api/src/queue/Reconciler');
    const r = new Reconciler(
      { jobs: app.jobs, queue: app.queue, store: app.store, log: app.log },
      { intervalMs: 0, orphanAgeMs: 60_000 },
    );
    expect(await r.abortStaleMultipartUploads()).toBe(0);
    expect(await r.abortStaleMultipartUploads(new Date(Date.now() + 120_000))).toBe(1);
    expect(await app.store.listMultipartUploads('tenants/')).toEqual([]);
  });
});
