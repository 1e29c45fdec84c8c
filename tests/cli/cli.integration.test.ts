// The CLI against the real service: the API (buildApp, listening on a port) over the test
// globalSetup's Postgres, Redis and s3rver, and — once apps/worker exists — a worker running the
// `smoke` profile. Everything goes through the real `anet` executable.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { PrismaClient } from '@anet/db';
import { readNifti, writeNifti } from '@anet/nifti';
import { makePhantomPair } from '@anet/preprocess';
import { jobPrefix, type ObjectStore } from '@anet/api/storage';
import { AnetClient } from '../../apps/cli/src/client';
import { findDcm2niix } from '../../apps/cli/src/dicom';
import { buildTestApp, freshQueueName, newTenantKey, testPrisma, testStore } from '../service/helpers';
import { compareWithDicom, readDicomSlices } from './helpers/dicomSlices';
import { jsonLines, runCli } from './helpers/runCli';
import { readBody, startServer } from './helpers/startServer';
import { writeDicomSeries } from './helpers/writeDicomSeries';

interface RunningWorker {
  close(): Promise<void>;
}
type StartWorker = (config: unknown) => Promise<RunningWorker>;

// The worker is built in parallel (apps/worker); the tests that need it run once it exists.
const here = dirname(fileURLToPath(import.meta.url));
const workerModule = join(here, '../../apps/worker/src/main.ts');
const hasWorker = existsSync(workerModule);
if (!hasWorker) console.warn('apps/worker/src/main.ts not found: CLI tests that need a worker are skipped');

let prisma: PrismaClient;
let store: ObjectStore;
let app: FastifyInstance;
let url: string;
let tenant: { tenantId: string; key: string };
let queueName: string;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  prisma = testPrisma();
  store = testStore();
  tenant = await newTenantKey(prisma, 'cli');
  queueName = freshQueueName();
  app = await buildTestApp({ QUEUE_NAME: queueName, RETRY_AFTER_SECONDS: 1, RATE_LIMIT_MAX: 100_000 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  env = { ANET_URL: url, ANET_TOKEN: tenant.key, ANET_RETRY_BASE_MS: '50' };
  dir = await mkdtemp(join(tmpdir(), 'anet-cli-int-'));
  const pair = makePhantomPair({ seed: 11, dims: [48, 48, 24], change: 2 });
  await writeFile(join(dir, 'baseline.nii.gz'), writeNifti(pair.baseline, { datatype: 'float32' }));
  await writeFile(join(dir, 'followup.nii.gz'), writeNifti(pair.followup, { datatype: 'float32' }));
  await writeFile(join(dir, 'not-an-image.nii.gz'), 'plain text, not NIfTI');
});

