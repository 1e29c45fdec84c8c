import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportSchema } from '@anet/contracts';
import { readNifti, writeNifti } from '@anet/nifti';
import { makePhantomPair, type PhantomPair } from '@anet/preprocess';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'apps/cli/bin/anet.js');

function anet(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: root, env: { ...process.env, ANET_QUIET: '1' } },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let dir: string;

async function writePair(
  name: string,
  p: PhantomPair,
): Promise<Record<'baseline' | 'followup' | 'mask', string>> {
  const f = (s: string) => path.join(dir, `${name}_${s}.nii.gz`);
  await writeFile(f('baseline'), writeNifti(p.baseline, { datatype: 'float32' }));
  await writeFile(f('followup'), writeNifti(p.followup, { datatype: 'float32' }));
  await writeFile(f('mask'), writeNifti(p.baselineTumour, { datatype: 'uint8' }));
  return { baseline: f('baseline'), followup: f('followup'), mask: f('mask') };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'anet-e2e-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// The clear cases of the phantom: the lesion volume triples (progression) or drops to a fifth (response).
const CASES = {
  progression: { change: 3, expected: 'progression' },
  response: { change: 0.2, expected: 'response' },
} as const;

/** Runs `anet analyze --profile smoke` on a phantom pair and checks everything but the class. */
async function analysePhantom(name: keyof typeof CASES, tag = '') {
  const phantom = makePhantomPair({ seed: 11, dims: [48, 48, 24], change: CASES[name].change });
  const files = await writePair(name + tag, phantom);
  const out = path.join(dir, `out_${name}${tag}`);
  const res = await anet([
    'analyze',
    '--baseline',
    files.baseline,
    '--followup',
    files.followup,
    '--baseline-mask',
    files.mask,
    '--profile',
    'smoke',
    '--out',
    out,
    '--json',
  ]);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  const lines = res.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string });
  expect(lines.some((l) => l.type === 'progress')).toBe(true);
  expect(lines.at(-1)?.type).toBe('result');

  const names = await readdir(out);
  for (const a of [
    'map.nii.gz',
    'ternary.nii.gz',
    'uncertainty.nii.gz',
    'report.json',
    'overlay.png',
    'training_curve.png',
  ])
    expect(names).toContain(a);
  const baselineIn = readNifti(new Uint8Array(await readFile(files.baseline)));
  for (const n of ['map.nii.gz', 'ternary.nii.gz', 'uncertainty.nii.gz']) {
    const v = readNifti(new Uint8Array(await readFile(path.join(out, n))));
    expect(v.dims).toEqual(baselineIn.dims);
    v.affine.forEach((x, i) => expect(x).toBeCloseTo(baselineIn.affine[i]!, 5));
  }
  const report = ReportSchema.parse(JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')));
  expect(report.profile).toBe('smoke');
  expect(report.volumes.baselineSource).toBe('mask');
  const voxelMl = phantom.baseline.spacing.reduce((a, b) => a * b, 1) / 1000;
  expect(report.volumes.baselineMl).toBeCloseTo(phantom.truth.baselineVoxels * voxelMl, 6);
  for (const a of report.artifacts) expect(names).toContain(a.name);
  return report;
}

describe('anet analyze --profile smoke on phantom pairs (end to end, in-process pipeline)', () => {
  it.concurrent('response: artifacts in the baseline grid, valid report, class response', async () => {
    const report = await analysePhantom('response');
    expect(report.classes.modifiedRano.class).toBe(CASES.response.expected);
  });

  // KNOWN FAILURE (issue 5 stays open): with the short smoke/cpu schedules the generator learns
  // vanishing enhancement but only weakly learns new enhancement, and darkens the whole lesion, so a
  // tripled lesion is classed response/stable. Evidence: bench/results/model.md, bench/RESULTS.md.
  // `it.fails` turns red the day the class comes out right; then make it a plain `it`.
  it.concurrent.fails('progression: class progression (known failure of the short schedules)', async () => {
    const report = await analysePhantom('progression');
    expect(report.classes.modifiedRano.class).toBe(CASES.progression.expected);
  });

  it.concurrent(
    'progression: every artifact, grid and report is right even when the class is not',
    async () => {
      await analysePhantom('progression', '_b');
    },
  );

  it('bad input: a file that is not NIfTI exits 3 with its error code and writes nothing', async () => {
    const bogus = path.join(dir, 'not-a-scan.nii.gz');
    await writeFile(bogus, 'this is not a NIfTI file');
    const out = path.join(dir, 'out_bad');
    const res = await anet([
      'analyze',
      '--baseline',
      bogus,
      '--followup',
      bogus,
      '--profile',
      'smoke',
      '--out',
      out,
    ]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/NIFTI_/);
    await expect(readdir(out)).rejects.toThrow();
  });

  it('usage: a missing required option exits 2', async () => {
    const res = await anet(['analyze', '--baseline', 'x.nii.gz']);
    expect(res.code).toBe(2);
  });
});
