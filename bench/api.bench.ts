/**
 * API benchmarks (issue 6), loopback, against a real API process, Postgres, Redis and s3rver:
 *  1. GET /v1/jobs/:id with a valid key (autocannon): target ≥ 3000 req/s, p99 ≤ 50 ms.
 *  2. 8 concurrent uploads of two ~100 MB NIfTI files each (curl -F, streamed): API peak RSS
 *     (VmHWM of the API process) target ≤ 250 MB; upload throughput.
 * Run: `npx tsx bench/api.bench.ts` (local services up: `npm run services`). Uses its own
 * database, bucket and queue; removes them afterwards.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import S3rver from 's3rver';
import { createPrismaClient, createTempDatabase, runMigrations } from '@anet/db';
import { createApiKey } from '@anet/api/apiKeys';
import { writeNifti } from '@anet/nifti';

const ADMIN_URL = process.env.ANET_TEST_ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const PORT = 18000 + Math.floor(Math.random() * 1000);
const BASE = `http://127.0.0.1:${PORT}`;

function niftiRaw(dims: [number, number, number], seed: number): Uint8Array {
  // An uncompressed NIfTI-1 (gunzip of writeNifti): header + float32 voxels with texture.
  const n = dims[0] * dims[1] * dims[2];
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = ((i * 2654435761 + seed) % 1000) / 10;
  const gz = writeNifti(
    { data, dims, spacing: [1, 1, 1], affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] },
    { datatype: 'float32' },
  );
  return new Uint8Array(gunzipSync(gz));
}

/** utime + stime of a process, in seconds (/proc/<pid>/stat fields 14 and 15, clock ticks of 1/100 s). */
async function cpuSeconds(pid: number): Promise<number> {
  const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function readHwmMb(pid: number): Promise<{ rss: number; hwm: number }> {
  const s = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) / 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

function run(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    p.on('error', reject);
    p.on('exit', (code) => resolve(code ?? -1));
  });
}

async function startApi(env: NodeJS.ProcessEnv): Promise<ReturnType<typeof spawn>> {
  const api = spawn(process.execPath, ['--import', 'tsx', 'apps/api/src/server.ts'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; ; i++) {
    // /readyz touches Postgres, Redis and S3 once, so the idle RSS includes their clients.
    if ((await fetch(`${BASE}/readyz`).catch(() => null))?.ok) break;
    if (i > 600) throw new Error('API did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return api;
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'anet-api-bench-'));
  const db = await createTempDatabase(ADMIN_URL, 'anet_bench');
  const bucket = `bench-${randomBytes(3).toString('hex')}`;
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: join(dir, 's3'),
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  const { port: s3Port } = await s3.run();
  let api: ReturnType<typeof spawn> | undefined;
  try {
    await runMigrations(db.url);
    const prisma = createPrismaClient(db.url);
    const key = (await createApiKey(prisma, { tenant: 'bench' })).key;
    const env = {
      ...process.env,
      DATABASE_URL: db.url,
      S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
      S3_BUCKET: bucket,
      QUEUE_NAME: `bench-${randomBytes(3).toString('hex')}`,
      PORT: String(PORT),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '100000000',
      RECONCILE_INTERVAL_MS: '0',
    };
    api = await startApi(env);
    const auth = { authorization: `Bearer ${key}` };

    // A job to poll (small inputs).
    const small = niftiRaw([32, 32, 16], 1);
    await writeFile(join(dir, 'small.nii'), small);
    const form = new FormData();
    form.set('baseline', new Blob([small]), 'b.nii');
    form.set('followup', new Blob([small]), 'f.nii');
    form.set('options', JSON.stringify({ profile: 'smoke' }));
    const job = (await (
      await fetch(`${BASE}/v1/jobs`, { method: 'POST', body: form, headers: auth })
    ).json()) as { id: string };

    // 1. GET /v1/jobs/:id
    await autocannon({ url: `${BASE}/v1/jobs/${job.id}`, headers: auth, connections: 20, duration: 3 }); // warm-up
    const cpu0 = await cpuSeconds(api.pid!);
    const r = await autocannon({
      url: `${BASE}/v1/jobs/${job.id}`,
      headers: auth,
      connections: 50,
      pipelining: 1,
      duration: 10,
    });
    const non2xx = r.non2xx + r.errors;
    console.log(`\nGET /v1/jobs/:id (autocannon, 50 connections, 10 s, ${cpus().length} cores shared)`);
    console.log(
      `  throughput  ${r.requests.average.toFixed(0)} req/s   target ≥ 3000   ${r.requests.average >= 3000 ? 'PASS' : 'FAIL'}`,
    );
    console.log(
      `  latency p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms   target p99 ≤ 50 ms   ${r.latency.p99 <= 50 ? 'PASS' : 'FAIL'}`,
    );
    console.log(`  non-2xx/errors ${non2xx}`);
    // The machine is shared: CPU time per request says what one free core would sustain.
    const cpuMs = (((await cpuSeconds(api.pid!)) - cpu0) * 1000) / r.requests.total;
    console.log(
      `  API process CPU ${cpuMs.toFixed(3)} ms/request → ~${(1000 / cpuMs).toFixed(0)} req/s per free core (API only; Postgres/Redis extra)`,
    );

    // 2. 8 concurrent uploads of two ~100 MB files each.
    const big = [niftiRaw([256, 256, 400], 2), niftiRaw([256, 256, 400], 3)];
    await writeFile(join(dir, 'b.nii'), big[0]);
    await writeFile(join(dir, 'f.nii'), big[1]);
    const mbPerUpload = (big[0].byteLength + big[1].byteLength) / 1e6;
    // A fresh API process, so the peak below is the uploads' (not the GET benchmark's heap).
    api.kill('SIGTERM');
    await new Promise((r) => api!.once('exit', r));
    api = await startApi(env);
    const pid = api.pid!;
    const before = await readHwmMb(pid);
    let peakSampled = before.rss;
    const sampler = setInterval(
      () => void readHwmMb(pid).then((m) => (peakSampled = Math.max(peakSampled, m.rss))),
      50,
    );
    const t0 = performance.now();
    const codes = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        run('curl', [
          '-s',
          '-o',
          '/dev/null',
          '-w',
          '%{http_code}',
          '--fail',
          '-X',
          'POST',
          `${BASE}/v1/jobs`,
          '-H',
          `Authorization: Bearer ${key}`,
          '-F',
          `baseline=@${join(dir, 'b.nii')}`,
          '-F',
          `followup=@${join(dir, 'f.nii')}`,
          '-F',
          `options={"profile":"smoke","clientReference":"u${i}"}`,
        ]),
      ),
    );
    const secs = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    const after = await readHwmMb(pid);
    const ok = codes.filter((c) => c === 0).length;
    console.log(
      `\n8 concurrent uploads × 2 files × ${(big[0].byteLength / 1e6).toFixed(0)} MB (curl -F, streamed to s3rver through sha256 + NIfTI validation)`,
    );
    console.log(`  succeeded   ${ok}/8`);
    console.log(`  wall ${secs.toFixed(1)} s, throughput ${((8 * mbPerUpload) / secs).toFixed(0)} MB/s`);
    console.log(
      `  API RSS idle ${before.rss.toFixed(0)} MB (fresh process after /readyz); peak (VmHWM) ${after.hwm.toFixed(0)} MB (sampled ${peakSampled.toFixed(0)} MB)   target ≤ 250 MB   ${after.hwm <= 250 ? 'PASS' : 'FAIL'}`,
    );
    await prisma.$disconnect();
  } finally {
    api?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    s3.httpServer?.closeAllConnections();
    await s3.close();
    await db.drop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
