/**
 * CLI upload benchmark (issue 7): `AnetClient.submitJob` streams the files from disk (fs.openAsBlob in a
 * FormData), so a 1 GiB scan should not be held in memory. Each client runs in its own child process and
 * reports its peak RSS (process.resourceUsage().maxRSS) and wall time; the sink is a local HTTP server in
 * this process that reads and hashes the multipart body and answers 202 like the API. The baseline, in the
 * same run, is the naive client: readFile the whole file, then POST it as one Buffer.
 * Run: npx tsx bench/cli.bench.ts [sizeMiB=1024]
 * Timings on a shared, loaded 2-core box are noisy; the RSS figures are not.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AnetClient } from '../apps/cli/src/client';
import { jobView } from '../tests/cli/helpers/jobView';

const self = fileURLToPath(import.meta.url);

async function child(mode: string, url: string, baseline: string, followup: string): Promise<void> {
  const t0 = performance.now();
  if (mode === 'stream') {
    const client = new AnetClient({ baseUrl: url, token: 'bench-token' });
    await client.submitJob({ baseline, followup, options: { profile: 'smoke' }, idempotencyKey: 'bench' });
  } else {
    // What a naive client does: whole files in memory.
    const form = new FormData();
    form.append('baseline', new Blob([await readFile(baseline)]), 'b.nii.gz');
    form.append('followup', new Blob([await readFile(followup)]), 'f.nii.gz');
    const res = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      body: form,
      headers: { authorization: 'Bearer x' },
    });
    await res.text();
  }
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\n');
}

async function main(): Promise<void> {
  const sizeMiB = Number(process.argv[2] ?? 1024);
  const dir = mkdtempSync(join(tmpdir(), 'anet-cli-bench-'));
  const baseline = join(dir, 'baseline.nii.gz');
  const followup = join(dir, 'followup.nii.gz');
  // Sparse files: the disk is not the bottleneck being measured.
  const fd = openSync(baseline, 'w');
  ftruncateSync(fd, sizeMiB * 1024 * 1024);
  closeSync(fd);
  writeFileSync(followup, Buffer.alloc(1024 * 1024, 1));

  let received = 0;
  const server = createServer((req, res) => {
    const hash = createHash('sha256');
    req.on('data', (c: Buffer) => {
      received += c.length;
      hash.update(c);
    });
    req.on('end', () => {
      res.writeHead(202, { 'content-type': 'application/json', location: '/v1/jobs/bench' });
      res.end(JSON.stringify(jobView('bench')));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const runChild = (mode: string) =>
    new Promise<{ seconds: number; maxRssMiB: number }>((resolve, reject) => {
      received = 0;
      const p = spawn(process.execPath, ['--import', 'tsx', self, '--child', mode, url, baseline, followup], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.on('error', reject);
      p.on('close', (code) =>
        code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${mode} child exit ${code}`)),
      );
    });

  console.log(
    `CLI upload bench — ${sizeMiB} MiB baseline + 1 MiB follow-up, ${cpus().length} CPUs, load ${loadavg()[0].toFixed(1)}, Node ${process.version}`,
  );
  const idle = await runChild('idle');
  const stream = await runChild('stream');
  const streamBytes = received;
  const naive = process.env.SKIP_NAIVE
    ? { seconds: NaN, maxRssMiB: NaN }
    : await runChild('naive').catch((e: Error) => ({
        seconds: NaN,
        maxRssMiB: NaN,
        error: e.message,
      }));
  const mb = (sizeMiB + 1) * 1.048576;
  console.log(`| client | peak RSS (MiB) | target | wall (s) | MB/s |`);
  console.log(`|---|---|---|---|---|`);
  console.log(`| node + tsx, no upload (floor) | ${idle.maxRssMiB.toFixed(0)} | — | — | — |`);
  console.log(
    `| AnetClient.submitJob (streamed) | ${stream.maxRssMiB.toFixed(0)} | ≤ 200, independent of file size | ${stream.seconds.toFixed(1)} | ${(mb / stream.seconds).toFixed(0)} |`,
  );
  console.log(
    `| naive readFile + Buffer POST (baseline) | ${naive.maxRssMiB.toFixed(0)} | — | ${naive.seconds.toFixed(1)} | ${(mb / naive.seconds).toFixed(0)} |`,
  );
  console.log(
    `ratio peak RSS streamed/naive: ${(stream.maxRssMiB / naive.maxRssMiB).toFixed(3)}; bytes received by the sink (streamed run): ${streamBytes}`,
  );
  server.close();
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv[2] === '--child') {
  const [, , , mode, url, b, f] = process.argv;
  if (mode === 'idle')
    process.stdout.write(
      JSON.stringify({ seconds: 0, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\n',
    );
  else await child(mode, url, b, f);
} else {
  await main();
}
