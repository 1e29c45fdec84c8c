import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnetClient } from '../../apps/cli/src/client';
import type { RowState } from '../../apps/cli/src/batch/BatchState';
import { runBatch, type BatchEvent } from '../../apps/cli/src/batch/runBatch';
import { startFakeAnetApi } from './helpers/fakeAnetApi';

const TOKEN = 'batch-test-token-xyz';
let dir: string;
let api: Awaited<ReturnType<typeof startFakeAnetApi>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'anet-batch-'));
  api = await startFakeAnetApi({ token: TOKEN, failRefs: ['P6'] });
  await mkdir(join(dir, 'in'));
  for (const n of ['b1', 'f1', 'b2', 'f2', 'b5', 'f5', 'b6', 'f6']) {
    await writeFile(join(dir, 'in', `${n}.nii.gz`), gzipSync(Buffer.from(`fake nifti ${n}`)));
  }
  await writeFile(join(dir, 'in', 'notes.txt'), 'this is not an image');
});
afterAll(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

const csv = [
  'ref,baseline,followup,baseline_mask,baseline_volume_ml',
  'P1,in/b1.nii.gz,in/f1.nii.gz,,10',
  'P2,in/b2.nii.gz,in/f2.nii.gz',
  'P3,in/b1.nii.gz',
  'P4,in/notes.txt,in/f1.nii.gz',
  'P5,in/b5.nii.gz,in/f5.nii.gz',
  'P6,in/b6.nii.gz,in/f6.nii.gz',
].join('\n');

const client = () => new AnetClient({ baseUrl: api.url, token: TOKEN, retry: { baseDelayMs: 10 } });
const posts = () => api.requests.filter((r) => r.method === 'POST' && r.url === '/v1/jobs');

describe('runBatch (against a contract-speaking HTTP server)', () => {
  it('survives an interruption, resumes without resubmitting, reports bad rows, and writes a complete summary', async () => {
    const manifest = join(dir, 'cohort.csv');
    await writeFile(manifest, csv);
    const out = join(dir, 'out');

    // Run 1: interrupted right after the second job is submitted.
    const controller = new AbortController();
    const events1: BatchEvent[] = [];
    await runBatch({
      client: client(),
      manifestPath: manifest,
      outDir: out,
      concurrency: 1,
      signal: controller.signal,
      pollIntervalMs: 10,
      onEvent: (e) => {
        events1.push(e);
        if (events1.filter((x) => x.event === 'submitted').length === 2) controller.abort();
      },
    });
    expect(api.jobs.size).toBe(2);
    const state1 = JSON.parse(await readFile(`${manifest}.state.json`, 'utf8')) as {
      rows: Record<string, RowState>;
    };
    expect(Object.values(state1.rows).map((r) => [r.ref, r.status, Boolean(r.jobId), r.fetched])).toEqual([
      ['P1', 'succeeded', true, true],
      ['P2', 'queued', true, false],
    ]);
    expect(events1.find((e) => e.event === 'invalid')).toMatchObject({
      line: 4,
      ref: 'P3',
      message: expect.stringMatching(/at least 3 fields/),
    });

    // Run 2: resumes P2 without a POST, submits the rest, keeps going past the bad rows.
    const postsBefore = posts().length;
    const events2: BatchEvent[] = [];
    const result = await runBatch({
      client: client(),
      manifestPath: manifest,
      outDir: out,
      concurrency: 2,
      pollIntervalMs: 10,
      onEvent: (e) => events2.push(e),
    });
    expect(events2.filter((e) => e.event === 'resumed').map((e) => e.ref)).toEqual(['P2']);
    const newPosts = posts().slice(postsBefore);
    expect(newPosts).toHaveLength(3); // P4 (rejected), P5, P6 — not P1/P2
    expect(api.jobs.size).toBe(4);
    expect(result.rows.map((r) => [r.line, r.ref, r.status, r.errorCode])).toEqual([
      [2, 'P1', 'succeeded', null],
      [3, 'P2', 'succeeded', null],
      [4, 'P3', 'invalid', 'VALIDATION_FAILED'],
      [5, 'P4', 'rejected', 'NIFTI_BAD_MAGIC'],
      [6, 'P5', 'succeeded', null],
      [7, 'P6', 'failed', 'TRAINING_DIVERGED'],
    ]);
    const summary = (await readFile(join(out, 'summary.csv'), 'utf8')).trim().split('\n');
    expect(summary[0]).toBe('ref,job_id,status,change_ml,class,error_code');
    expect(summary).toHaveLength(7);
    const p1 = [...api.jobs.values()].find((j) => j.view.clientReference === 'P1')!.view.id;
    expect(summary[1]).toBe(`P1,${p1},succeeded,1.25,stable,`);
    expect(summary[3]).toBe('P3,,invalid,,,VALIDATION_FAILED');
    expect(summary[4]).toBe('P4,,rejected,,,NIFTI_BAD_MAGIC');
    for (const ref of ['P1', 'P2', 'P5']) {
      expect(existsSync(join(out, ref, 'report.json'))).toBe(true);
      expect(existsSync(join(out, ref, 'map.nii.gz'))).toBe(true);
    }
    expect(existsSync(join(out, 'P6'))).toBe(false);
    // The per-row options reached the server.
    expect([...api.jobs.values()].map((j) => j.view.clientReference).sort()).toEqual([
      'P1',
      'P2',
      'P5',
      'P6',
    ]);

    // Run 3: everything finished is left alone (only the rejected row is tried again).
    const requestsBefore = api.requests.length;
    await runBatch({ client: client(), manifestPath: manifest, outDir: out, pollIntervalMs: 10 });
    const run3 = api.requests.slice(requestsBefore);
    expect(run3.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /v1/jobs']);
  });

  it('never duplicates a job even when the state file lost the submission (Idempotency-Key from the row)', async () => {
    const sub = join(dir, 'lost');
    await mkdir(sub);
    const manifest = join(sub, 'm.csv');
    await writeFile(manifest, `Q1,${join(dir, 'in/b1.nii.gz')},${join(dir, 'in/f1.nii.gz')}\n`);
    await runBatch({
      client: client(),
      manifestPath: manifest,
      outDir: join(sub, 'out'),
      pollIntervalMs: 10,
    });
    const jobsAfterFirst = api.jobs.size;
    await rm(`${manifest}.state.json`);
    const again = await runBatch({
      client: client(),
      manifestPath: manifest,
      outDir: join(sub, 'out'),
      pollIntervalMs: 10,
    });
    expect(api.jobs.size).toBe(jobsAfterFirst);
    const keys = posts()
      .slice(-2)
      .map((r) => r.headers['idempotency-key']);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[0]).toMatch(/^anet-batch-[0-9a-f]{64}$/);
    expect(again.rows[0]).toMatchObject({ ref: 'Q1', status: 'succeeded' });
  });
});
