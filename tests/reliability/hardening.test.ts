// Fast cases of issue 14 (what an outside probe broke), in `npm test`: keys in the query string,
// router errors in the contract's shape, client aborts, invalid-key floods, idle and concurrent
// uploads, voxel and working-memory limits before 202, the 429 message and one log line per request.
// The slow fault cases (Redis outage, amplification with a worker, API kill + multipart sweep) are in
// long/hardening.rel.ts.
import { Writable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { PrismaClient } from '@anet/db';
import { ErrorBodySchema } from '@anet/contracts';
import { writeNifti } from '@anet/nifti';
import type { ObjectStore } from '@anet/api/storage';
import type { ApiConfig } from '@anet/api/config';
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
import { NOTHING, leftovers, parseRawResponse, rawClient, sleep, waitFor } from './helpers';

let prisma: PrismaClient;
let store: ObjectStore;
const apps: FastifyInstance[] = [];

beforeAll(() => {
  prisma = testPrisma();
  store = testStore();
});
afterAll(async () => {
  for (const a of apps) {
    await a.queue.obliterate({ force: true }).catch(() => undefined);
    await a.close();
  }
  await prisma.$disconnect();
  store.close();
});

const sink = (into: string[]) =>
  new Writable({
    write(chunk, _enc, cb) {
      into.push(String(chunk));
      cb();
    },
  });

/** An app with the production logger settings at info, writing into `log`. */
async function appWithLog(log: string[], overrides: Partial<ApiConfig> = {}): Promise<FastifyInstance> {
  const a = await buildTestApp(overrides, {
    logger: { level: 'info', stream: sink(log) } as never,
  });
  apps.push(a);
  return a;
}

async function plainApp(overrides: Partial<ApiConfig> = {}): Promise<FastifyInstance> {
  const a = await buildTestApp(overrides);
  apps.push(a);
  return a;
}

async function listening(a: FastifyInstance): Promise<number> {
  await a.listen({ port: 0, host: '127.0.0.1' });
  return (a.server.address() as { port: number }).port;
}

const lines = (log: string[]) =>
  log
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('4: an API key in the query string', () => {
  it('is refused with 400 API_KEY_IN_QUERY on every route, and never logged', async () => {
    const log: string[] = [];
    const a = await appWithLog(log);
    const t = await newTenantKey(prisma, 'querykey');
    for (const url of [
      `/v1/jobs?api_key=${t.key}`,
      `/v1/jobs?limit=5&token=${t.key}`,
      `/healthz?key=${t.key}`,
      `/v1/jobs?cursor=${t.key}`,
      `/nope?API_KEY=${t.key}`,
    ]) {
      const res = await a.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(400);
      const body = ErrorBodySchema.parse(res.json());
      expect(body.error.code).toBe('API_KEY_IN_QUERY');
      expect(body.error.message).toMatch(/Authorization: Bearer/);
    }
    const text = log.join('');
    expect(text).not.toContain(t.key);
    expect(text).toContain('[redacted]');
  });
});

describe('8: router errors in the contract shape', () => {
  it('an artifact name of 101–128 characters reaches the route; longer segments are 414 URL_TOO_LONG', async () => {
    const a = await plainApp();
    const t = await newTenantKey(prisma, 'router');
    const job = '00000000-0000-4000-8000-000000000123';
    for (const n of [101, 128]) {
      const res = await a.inject({
        method: 'GET',
        url: `/v1/jobs/${job}/artifacts/${'a'.repeat(n)}`,
        headers: bearer(t.key),
      });
      expect(res.statusCode, `${n}`).toBe(404);
      expect(ErrorBodySchema.parse(res.json()).error.code).toBe('JOB_NOT_FOUND');
    }
    const over = await a.inject({
      method: 'GET',
      url: `/v1/jobs/${job}/artifacts/${'a'.repeat(129)}`,
      headers: bearer(t.key),
    });
    expect(over.statusCode).toBe(400);
    expect(ErrorBodySchema.parse(over.json()).error.code).toBe('VALIDATION_FAILED');
    const huge = await a.inject({
      method: 'GET',
      url: `/v1/jobs/${job}/artifacts/${'a'.repeat(1000)}`,
      headers: bearer(t.key),
    });
    expect(huge.statusCode).toBe(414);
    expect(ErrorBodySchema.parse(huge.json()).error.code).toBe('URL_TOO_LONG');
  });

  it('a malformed percent-encoding → 400 URL_INVALID; oversize headers → 431 with a JSON body', async () => {
    const a = await plainApp();
    const port = await listening(a);
    const bad = await fetch(`http://127.0.0.1:${port}/v1/jobs/%E0%A4%A`);
    expect(bad.status).toBe(400);
    expect(ErrorBodySchema.parse(await bad.json()).error.code).toBe('URL_INVALID');
    const c = await rawClient(port);
    await c.write(`GET /v1/jobs HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    await c.closed;
    const raw = parseRawResponse(c.received());
    expect(raw.status).toBe(431);
    expect(ErrorBodySchema.parse(raw.body).error.code).toBe('HEADERS_TOO_LARGE');
  });
});

describe('7: a client that disconnects mid-upload', () => {
  it('is a client abort (info, counted), not STORAGE_FAILED at error level; nothing is left', async () => {
    const log: string[] = [];
    const a = await appWithLog(log);
    const port = await listening(a);
    const t = await newTenantKey(prisma, 'abort');
    // Noise compresses badly: the baseline is > 5 MiB, so it goes to S3 as a multipart upload.
    let x = 12345;
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
    const { payload, headers } = multipart(jobParts({ baseline: big, followup: big }));
    const c = await rawClient(port);
    await c.write(
      `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.key}\r\n` +
        `Content-Type: ${headers['content-type']}\r\nContent-Length: ${payload.length}\r\n\r\n`,
    );
    await c.write(payload.subarray(0, Math.floor(payload.length * 0.7)));
    await sleep(300);
    c.socket.destroy();
    await waitFor(
      'the aborted request to be logged',
      async () => lines(log).some((l) => l.msg === 'client aborted the request'),
      10_000,
    );
    await waitFor(
      'the cut upload to be cleaned up',
      async () => (await leftovers(a, prisma, store, t.tenantId)).s3.length === 0,
      10_000,
    );
    const all = lines(log);
    expect(all.filter((l) => (l.level as number) >= 50)).toEqual([]);
    expect(JSON.stringify(all)).not.toContain('STORAGE_FAILED');
    expect(all.find((l) => l.msg === 'client aborted the request')?.level).toBe(30);
    const metrics = await a.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^anet_client_aborted_requests_total 1$/m);
    expect(await leftovers(a, prisma, store, t.tenantId)).toEqual(NOTHING);
    expect(await store.listMultipartUploads(`tenants/${t.tenantId}/`)).toEqual([]);
  });
});

describe('6: invalid-key floods', () => {
  it('an address past AUTH_FAILURES_MAX gets 429 without a key lookup; a key it used a moment ago still works', async () => {
    const a = await plainApp({
      AUTH_FAILURES_MAX: 5,
      AUTH_FAILURES_WINDOW_MS: 60_000,
      AUTH_CACHE_TTL_MS: 5_000,
    });
    const t = await newTenantKey(prisma, 'flood');
    let lookups = 0;
    const resolve = a.apiKeys.resolve.bind(a.apiKeys);
    a.apiKeys.resolve = (k) => {
      lookups++;
      return resolve(k);
    };
    expect((await a.inject({ method: 'GET', url: '/v1/jobs', headers: bearer(t.key) })).statusCode).toBe(200);
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 40; i++) {
      const res = await a.inject({ method: 'GET', url: '/v1/jobs', headers: bearer(`anet_wrong${i}`) });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) {
        retryAfter = String(res.headers['retry-after']);
        expect(ErrorBodySchema.parse(res.json()).error.code).toBe('RATE_LIMITED');
      }
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // 1 valid + 5 invalid lookups; the 35 throttled requests cost no query.
    expect(lookups).toBe(6);
    expect((await a.inject({ method: 'GET', url: '/v1/jobs', headers: bearer(t.key) })).statusCode).toBe(200);
    const metrics = await a.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^anet_auth_throttled_total 35$/m);
  });
});

describe('5: slow and idle uploads', () => {
  it('a body that goes idle is answered 408 REQUEST_TIMEOUT within the idle limit, nothing left', async () => {
    const a = await plainApp({ UPLOAD_IDLE_TIMEOUT_MS: 800 });
    const port = await listening(a);
    const t = await newTenantKey(prisma, 'idle');
    const { payload, headers } = multipart(jobParts());
    const c = await rawClient(port);
    await c.write(
      `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.key}\r\n` +
        `Content-Type: ${headers['content-type']}\r\nContent-Length: ${payload.length}\r\n\r\n`,
    );
    const start = Date.now();
    await c.write(payload.subarray(0, Math.floor(payload.length * 0.6)));
    const { at } = await c.closed;
    const raw = parseRawResponse(c.received());
    expect(raw.status).toBe(408);
    expect(ErrorBodySchema.parse(raw.body).error.code).toBe('REQUEST_TIMEOUT');
    expect(at - start).toBeLessThan(5_000);
    await waitFor(
      'nothing left',
      async () => JSON.stringify(await leftovers(a, prisma, store, t.tenantId)) === JSON.stringify(NOTHING),
      10_000,
    );
  });

  it('a tenant past MAX_CONCURRENT_UPLOADS_PER_TENANT gets 429 TOO_MANY_UPLOADS; another tenant does not', async () => {
    const a = await plainApp({ MAX_CONCURRENT_UPLOADS_PER_TENANT: 1, UPLOAD_IDLE_TIMEOUT_MS: 20_000 });
    const port = await listening(a);
    const t = await newTenantKey(prisma, 'cap');
    const other = await newTenantKey(prisma, 'capother');
    const { payload, headers } = multipart(jobParts());
    const c = await rawClient(port);
    await c.write(
      `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.key}\r\n` +
        `Content-Type: ${headers['content-type']}\r\nContent-Length: ${payload.length}\r\n\r\n`,
    );
    await c.write(payload.subarray(0, 1000));
    await sleep(200);
    const second = await a.inject({
      method: 'POST',
      url: '/v1/jobs',
      payload,
      headers: { ...headers, ...bearer(t.key) },
    });
    expect(second.statusCode).toBe(429);
    expect(ErrorBodySchema.parse(second.json()).error.code).toBe('TOO_MANY_UPLOADS');
    const theirs = await a.inject({
      method: 'POST',
      url: '/v1/jobs',
      payload,
      headers: { ...headers, ...bearer(other.key) },
    });
    expect(theirs.statusCode).toBe(202);
    // The slot is released when the stuck upload ends.
    c.socket.destroy();
    await sleep(300);
    const third = await a.inject({
      method: 'POST',
      url: '/v1/jobs',
      payload,
      headers: { ...headers, ...bearer(t.key) },
    });
    expect(third.statusCode).toBe(202);
  });
});

describe('2: voxel-count and working-memory limits before 202', () => {
  /** A gzipped NIfTI whose header declares `dims` but whose data is a few zero bytes. */
  function lyingHeader(dims: [number, number, number], datatype: 'uint8' | 'float64'): Uint8Array {
    const small = writeNifti(
      {
        data: new Float32Array(8),
        dims: [2, 2, 2],
        spacing: [1, 1, 1],
        affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
      },
      { datatype: 'uint8' },
    );
    const raw = Buffer.from(gunzipSync(small));
    raw.writeInt16LE(dims[0], 42);
    raw.writeInt16LE(dims[1], 44);
    raw.writeInt16LE(dims[2], 46);
    if (datatype === 'float64') {
      raw.writeInt16LE(64, 70); // datatype DT_FLOAT64
      raw.writeInt16LE(64, 72); // bitpix
    }
    // uint8: the whole declared image, zeros (128 MiB that gzip to ~130 KB: the probe's amplifier);
    // float64: 1 MiB of its 1 GiB, as the probe sent.
    const image = datatype === 'uint8' ? dims[0] * dims[1] * dims[2] : 1024 * 1024;
    return new Uint8Array(gzipSync(Buffer.concat([raw.subarray(0, 352), Buffer.alloc(image)]), { level: 1 }));
  }

  it('a small file declaring 512³ voxels → 413 NIFTI_TOO_LARGE at once, nothing stored', async () => {
    const a = await plainApp();
    const t = await newTenantKey(prisma, 'voxels');
    for (const dt of ['uint8', 'float64'] as const) {
      const bomb = lyingHeader([512, 512, 512], dt);
      const { payload, headers } = multipart(jobParts({ baseline: bomb, followup: bomb }));
      const t0 = process.cpuUsage();
      const res = await a.inject({
        method: 'POST',
        url: '/v1/jobs',
        payload,
        headers: { ...headers, ...bearer(t.key) },
      });
      const cpu = process.cpuUsage(t0);
      expect(res.statusCode, res.body).toBe(413);
      expect(ErrorBodySchema.parse(res.json()).error.code).toBe('NIFTI_TOO_LARGE');
      // The header is enough: no gigabyte is inflated (was 6.6 s of CPU for the float64 case).
      expect((cpu.user + cpu.system) / 1e6).toBeLessThan(2);
    }
    expect(await leftovers(a, prisma, store, t.tenantId)).toEqual(NOTHING);
  });

  it('a pair over MAX_JOB_WORKING_BYTES → 413 JOB_TOO_LARGE, nothing stored', async () => {
    const a = await plainApp({ MAX_JOB_WORKING_BYTES: 200_000 });
    const t = await newTenantKey(prisma, 'workmem');
    const { payload, headers } = multipart(
      jobParts({ baseline: syntheticNifti(1, [32, 32, 16]), followup: syntheticNifti(2, [32, 32, 16]) }),
    );
    const res = await a.inject({
      method: 'POST',
      url: '/v1/jobs',
      payload,
      headers: { ...headers, ...bearer(t.key) },
    });
    expect(res.statusCode, res.body).toBe(413);
    const body = ErrorBodySchema.parse(res.json());
    expect(body.error.code).toBe('JOB_TOO_LARGE');
    expect(body.error.details).toMatchObject({ limitBytes: 200_000 });
    expect(await leftovers(a, prisma, store, t.tenantId)).toEqual(NOTHING);
  });
});

describe('smaller: 429 message, log lines', () => {
  it('the 429 message states the window, not the reset time', async () => {
    const a = await plainApp({ RATE_LIMIT_MAX: 2, RATE_LIMIT_WINDOW_MS: 60_000 });
    const t = await newTenantKey(prisma, 'rl');
    let res;
    for (let i = 0; i < 3; i++)
      res = await a.inject({ method: 'GET', url: '/v1/jobs', headers: bearer(t.key) });
    expect(res!.statusCode).toBe(429);
    expect(res!.json().error.message).toMatch(/^rate limit of 2 requests per 60 s exceeded; retry in /);
  });

  it('one info line per request, and a rejected request has one msg key', async () => {
    const log: string[] = [];
    const a = await appWithLog(log);
    const t = await newTenantKey(prisma, 'logs');
    await a.inject({ method: 'GET', url: '/v1/jobs?limit=3', headers: bearer(t.key) });
    const ok = lines(log).filter((l) => l.level === 30);
    expect(ok).toHaveLength(1);
    expect(ok[0]).toMatchObject({ msg: 'request', method: 'GET', url: '/v1/jobs?limit=3', status: 200 });
    log.length = 0;
    await a.inject({ method: 'GET', url: '/v1/jobs?limit=abc', headers: bearer(t.key) });
    const raw = log.join('').split('\n').filter(Boolean);
    for (const l of raw) expect(l.match(/"msg":/g)).toHaveLength(1);
    expect(lines(log).map((l) => l.msg)).toEqual(['request rejected', 'request']);
  });
});
