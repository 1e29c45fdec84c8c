import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDcm2niix } from '../../apps/cli/src/dicom';
import { startFakeAnetApi } from './helpers/fakeAnetApi';
import { jsonLines, runCli } from './helpers/runCli';
import { startServer } from './helpers/startServer';
import { writeDicomSeries } from './helpers/writeDicomSeries';

const TOKEN = 'cli-test-token-7f3a9c';
let dir: string;
let api: Awaited<ReturnType<typeof startFakeAnetApi>>;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'anet-cli-cmd-'));
  api = await startFakeAnetApi({ token: TOKEN, failRefs: ['doomed'] });
  env = { ANET_URL: api.url, ANET_TOKEN: TOKEN, ANET_RETRY_BASE_MS: '20' };
  await writeFile(join(dir, 'b.nii.gz'), gzipSync(Buffer.from('baseline voxels')));
  await writeFile(join(dir, 'f.nii.gz'), gzipSync(Buffer.from('follow-up voxels')));
});
afterAll(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

describe('anet CLI (real executable, exit codes, --json)', { timeout: 180_000 }, () => {
  it('submit --wait --json: JSON lines only on stdout, artifacts verified on disk, exit 0', async () => {
    const out = join(dir, 'out1');
    const r = await runCli(
      [
        'submit',
        '--baseline',
        join(dir, 'b.nii.gz'),
        '--followup',
        join(dir, 'f.nii.gz'),
        '--ref',
        'case-1',
        '--profile',
        'smoke',
        '--wait',
        '--out',
        out,
        '--json',
      ],
      { env, home: dir },
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines[0]).toMatchObject({
      type: 'submitted',
      job: { status: 'queued', clientReference: 'case-1' },
    });
    expect(lines.some((l) => l.type === 'progress')).toBe(true);
    const result = lines[lines.length - 1] as {
      type: string;
      job: { status: string };
      artifacts: Array<{ name: string }>;
    };
    expect(result).toMatchObject({ type: 'result', job: { status: 'succeeded' } });
    expect(result.artifacts.map((a) => a.name)).toEqual(['report.json', 'map.nii.gz']);
    expect(existsSync(join(out, 'map.nii.gz'))).toBe(true);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it('human output: the id alone on stdout line 1; status/list/fetch work on it', async () => {
    const r = await runCli(
      ['submit', '--baseline', join(dir, 'b.nii.gz'), '--followup', join(dir, 'f.nii.gz'), '--ref', 'case-2'],
      { env, home: dir },
    );
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    expect(api.jobs.has(id)).toBe(true);
    expect(r.stderr).toContain(`anet watch ${id}`);
    const w = await runCli(['watch', id], { env, home: dir });
    expect(w.code).toBe(0);
    expect(w.stdout).toMatch(/succeeded[\s\S]*modified RANO: stable \(\+12\.5 %\)/);
    const f = await runCli(['fetch', id, '--out', join(dir, 'fetched'), '--json'], { env, home: dir });
    expect(f.code).toBe(0);
    expect(jsonLines(f.stdout)[0]).toMatchObject({
      jobId: id,
      artifacts: [{ name: 'report.json' }, { name: 'map.nii.gz' }],
    });
    expect(JSON.parse(await readFile(join(dir, 'fetched', 'report.json'), 'utf8'))).toMatchObject({
      jobId: id,
    });
  });

  it('exit 5 when the job fails, with its error code', async () => {
    const r = await runCli(
      [
        'submit',
        '--baseline',
        join(dir, 'b.nii.gz'),
        '--followup',
        join(dir, 'f.nii.gz'),
        '--ref',
        'doomed',
        '--wait',
        '--out',
        join(dir, 'o'),
      ],
      { env, home: dir },
    );
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/TRAINING_DIVERGED/);
  });

  it('exit 4 for server rejections (404, 401, 422) with the server code, never echoing the token', async () => {
    const notFound = await runCli(['status', 'no-such-job'], { env, home: dir });
    expect(notFound.code).toBe(4);
    expect(notFound.stderr).toMatch(/error JOB_NOT_FOUND: GET \/v1\/jobs\/no-such-job → HTTP 404/);
    const wrong = await runCli(['list', '--json'], {
      env: { ...env, ANET_TOKEN: 'wrong-token-123' },
      home: dir,
    });
    expect(wrong.code).toBe(4);
    expect(jsonLines(wrong.stdout)[0]).toMatchObject({
      error: { code: 'UNAUTHORIZED', httpStatus: 401, exitCode: 4 },
    });
    expect(wrong.stdout + wrong.stderr).not.toContain('wrong-token-123');
    await writeFile(join(dir, 'bad.nii'), 'definitely not nifti');
    const bad = await runCli(
      ['submit', '--baseline', join(dir, 'bad.nii'), '--followup', join(dir, 'f.nii.gz')],
      { env, home: dir },
    );
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/NIFTI_BAD_MAGIC/);
  });

  it('exit 2 for usage errors, 3 for local input errors, 6 when the API is unreachable', async () => {
    const noUrl = await runCli(['status', 'x'], { env: { ANET_TOKEN: TOKEN }, home: dir });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/no API URL/);
    const badRef = await runCli(['submit', '--baseline', 'a', '--followup', 'b', '--ref', 'Jane Doe'], {
      env,
      home: dir,
    });
    expect(badRef.code).toBe(2);
    const missing = await runCli(
      ['submit', '--baseline', join(dir, 'nope.nii'), '--followup', join(dir, 'f.nii.gz')],
      { env, home: dir },
    );
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/baseline: no such file/);

    const down = await startServer(() => undefined);
    const url = down.url;
    await down.close();
    const unreachable = await runCli(['list'], {
      env: { ...env, ANET_URL: url, ANET_RETRY_ATTEMPTS: '2' },
      home: dir,
    });
    expect(unreachable.code).toBe(6);
    expect(unreachable.stderr).toMatch(/retry 1: GET \/v1\/jobs failed \(ECONNREFUSED\)/);
  });

  it.skipIf(!findDcm2niix())(
    'Ctrl-C during a DICOM upload: exit 130 and the converted files are deleted',
    async () => {
      const tmp = join(dir, 'private-tmp');
      await mkdir(tmp);
      const series = join(dir, 'series');
      const dims: [number, number, number] = [16, 16, 6];
      await writeDicomSeries(
        series,
        { data: Int16Array.from({ length: 16 * 16 * 6 }, (_, i) => i % 500), dims },
        {
          origin: [0, 0, 0],
          rowDir: [1, 0, 0],
          colDir: [0, 1, 0],
          pixelSpacing: [1, 1],
          sliceSpacing: 2,
        },
        { seriesUid: '2.25.99', seriesNumber: 1 },
      );
      // An API that accepts the upload but never answers.
      const hang = await startServer(() => new Promise(() => undefined));
      let pid = 0;
      const run = runCli(['submit', '--baseline', series, '--followup', join(dir, 'f.nii.gz')], {
        env: { ...env, ANET_URL: hang.url, TMPDIR: tmp },
        home: dir,
        onSpawn: (p) => (pid = p),
      });
      while (hang.requests.length === 0) await new Promise((r) => setTimeout(r, 50));
      const ours = async () => (await readdir(tmp)).filter((n) => n.startsWith('anet-dicom-'));
      expect(await ours()).toHaveLength(1); // the converted series, while uploading
      process.kill(pid, 'SIGINT');
      const r = await run;
      await hang.close();
      expect(r.code).toBe(130);
      expect(r.stderr).toMatch(/interrupted/);
      expect(await ours()).toEqual([]);
    },
  );
});
