import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AnetClient,
  AnetHttpError,
  AnetNetworkError,
  ArtifactChecksumError,
  fetchArtifacts,
} from '../../apps/cli/src/client';
import { jobView } from './helpers/jobView';
import { readBody, sendJson, startServer } from './helpers/startServer';

const here = dirname(fileURLToPath(import.meta.url));
const TOKEN = 'tok_live_secret_0123456789';
const fast = { baseDelayMs: 20, maxDelayMs: 200 };
let closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.map((c) => c()));
  closers = [];
});
async function server(handler: Parameters<typeof startServer>[0]) {
  const s = await startServer(handler);
  closers.push(s.close);
  return s;
}

describe('AnetClient retries', () => {
  it('retries 503s with growing backoff and then succeeds', async () => {
    let n = 0;
    const s = await server((_req, res) => {
      if (++n <= 3) return sendJson(res, 503, { error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'x' } });
      sendJson(res, 200, jobView('j1', { status: 'training' }));
    });
    const retries: number[] = [];
    const client = new AnetClient({
      baseUrl: s.url,
      token: TOKEN,
      retry: fast,
      onRetry: (r) => retries.push(r.delayMs),
    });
    const { job } = await client.getJob('j1');
    expect(job.status).toBe('training');
    expect(s.requests).toHaveLength(4);
    expect(retries).toHaveLength(3);
    // Equal jitter: each delay lies in [step/2, step] with step = base·2^(retry-1).
    retries.forEach((d, i) => {
      const step = 20 * 2 ** i;
      expect(d).toBeGreaterThanOrEqual(step / 2);
      expect(d).toBeLessThanOrEqual(step);
    });
    const gaps = s.requests.slice(1).map((r, i) => r.at - s.requests[i].at);
    gaps.forEach((g, i) => expect(g).toBeGreaterThanOrEqual(retries[i] - 5));
    for (const r of s.requests) expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('honours Retry-After on 429 (waits at least that long)', async () => {
    let n = 0;
    const s = await server((_req, res) => {
      if (++n === 1)
        return sendJson(
          res,
          429,
          { error: { code: 'RATE_LIMITED', message: 'slow down' } },
          { 'retry-after': '1' },
        );
      sendJson(res, 200, { items: [], nextCursor: null });
    });
    const client = new AnetClient({ baseUrl: s.url, token: TOKEN, retry: fast });
    const page = await client.listJobs({ status: 'queued', limit: 5 });
    expect(page.items).toEqual([]);
    expect(s.requests).toHaveLength(2);
    expect(s.requests[1].at - s.requests[0].at).toBeGreaterThanOrEqual(950);
    expect(s.requests[0].url).toBe('/v1/jobs?status=queued&limit=5');
  });

  it('gives up after maxAttempts with the server code, never retries a 4xx', async () => {
    const s503 = await server((_req, res) =>
      sendJson(res, 503, { error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'down' } }),
    );
    const c1 = new AnetClient({ baseUrl: s503.url, token: TOKEN, retry: { ...fast, maxAttempts: 3 } });
    const e1 = await c1.getJob('x').catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(AnetHttpError);
    expect((e1 as AnetHttpError).status).toBe(503);
    expect(s503.requests).toHaveLength(3);

    const s404 = await server((_req, res) =>
      sendJson(res, 404, { error: { code: 'JOB_NOT_FOUND', message: 'no job nope' } }),
    );
    const c2 = new AnetClient({ baseUrl: s404.url, token: TOKEN, retry: fast });
    const e2 = await c2.getJob('nope').catch((e: unknown) => e);
    expect(e2).toMatchObject({ status: 404, code: 'JOB_NOT_FOUND', message: 'no job nope' });
    expect(s404.requests).toHaveLength(1);
  });

  it('retries connection errors, then throws AnetNetworkError without the token in the message', async () => {
    const s = await server(() => undefined);
    const url = s.url;
    await s.close();
    const client = new AnetClient({ baseUrl: url, token: TOKEN, retry: { ...fast, maxAttempts: 3 } });
    const err = await client.getJob('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AnetNetworkError);
    expect((err as AnetNetworkError).attempts).toBe(3);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    expect(JSON.stringify(err) + String(err) + (err as Error).stack).not.toContain(TOKEN);
  });

  it('redacts the token when a server echoes it in an error message', async () => {
    const s = await server((req, res) =>
      sendJson(res, 401, {
        error: { code: 'UNAUTHORIZED', message: `bad key ${req.headers.authorization}` },
      }),
    );
    const err = (await new AnetClient({ baseUrl: s.url, token: TOKEN })
      .getJob('x')
      .catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(err.message).toBe('bad key Bearer ***');
  });

  it('retries a submit with the same Idempotency-Key, re-sending the files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'anet-cli-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const b = join(dir, 'b.nii.gz');
    const f = join(dir, 'f.nii.gz');
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    await writeFile(b, big);
    await writeFile(f, 'followup-bytes');
    const seen: Array<{
      key?: string;
      baseline?: string;
      followup?: string;
      options?: string;
      names: string[];
    }> = [];
    const s = await server(async (req, res) => {
      const body = await readBody(req);
      const form = await new Response(body, {
        headers: { 'content-type': req.headers['content-type']! },
      }).formData();
      const hash = async (name: string) => {
        const file = form.get(name) as File | null;
        return file
          ? createHash('sha256')
              .update(Buffer.from(await file.arrayBuffer()))
              .digest('hex')
          : undefined;
      };
      seen.push({
        key: req.headers['idempotency-key'] as string,
        baseline: await hash('baseline'),
        followup: await hash('followup'),
        options: form.get('options') as string,
        names: [...form.keys()],
      });
      if (seen.length === 1) return sendJson(res, 502, { error: { code: 'INTERNAL', message: 'proxy' } });
      sendJson(res, 202, jobView('new-job'), { location: '/v1/jobs/new-job', 'retry-after': '3' });
    });
    const client = new AnetClient({ baseUrl: s.url, token: TOKEN, retry: fast });
    const out = await client.submitJob({
      baseline: b,
      followup: f,
      options: { profile: 'smoke', clientReference: 'P-1' },
    });
    expect(out).toMatchObject({ httpStatus: 202, retryAfterMs: 3000, job: { id: 'new-job' } });
    expect(seen).toHaveLength(2);
    expect(seen[0].key).toBe(out.idempotencyKey);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[0]).toMatchObject({
      baseline: createHash('sha256').update(big).digest('hex'),
      followup: createHash('sha256').update('followup-bytes').digest('hex'),
      options: JSON.stringify({ profile: 'smoke', clientReference: 'P-1' }),
      names: ['options', 'baseline', 'followup'],
    });
  });
});

