// Concurrent retries with one Idempotency-Key (a client whose first request timed out retries while
// it is still being processed): exactly one job, one row, one queue entry, no stray objects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { PrismaClient } from '@anet/db';
import { JobViewSchema } from '@anet/contracts';
import type { ObjectStore } from '@anet/api/storage';
import {
  bearer,
  buildTestApp,
  jobParts,
  multipart,
  newTenantKey,
  syntheticNifti,
  testPrisma,
  testStore,
} from '../service/helpers';
import { leftovers } from './helpers';

let prisma: PrismaClient;
let store: ObjectStore;
let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  prisma = testPrisma();
  store = testStore();
  // Ten uploads of one tenant at once: above the default per-tenant cap (4), which is not under test here.
  app = await buildTestApp({ MAX_CONCURRENT_UPLOADS_PER_TENANT: 20 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
});
afterAll(async () => {
  await app.queue.obliterate({ force: true }).catch(() => undefined);
  await app.close();
  await prisma.$disconnect();
  store.close();
});

/** POSTs over real sockets, all in flight at once. */
function post(key: string, idem: string, parts = jobParts()) {
  const { payload, headers } = multipart(parts);
  return fetch(`http://127.0.0.1:${port}/v1/jobs`, {
    method: 'POST',
    body: payload,
    headers: { ...headers, ...bearer(key), 'idempotency-key': idem },
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
}

describe('concurrency: one Idempotency-Key, many requests at once', () => {
  it('10 identical requests → one job (every answer has its id), one row, one queue entry, inputs once', async () => {
    const t = await newTenantKey(prisma, 'idem');
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(t.key, 'same-key')));
    expect(answers.map((a) => a.status).every((s) => s === 202 || s === 200)).toBe(true);
    const ids = new Set(answers.map((a) => JobViewSchema.parse(a.body).id));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    const left = await leftovers(app, prisma, store, t.tenantId);
    expect(left.rows).toEqual([id]);
    expect(left.queued.filter((q) => q === id)).toEqual([id]);
    // Only the winner's inputs remain: the losers deleted what they had streamed.
    expect(left.s3.sort()).toEqual(
      [
        `tenants/${t.tenantId}/jobs/${id}/inputs/baseline`,
        `tenants/${t.tenantId}/jobs/${id}/inputs/followup`,
      ].sort(),
    );
  });

  it('the same key with different payloads at once → one job; the others 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const t = await newTenantKey(prisma, 'idem2');
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => post(t.key, 'k2', jobParts({ followup: syntheticNifti(10 + i) }))),
    );
    const ok = answers.filter((a) => a.status === 202 || a.status === 200);
    const reused = answers.filter((a) => a.status === 422);
    expect(ok).toHaveLength(1);
    expect(reused).toHaveLength(5);
    for (const r of reused) expect((r.body.error as { code: string }).code).toBe('IDEMPOTENCY_KEY_REUSED');
    const left = await leftovers(app, prisma, store, t.tenantId);
    const id = JobViewSchema.parse(ok[0].body).id;
    expect(left.rows).toEqual([id]);
    expect(left.s3.every((k) => k.includes(`/jobs/${id}/`))).toBe(true);
  });
});