afterAll(async () => {
  await app?.queue.obliterate({ force: true }).catch(() => undefined);
  await app?.close();
  await prisma?.$disconnect();
  store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** DICOM stores integers: scale the phantom's float intensities into int16 (0…3000), as a scanner would. */
function phantomToInt16(d: Float32Array): Int16Array {
  let max = 0;
  for (const v of d) max = Math.max(max, Math.abs(v));
  return Int16Array.from(d, (v) => Math.round((v / (max || 1)) * 3000));
}

const client = () => new AnetClient({ baseUrl: url, token: tenant.key });
const jobsWithRef = async (ref: string) =>
  (await client().listJobs({ clientReference: ref, limit: 100 })).items;
const cli = (args: string[], extraEnv: Record<string, string> = {}) =>
  runCli(args, { env: { ...env, ...extraEnv }, home: dir, timeoutMs: 300_000 });

describe('anet CLI ↔ real API', { timeout: 300_000 }, () => {
  it('submit from NIfTI (202, queued), status, list --ref, an idempotent re-submit, fetch too early (exit 4), cancel', async () => {
    const args = [
      'submit',
      '--baseline',
      join(dir, 'baseline.nii.gz'),
      '--followup',
      join(dir, 'followup.nii.gz'),
    ];
    const first = await cli([
      ...args,
      '--ref',
      'int-a',
      '--profile',
      'smoke',
      '--idempotency-key',
      'int-a-key',
      '--json',
    ]);
    expect(first.code, first.stderr).toBe(0);
    const job = jsonLines(first.stdout)[0].job as { id: string; status: string; clientReference: string };
    expect(job).toMatchObject({ status: 'queued', clientReference: 'int-a' });

    const again = await cli([
      ...args,
      '--ref',
      'int-a',
      '--profile',
      'smoke',
      '--idempotency-key',
      'int-a-key',
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(job.id);
    // (the contract lets the API answer a replay with 200 or 202: the id is what matters)
    expect(await jobsWithRef('int-a')).toHaveLength(1);

    const status = await cli(['status', job.id, '--json']);
    expect(status.code).toBe(0);
    expect(jsonLines(status.stdout)[0]).toMatchObject({ id: job.id, profile: 'smoke' });
    const list = await cli(['list', '--ref', 'int-a']);
    expect(list.stdout).toContain(job.id);

    const early = await cli(['fetch', job.id, '--out', join(dir, 'early')]);
    expect(early.code).toBe(4);
    expect(early.stderr).toMatch(/JOB_NOT_FINISHED/);

    // Without a worker the job is still queued (with one it may already run; both are cancellable).
    const cancel = await cli(['cancel', job.id, '--json']);
    expect(cancel.code, cancel.stderr).toBe(0);
    const after = await cli(['status', job.id, '--json']);
    expect(['cancelled', 'preprocessing', 'training', 'inferring', 'analysing']).toContain(
      (jsonLines(after.stdout)[0] as { status: string }).status,
    );
  });

  it('rejects a bad file with the server code (exit 4) and stores nothing', async () => {
    const r = await cli([
      'submit',
      '--baseline',
      join(dir, 'not-an-image.nii.gz'),
      '--followup',
      join(dir, 'followup.nii.gz'),
      '--ref',
      'int-bad',
    ]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/error NIFTI_\w+: POST \/v1\/jobs → HTTP 4\d\d/);
    expect(await jobsWithRef('int-bad')).toHaveLength(0);
  });

  it.skipIf(!findDcm2niix())(
    'submit from a DICOM series folder: only the converted NIfTI reaches storage, equal to the phantom',
    async () => {
      const pair = makePhantomPair({ seed: 5, dims: [40, 40, 20] });
      const toInt16 = phantomToInt16;
      const geo = {
        origin: [-30, -28, -12] as [number, number, number],
        rowDir: [1, 0, 0] as [number, number, number],
        colDir: [0, 1, 0] as [number, number, number],
        pixelSpacing: [1.2, 1.2] as [number, number],
        sliceSpacing: 2,
      };
      const dicomB = join(dir, 'dicom', 'baseline');
      const dicomF = join(dir, 'dicom', 'followup');
      await writeDicomSeries(dicomB, { data: toInt16(pair.baseline.data), dims: pair.baseline.dims }, geo, {
        seriesUid: '2.25.7001',
        seriesNumber: 4,
      });
      await writeDicomSeries(dicomF, { data: toInt16(pair.followup.data), dims: pair.followup.dims }, geo, {
        seriesUid: '2.25.7002',
        seriesNumber: 4,
      });
      const r = await cli(['submit', '--baseline', dicomB, '--followup', dicomF, '--ref', 'int-dicom']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(
        /baseline: DICOM folder .*using 2\.25\.7001 \(series 4, 20 slices, 40×40×20\)/,
      );
      const id = r.stdout.trim();
      const keys = (await store.list(jobPrefix(tenant.tenantId, id))).map((o) => o.key);
      expect(keys).toContain(`${jobPrefix(tenant.tenantId, id)}inputs/baseline`);
      const stored = readNifti(await store.getBytes(`${jobPrefix(tenant.tenantId, id)}inputs/baseline`));
      const cmp = compareWithDicom(stored, await readDicomSlices(dicomB));
      expect(cmp).toMatchObject({ compared: 40 * 40 * 20, unmatchedSlices: 0, maxValueErr: 0 });
      expect(cmp.maxInPlaneErr).toBeLessThan(1e-3);
      // The upload was NIfTI (magic 'n+1'), never a DICOM file ('DICM' at 128).
      const raw = await store.getBytes(`${jobPrefix(tenant.tenantId, id)}inputs/baseline`);
      expect(Buffer.from(raw).includes(Buffer.from('DICM'))).toBe(false);
      await client()
        .cancelJob(id)
        .catch(() => undefined);
    },
  );

  it('retries through a proxy that injects 503s and loses the response to the upload: exactly one job', async () => {
    let posts = 0;
    let gets = 0;
    const proxy = await startServer(async (req, res) => {
      const body = await readBody(req);
      if (req.method === 'GET' && ++gets <= 2) {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
        return res.end(
          JSON.stringify({ error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'proxy says no' } }),
        );
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          ([k]) => !['host', 'content-length', 'connection'].includes(k),
        ) as Array<[string, string]>,
      );
      const upstream = await fetch(url + req.url, {
        method: req.method,
        headers,
        body: body.length ? body : undefined,
      });
      const text = Buffer.from(await upstream.arrayBuffer());
      if (req.method === 'POST' && ++posts === 1) {
        // The API created the job, but its answer is lost on the way back.
        res.writeHead(502, { 'content-type': 'text/html' });
        return res.end('<html>bad gateway</html>');
      }
      res.writeHead(upstream.status, Object.fromEntries(upstream.headers));
      res.end(text);
    });
    try {
      const r = await cli(
        [
          'submit',
          '--baseline',
          join(dir, 'baseline.nii.gz'),
          '--followup',
          join(dir, 'followup.nii.gz'),
          '--ref',
          'int-proxy',
        ],
        { ANET_URL: proxy.url },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/retry 1: POST \/v1\/jobs failed \(HTTP 502\)/);
      expect(posts).toBe(2);
      const jobs = await jobsWithRef('int-proxy');
      expect(jobs.map((j) => j.id)).toEqual([r.stdout.trim()]);
      const s = await cli(['status', r.stdout.trim()], { ANET_URL: proxy.url });
      expect(s.code, s.stderr).toBe(0);
      expect(s.stderr.match(/HTTP 503/g)).toHaveLength(2);
      await client()
        .cancelJob(jobs[0].id)
        .catch(() => undefined);
    } finally {
      await proxy.close();
    }
  });
});

describe.skipIf(!hasWorker)('anet CLI ↔ real API + worker (smoke profile)', () => {
  let worker: RunningWorker | undefined;
  beforeAll(async () => {
    const mod = (await import(/* @vite-ignore */ workerModule)) as { startWorker: StartWorker };
    const { loadWorkerConfig } = (await import(
      /* @vite-ignore */ join(here, '../../apps/worker/src/config.ts')
    )) as {
      loadWorkerConfig(env: Record<string, string | undefined>): unknown;
    };
    worker = await mod.startWorker(
      loadWorkerConfig({
        ...process.env,
        QUEUE_NAME: queueName,
        WORKER_HEALTH_PORT: '0',
        LOG_LEVEL: 'silent',
        CANCEL_POLL_MS: '200',
      }),
    );
  }, 120_000);
  afterAll(async () => {
    await worker?.close();
  }, 120_000);

  it('submit --wait from NIfTI: progress, then every artifact downloaded and verified', async () => {
    const out = join(dir, 'wait-out');
    const r = await cli([
      'submit',
      '--baseline',
      join(dir, 'baseline.nii.gz'),
      '--followup',
      join(dir, 'followup.nii.gz'),
      '--ref',
      'int-wait',
      '--profile',
      'smoke',
      '--epochs',
      '8',
      '--baseline-volume-ml',
      '2',
      '--wait',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/succeeded/);
    expect(r.stdout).toMatch(/artifacts \(sha256 verified\)/);
    for (const name of ['report.json', 'map.nii.gz', 'ternary.nii.gz', 'overlay.png']) {
      expect(existsSync(join(out, name)), name).toBe(true);
    }
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(report).toHaveProperty('schemaVersion');
  }, 600_000);

  it.skipIf(!findDcm2niix())(
    'the README example: DICOM folders → overlay PNG on disk',
    async () => {
      const pair = makePhantomPair({ seed: 21, dims: [48, 48, 24], change: 2 });
      const series = async (
        name: string,
        data: Float32Array,
        dims: [number, number, number],
        uid: string,
      ) => {
        const folder = join(dir, 'export', name);
        await writeDicomSeries(
          folder,
          { data: phantomToInt16(data), dims },
          {
            origin: [-30, -30, -20],
            rowDir: [1, 0, 0],
            colDir: [0, 1, 0],
            pixelSpacing: [1, 1],
            sliceSpacing: 1.5,
          },
          { seriesUid: uid, seriesNumber: 5 },
        );
        return folder;
      };
      const out = join(dir, 'results', 'case-0412');
      const r = await cli([
        'submit',
        '--baseline',
        await series('baseline', pair.baseline.data, pair.baseline.dims, '2.25.8001'),
        '--followup',
        await series('followup', pair.followup.data, pair.followup.dims, '2.25.8002'),
        '--baseline-volume-ml',
        '0.5',
        '--ref',
        'case-0412',
        '--profile',
        'smoke',
        '--epochs',
        '8',
        '--wait',
        '--out',
        out,
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/modified RANO: \w+/);
      const png = await readFile(join(out, 'overlay.png'));
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    },
    600_000,
  );

  it('batch of 5 rows (one malformed, one bad file) killed after 2 jobs, then resumed: no duplicates, complete summary', async () => {
    const b = join(dir, 'batch');
    await mkdir(b, { recursive: true });
    const manifest = join(b, 'cohort.csv');
    const rel = (p: string) => `../${p}`;
    await writeFile(
      manifest,
      [
        'ref,baseline,followup,baseline_mask,baseline_volume_ml',
        `bt-1,${rel('baseline.nii.gz')},${rel('followup.nii.gz')},,2`,
        `bt-2,${rel('followup.nii.gz')},${rel('baseline.nii.gz')}`,
        'bt-3,only-one-path.nii.gz',
        `bt-4,${rel('not-an-image.nii.gz')},${rel('followup.nii.gz')}`,
        `bt-5,${rel('baseline.nii.gz')},${rel('baseline.nii.gz')},,1.5`,
      ].join('\n'),
    );
    const out = join(b, 'out');
    const args = [
      'batch',
      manifest,
      '--out',
      out,
      '--concurrency',
      '1',
      '--profile',
      'smoke',
      '--epochs',
      '8',
    ];
    const statePath = `${manifest}.state.json`;
    let pid = 0;
    const first = runCli(args, { env, home: dir, timeoutMs: 600_000, onSpawn: (p) => (pid = p) });
    // Kill -9 the batch as soon as its state file records a second job.
    const killer = (async () => {
      for (;;) {
        await new Promise((r) => setTimeout(r, 100));
        const text = await readFile(statePath, 'utf8').catch(() => '');
        const rows = text
          ? Object.values((JSON.parse(text) as { rows: Record<string, { jobId: string | null }> }).rows)
          : [];
        if (rows.filter((r) => r.jobId).length >= 2) {
          process.kill(pid, 'SIGKILL');
          return;
        }
      }
    })();
    const r1 = await first;
    await killer;
    expect(r1.signal).toBe('SIGKILL');
    const jobsAfterKill = (await Promise.all(['bt-1', 'bt-2', 'bt-5'].map(jobsWithRef))).flat().length;
    expect(jobsAfterKill).toBe(2);

    const r2 = await cli(args);
    expect(r2.code, r2.stderr).toBe(5); // not every row succeeded (one malformed, one rejected)
    expect(r2.stderr).toMatch(/line 4 bt-3: invalid row: expected at least 3 fields/);
    expect(r2.stderr).toMatch(/resuming job/);
    for (const ref of ['bt-1', 'bt-2', 'bt-5']) expect(await jobsWithRef(ref), ref).toHaveLength(1);
    const summary = (await readFile(join(out, 'summary.csv'), 'utf8')).trim().split('\n');
    expect(summary[0]).toBe('ref,job_id,status,change_ml,class,error_code');
    const rows = summary.slice(1).map((l) => l.split(','));
    expect(rows.map((c) => [c[0], c[2]])).toEqual([
      ['bt-1', 'succeeded'],
      ['bt-2', 'succeeded'],
      ['bt-3', 'invalid'],
      ['bt-4', 'rejected'],
      ['bt-5', 'succeeded'],
    ]);
    expect(rows[3][5]).toMatch(/^NIFTI_/);
    for (const ref of ['bt-1', 'bt-2', 'bt-5'])
      expect(existsSync(join(out, ref, 'report.json')), ref).toBe(true);
  }, 900_000);
});