describe('AnetClient submit', () => {
  it('sends the masks as the baselineMask, baselineBrainMask and followupBrainMask parts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'anet-cli-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const files = { b: 'baseline', f: 'followup', m: 'tumour', bb: 'baseline-brain', fb: 'followup-brain' };
    for (const [name, body] of Object.entries(files)) await writeFile(join(dir, `${name}.nii.gz`), body);
    let seen: Record<string, string> = {};
    const s = await server(async (req, res) => {
      const form = await new Response(await readBody(req), {
        headers: { 'content-type': req.headers['content-type']! },
      }).formData();
      seen = {};
      for (const [name, value] of form.entries())
        seen[name] = typeof value === 'string' ? value : await value.text();
      sendJson(res, 202, jobView('new-job'), { location: '/v1/jobs/new-job' });
    });
    const client = new AnetClient({ baseUrl: s.url, token: TOKEN, retry: fast });
    const path = (name: string) => join(dir, `${name}.nii.gz`);
    await client.submitJob({
      baseline: path('b'),
      followup: path('f'),
      baselineMask: path('m'),
      baselineBrainMask: path('bb'),
      followupBrainMask: path('fb'),
    });
    expect(seen).toEqual({
      baseline: 'baseline',
      followup: 'followup',
      baselineMask: 'tumour',
      baselineBrainMask: 'baseline-brain',
      followupBrainMask: 'followup-brain',
    });
    // Without them, no empty parts.
    await client.submitJob({ baseline: path('b'), followup: path('f'), followupBrainMask: path('fb') });
    expect(Object.keys(seen)).toEqual(['baseline', 'followup', 'followupBrainMask']);
  });
});

describe('upload memory', () => {
  it('streams a 384 MiB file with flat memory (peak RSS of the client process < 220 MiB)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'anet-cli-mem-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const size = 384 * 1024 * 1024;
    await writeFile(join(dir, 'b.nii.gz'), '');
    await truncate(join(dir, 'b.nii.gz'), size); // sparse: reads as zeros without disk traffic
    await writeFile(join(dir, 'f.nii.gz'), 'small');
    let received = 0;
    const s = await server((req, res) => {
      req.on('data', (c: Buffer) => (received += c.length));
      req.on('end', () => sendJson(res, 202, jobView('big')));
    });
    // The client runs in its own process, so its peak RSS is not mixed with this sink's.
    const child = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(here, 'helpers/uploadChild.ts'),
          s.url,
          join(dir, 'b.nii.gz'),
          join(dir, 'f.nii.gz'),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      p.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(child.code, child.stderr).toBe(0);
    expect(received).toBeGreaterThan(size);
    expect(Number(child.stdout.trim())).toBeLessThan(220);
  }, 180_000);
});

