import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTPUT_MARKER } from '../../apps/cli/src/output/safeOutputDir';
import { startFakeAnetApi } from './helpers/fakeAnetApi';
import { jsonLines, runCli } from './helpers/runCli';

// `--out` of analyze, evaluate and fetch never deletes a folder anet did not make (the real executable).
const TOKEN = 'out-test-token-5d1e';
let dir: string;
let api: Awaited<ReturnType<typeof startFakeAnetApi>>;
let env: Record<string, string>;
let jobId: string;

/** A folder of someone's files. */
async function foreignFolder(name: string): Promise<string> {
  const d = join(dir, name);
  await mkdir(join(d, 'sub'), { recursive: true });
  await writeFile(join(d, 'thesis.tex'), 'years of work');
  await writeFile(join(d, 'sub', 'notes.txt'), 'notes');
  return d;
}

async function expectUntouched(d: string): Promise<void> {
  expect((await readdir(d)).sort()).toEqual(['sub', 'thesis.tex']);
  expect(await readFile(join(d, 'thesis.tex'), 'utf8')).toBe('years of work');
  expect(await readFile(join(d, 'sub', 'notes.txt'), 'utf8')).toBe('notes');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'anet-cli-out-'));
  api = await startFakeAnetApi({ token: TOKEN });
  env = { ANET_URL: api.url, ANET_TOKEN: TOKEN, ANET_RETRY_BASE_MS: '20' };
  await writeFile(join(dir, 'b.nii.gz'), gzipSync(Buffer.from('baseline voxels')));
  await writeFile(join(dir, 'f.nii.gz'), gzipSync(Buffer.from('follow-up voxels')));
  const s = await runCli(
    ['submit', '--baseline', join(dir, 'b.nii.gz'), '--followup', join(dir, 'f.nii.gz'), '--ref', 'out-1'],
    { env, home: dir },
  );
  expect(s.code, s.stderr).toBe(0);
  jobId = s.stdout.trim();
  expect((await runCli(['watch', jobId], { env, home: dir })).code).toBe(0);
});
afterAll(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

describe('output folders (real executable)', { timeout: 180_000 }, () => {
  it('fetch: new folder marked; again refused without --force; --force replaces; a foreign folder is refused', async () => {
    const out = join(dir, 'fetched');
    const first = await runCli(['fetch', jobId, '--out', out, '--json'], { env, home: dir });
    expect(first.code, first.stderr).toBe(0);
    const listed = jsonLines(first.stdout)[0] as { artifacts: Array<{ name: string; path: string }> };
    expect(listed.artifacts.map((a) => a.path)).toEqual([join(out, 'report.json'), join(out, 'map.nii.gz')]);
    expect((await readdir(out)).sort()).toEqual([OUTPUT_MARKER, 'map.nii.gz', 'report.json']);
    expect(JSON.parse(await readFile(join(out, OUTPUT_MARKER), 'utf8'))).toMatchObject({
      tool: 'anet',
      kind: 'fetch',
    });

    await writeFile(join(out, 'stale.txt'), 'from before');
    const again = await runCli(['fetch', jobId, '--out', out], { env, home: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/earlier anet download.*--force/);
    expect(await readFile(join(out, 'stale.txt'), 'utf8')).toBe('from before');

    const forced = await runCli(['fetch', jobId, '--out', out, '--force'], { env, home: dir });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain(join(out, 'map.nii.gz'));
    expect((await readdir(out)).sort()).toEqual([OUTPUT_MARKER, 'map.nii.gz', 'report.json']);
    expect((await readdir(dir)).filter((n) => n.startsWith('fetched'))).toEqual(['fetched']);

    const foreign = await foreignFolder('someones-folder');
    for (const extra of [[], ['--force']]) {
      const r = await runCli(['fetch', jobId, '--out', foreign, ...extra, '--json'], { env, home: dir });
      expect(r.code).toBe(2);
      expect(jsonLines(r.stdout)[0]).toMatchObject({
        error: { exitCode: 2, message: expect.stringMatching(/choose an empty or new folder/) },
      });
    }
    await expectUntouched(foreign);
  });

  it('fetch of an unfinished job writes nothing', async () => {
    const s = await runCli(
      ['submit', '--baseline', join(dir, 'b.nii.gz'), '--followup', join(dir, 'f.nii.gz'), '--ref', 'out-2'],
      { env, home: dir },
    );
    const out = join(dir, 'early');
    const r = await runCli(['fetch', s.stdout.trim(), '--out', out], { env, home: dir });
    expect(r.code).toBe(4);
    expect((await readdir(dir)).filter((n) => n.startsWith('early'))).toEqual([]);
  });

  it('analyze --out . (a folder of other files) is refused before any work, with what to do', async () => {
    const cwd = await foreignFolder('cwd');
    const r = await runCli(
      ['analyze', '--baseline', join(dir, 'b.nii.gz'), '--followup', join(dir, 'f.nii.gz'), '--out', '.'],
      { home: dir, cwd },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not empty .* was not made by anet .*choose an empty or new folder/);
    await expectUntouched(cwd);
  });

  it('evaluate: refuses a foreign folder and an analyze result, even with --force for the first', async () => {
    const cohort = join(dir, 'cohort', 'pair-1');
    await mkdir(cohort, { recursive: true });
    for (const f of ['baseline', 'followup', 'baseline_mask', 'followup_mask'])
      await writeFile(join(cohort, `${f}.nii.gz`), 'x');
    const foreign = await foreignFolder('results');
    const r = await runCli(['evaluate', '--cohort', join(dir, 'cohort'), '--out', foreign, '--force'], {
      home: dir,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/was not made by anet/);
    await expectUntouched(foreign);

    const fetched = join(dir, 'fetched'); // an anet folder of another kind
    const e = await runCli(['evaluate', '--cohort', join(dir, 'cohort'), '--out', fetched], { home: dir });
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/earlier anet download.*--force/);
  });

  it('--help documents --force', async () => {
    for (const cmd of ['analyze', 'evaluate', 'fetch']) {
      const h = await runCli([cmd, '--help'], { home: dir });
      expect(h.code).toBe(0);
      expect(h.stdout).toMatch(/--force\s+\S/);
    }
  });
});
