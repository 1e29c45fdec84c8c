import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../exitCodes';
import { exitCodeFor } from './exitCodeFor';
import {
  inspectOutputDir,
  OUTPUT_MARKER,
  openResumableOutputDir,
  prepareOutputDir,
  readOutputMarker,
  writeOutputDir,
  writeOutputMarker,
  type OutputDirOptions,
} from './safeOutputDir';
import { UsageError } from './UsageError';

let root: string;
let n = 0;
let dir: string;
afterAll(() => rm(root, { recursive: true, force: true }));
beforeEach(async () => {
  root ??= await mkdtemp(join(tmpdir(), 'anet-safe-out-'));
  dir = join(root, `case-${++n}`);
  await mkdir(dir);
});

/** What the analyze command does: check, then write the files into the prepared folder. */
async function writeResult(out: string, files: Record<string, string>, opts: Partial<OutputDirOptions> = {}) {
  const prepared = await prepareOutputDir(out, { kind: 'analyze', ...opts });
  await writeOutputDir(prepared, async (d) => {
    for (const [name, text] of Object.entries(files)) await writeFile(join(d, name), text);
  });
  return prepared;
}

async function listing(d: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(d)).sort()) out[name] = await readFile(join(d, name), 'utf8');
  return out;
}

/** Files (and folders) next to `out`: no temporary or backup sibling may be left behind. */
const siblings = () => readdir(dir);

async function refusedWith(p: Promise<unknown>, message: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  expect(exitCodeFor(err)).toBe(EXIT.USAGE);
  expect((err as Error).message).toMatch(message);
}