describe('artifact download', () => {
  const report = Buffer.from(JSON.stringify({ schemaVersion: '1.0.0', ok: true }));
  const map = Buffer.alloc(100_000, 3);
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  async function artifactServer(opts: { corruptOnce?: boolean; s3Down?: boolean } = {}) {
    let corrupted = false;
    const s = await server((req, res) => {
      const u = new URL(req.url!, 'http://x');
      if (u.pathname === '/v1/jobs/j9/artifacts') {
        return sendJson(res, 200, {
          items: [
            {
              name: 'report.json',
              contentType: 'application/json',
              bytes: report.length,
              sha256: sha(report),
              href: '/v1/jobs/j9/artifacts/report.json',
            },
            {
              name: 'map.nii.gz',
              contentType: 'application/gzip',
              bytes: map.length,
              sha256: sha(map),
              href: '/v1/jobs/j9/artifacts/map.nii.gz',
            },
          ],
        });
      }
      if (u.pathname === '/v1/jobs/j9/artifacts/report.json')
        return sendJson(res, 200, JSON.parse(report.toString()));
      if (u.pathname === '/v1/jobs/j9/artifacts/map.nii.gz') {
        if (u.searchParams.get('download') === 'stream') {
          res.writeHead(200, { 'content-type': 'application/gzip' });
          return res.end(map);
        }
        res.writeHead(302, {
          location: opts.s3Down
            ? 'http://127.0.0.1:9/bucket/map?sig=1'
            : `${s.url}/s3/map?X-Amz-Signature=abc`,
        });
        return res.end();
      }
      if (u.pathname === '/s3/map') {
        res.writeHead(200, { 'content-type': 'application/gzip' });
        if (opts.corruptOnce && !corrupted) {
          corrupted = true;
          return res.end(map.subarray(0, 5000));
        }
        return res.end(map);
      }
      sendJson(res, 404, { error: { code: 'ROUTE_NOT_FOUND', message: u.pathname } });
    });
    const dir = await mkdtemp(join(tmpdir(), 'anet-cli-out-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    return { s, dir, client: new AnetClient({ baseUrl: s.url, token: TOKEN, retry: fast }) };
  }

  it('follows the 302 to the presigned URL without sending the token, and verifies sha256', async () => {
    const { s, dir, client } = await artifactServer();
    const got = await fetchArtifacts(client, 'j9', dir);
    expect(got.map((a) => a.name)).toEqual(['report.json', 'map.nii.gz']);
    expect(await readFile(join(dir, 'map.nii.gz'))).toEqual(map);
    expect(await readFile(join(dir, 'report.json'))).toEqual(report);
    const s3 = s.requests.filter((r) => r.url.startsWith('/s3/'));
    expect(s3).toHaveLength(1);
    expect(s3[0].headers.authorization).toBeUndefined();
  });

  it('re-downloads once after a truncated transfer; falls back to streaming when the presigned host is unreachable', async () => {
    const a = await artifactServer({ corruptOnce: true });
    await fetchArtifacts(a.client, 'j9', a.dir);
    expect(a.s.requests.filter((r) => r.url.startsWith('/s3/'))).toHaveLength(2);
    expect(await readFile(join(a.dir, 'map.nii.gz'))).toEqual(map);

    const b = await artifactServer({ s3Down: true });
    await fetchArtifacts(b.client, 'j9', b.dir);
    expect(b.s.requests.some((r) => r.url === '/v1/jobs/j9/artifacts/map.nii.gz?download=stream')).toBe(true);
    expect(await readFile(join(b.dir, 'map.nii.gz'))).toEqual(map);
  });

  it('rejects a download whose hash does not match and leaves no file behind', async () => {
    const { dir, client } = await artifactServer();
    const wrong = {
      name: 'map.nii.gz',
      contentType: 'application/gzip',
      bytes: map.length,
      sha256: sha(report),
      href: '',
    };
    const err = await client.downloadArtifact('j9', wrong, join(dir, 'map.nii.gz')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactChecksumError);
    await expect(readFile(join(dir, 'map.nii.gz'))).rejects.toThrow(/ENOENT/);
    await expect(readFile(join(dir, 'map.nii.gz.part'))).rejects.toThrow(/ENOENT/);
  });
});