describe('safe output folders', () => {
  it('a new folder: written, marked, nothing else left beside it', async () => {
    const out = join(dir, 'nested', 'out');
    const p = await writeResult(out, { 'map.nii.gz': 'map' });
    expect(p.mode).toBe('new');
    expect(await readFile(join(out, 'map.nii.gz'), 'utf8')).toBe('map');
    const line = await readFile(join(out, OUTPUT_MARKER), 'utf8');
    expect(line.endsWith('\n') && line.split('\n').length).toBe(2); // one JSON line
    expect(JSON.parse(line)).toMatchObject({ tool: 'anet', version: expect.any(String), kind: 'analyze' });
    expect(Number.isNaN(Date.parse(JSON.parse(line).createdAt))).toBe(false);
    expect(await readdir(join(dir, 'nested'))).toEqual(['out']);
  });

  it('checking creates nothing (a command can check before a long computation)', async () => {
    const out = join(dir, 'out');
    await prepareOutputDir(out, { kind: 'analyze' });
    expect(existsSync(out)).toBe(false);
    expect(await siblings()).toEqual([]);
  });

  it('an empty existing folder is used', async () => {
    const out = join(dir, 'out');
    await mkdir(out);
    expect((await writeResult(out, { 'report.json': '{}' })).mode).toBe('new');
    expect(await listing(out)).toMatchObject({ 'report.json': '{}' });
    expect(await siblings()).toEqual(['out']);
  });

  it('a non-empty folder anet did not make is refused (exit 2), even with --force, and left untouched', async () => {
    const out = join(dir, 'home');
    await mkdir(join(out, 'Documents'), { recursive: true });
    await writeFile(join(out, 'thesis.tex'), 'years of work');
    await writeFile(join(out, 'Documents', 'notes.txt'), 'notes');
    for (const force of [false, true]) {
      await refusedWith(
        writeResult(out, { 'map.nii.gz': 'map' }, { force }),
        /not empty \(2 entries\) and was not made by anet.*choose an empty or new folder/,
      );
      // evaluate (resumable) refuses it too
      await refusedWith(openResumableOutputDir(out, { kind: 'evaluate', force }), /was not made by anet/);
    }
    expect((await readdir(out)).sort()).toEqual(['Documents', 'thesis.tex']);
    expect(await readFile(join(out, 'thesis.tex'), 'utf8')).toBe('years of work');
    expect(await readFile(join(out, 'Documents', 'notes.txt'), 'utf8')).toBe('notes');
    expect(await siblings()).toEqual(['home']);
  });

  it('a marker that is not anet’s does not count', async () => {
    const out = join(dir, 'out');
    await mkdir(out);
    await writeFile(join(out, OUTPUT_MARKER), '{"tool":"other","kind":"analyze"}\n');
    await writeFile(join(out, 'data.csv'), '1,2');
    expect(await readOutputMarker(out)).toBeUndefined();
    await refusedWith(writeResult(out, {}, { force: true }), /was not made by anet/);
    expect(await listing(out)).toMatchObject({ 'data.csv': '1,2' });
  });

  it('a file is not a folder', async () => {
    const out = join(dir, 'out.txt');
    await writeFile(out, 'text');
    await refusedWith(writeResult(out, {}, { force: true }), /is not a folder/);
    expect(await readFile(out, 'utf8')).toBe('text');
  });

  it('an earlier anet result is refused without --force, and replaced with it (old content gone)', async () => {
    const out = join(dir, 'out');
    await writeResult(out, { 'map.nii.gz': 'old map', 'old_only.png': 'png' });
    await refusedWith(writeResult(out, { 'map.nii.gz': 'new map' }), /earlier anet analysis.*pass --force/);
    expect(await listing(out)).toMatchObject({ 'map.nii.gz': 'old map', 'old_only.png': 'png' });

    const p = await writeResult(out, { 'map.nii.gz': 'new map' }, { force: true });
    expect(p.mode).toBe('replace');
    expect(Object.keys(await listing(out))).toEqual([OUTPUT_MARKER, 'map.nii.gz']);
    expect(await readFile(join(out, 'map.nii.gz'), 'utf8')).toBe('new map');
    expect(await siblings()).toEqual(['out']); // no temporary or backup folder left
  });

  it('follows a symlinked output folder and keeps the link', async () => {
    const real = join(dir, 'real');
    await writeResult(real, { 'a.txt': 'old' });
    await symlink(real, join(dir, 'link'));
    await writeResult(join(dir, 'link'), { 'a.txt': 'new' }, { force: true });
    expect(await readFile(join(dir, 'link', 'a.txt'), 'utf8')).toBe('new');
    expect((await siblings()).sort()).toEqual(['link', 'real']);
  });

  it('a failure while writing leaves the old result intact and removes the temporary folder', async () => {
    const out = join(dir, 'out');
    await writeResult(out, { 'map.nii.gz': 'old map' });
    const prepared = await prepareOutputDir(out, { kind: 'analyze', force: true });
    await expect(
      writeOutputDir(prepared, async (d) => {
        await writeFile(join(d, 'map.nii.gz'), 'half');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await readFile(join(out, 'map.nii.gz'), 'utf8')).toBe('old map');
    expect(await siblings()).toEqual(['out']);
  });

  it('a failure during the swap puts the old result back and keeps the new one', async () => {
    const out = join(dir, 'out');
    await writeResult(out, { 'map.nii.gz': 'old map' });
    const calls: string[][] = [];
    // old → backup works, new → out fails (e.g. EXDEV, EPERM, a crash of the disk)
    const failing = {
      async rename(from: string, to: string) {
        calls.push([from, to]);
        if (calls.length === 2) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
        await rename(from, to);
      },
    };
    const err = await writeResult(out, { 'map.nii.gz': 'new map' }, { force: true, fs: failing }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(
      /could not move the new result.*EIO.*earlier result is back in place.*kept in/,
    );
    expect(calls).toHaveLength(3); // aside, (failed) in, back
    expect(await listing(out)).toMatchObject({ 'map.nii.gz': 'old map' });
    const partial = (await siblings()).filter((s) => s.startsWith('out.partial-'));
    expect(partial).toHaveLength(1);
    expect(await readFile(join(dir, partial[0], 'map.nii.gz'), 'utf8')).toBe('new map');
    expect(await siblings()).toHaveLength(2); // out and the kept new result; no backup left
  });

  it('a failure moving the old result aside changes nothing', async () => {
    const out = join(dir, 'out');
    await writeResult(out, { 'map.nii.gz': 'old map' });
    const failing = {
      async rename() {
        throw Object.assign(new Error('EBUSY: resource busy'), { code: 'EBUSY' });
      },
    };
    await expect(writeResult(out, { 'map.nii.gz': 'new map' }, { force: true, fs: failing })).rejects.toThrow(
      /could not move the earlier result .* aside: EBUSY.*unchanged/,
    );
    expect(await listing(out)).toMatchObject({ 'map.nii.gz': 'old map' });
  });

  it('re-checks at the end: a folder filled by someone else meanwhile is not replaced', async () => {
    const out = join(dir, 'out');
    const prepared = await prepareOutputDir(out, { kind: 'analyze', force: true });
    const err = await writeOutputDir(prepared, async (d) => {
      await writeFile(join(d, 'map.nii.gz'), 'new map');
      await mkdir(out);
      await writeFile(join(out, 'theirs.txt'), 'theirs');
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(UsageError);
    expect(err?.message).toMatch(/was not made by anet.*the new result is kept in/);
    expect(await listing(out)).toEqual({ 'theirs.txt': 'theirs' });
    expect((await siblings()).some((s) => s.startsWith('out.partial-'))).toBe(true);
  });

  describe('evaluate (resumable)', () => {
    it('creates and marks a new folder in place, then resumes it without --force', async () => {
      const out = join(dir, 'eval');
      expect(await openResumableOutputDir(out, { kind: 'evaluate' })).toBe(out);
      expect(await readOutputMarker(out)).toMatchObject({ kind: 'evaluate' });
      await mkdir(join(out, 'pair-1'));
      await writeFile(join(out, 'pair-1', 'report.json'), 'done');
      expect(await openResumableOutputDir(out, { kind: 'evaluate' })).toBe(out);
      expect(await readFile(join(out, 'pair-1', 'report.json'), 'utf8')).toBe('done');
    });

    it('uses an empty folder; refuses another kind of anet result without --force', async () => {
      const empty = join(dir, 'empty');
      await mkdir(empty);
      await openResumableOutputDir(empty, { kind: 'evaluate' });
      expect(await readOutputMarker(empty)).toMatchObject({ kind: 'evaluate' });
      const analysis = join(dir, 'analysis');
      await writeResult(analysis, { 'map.nii.gz': 'map' });
      await refusedWith(openResumableOutputDir(analysis, { kind: 'evaluate' }), /earlier anet analysis/);
      expect(await listing(analysis)).toMatchObject({ 'map.nii.gz': 'map' });
    });

    it('--force starts afresh: an empty marked folder replaces the earlier one, nothing left beside it', async () => {
      const out = join(dir, 'eval');
      await openResumableOutputDir(out, { kind: 'evaluate' });
      await writeFile(join(out, 'table.txt'), 'old table');
      expect(await openResumableOutputDir(out, { kind: 'evaluate', force: true })).toBe(out);
      expect(await readdir(out)).toEqual([OUTPUT_MARKER]);
      expect(await siblings()).toEqual(['eval']);
    });
  });

  it('inspectOutputDir tells the cases apart', async () => {
    expect(await inspectOutputDir(join(dir, 'none'))).toEqual({ state: 'absent' });
    await mkdir(join(dir, 'e'));
    expect(await inspectOutputDir(join(dir, 'e'))).toEqual({ state: 'empty' });
    await writeOutputMarker(join(dir, 'e'), 'fetch');
    expect(await inspectOutputDir(join(dir, 'e'))).toMatchObject({
      state: 'anet',
      marker: { kind: 'fetch' },
    });
    await symlink(join(dir, 'gone'), join(dir, 'dangling'));
    expect(await inspectOutputDir(join(dir, 'dangling'))).toEqual({ state: 'not-a-folder' });
  });
});
