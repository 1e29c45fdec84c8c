import { randomBytes } from 'node:crypto';
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  rmdir,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import cliPackage from '../../package.json' with { type: 'json' };
import { UsageError } from './UsageError';

/**
 * Output folders that never lose data. anet marks every folder it writes with a small `.anet-output`
 * file (one JSON line: tool, version, kind, createdAt) and only ever replaces or deletes a folder that
 * carries that mark:
 * - a new or empty folder is used as is;
 * - a non-empty folder without the mark is refused (exit 2), even with --force;
 * - a folder with the mark is replaced only with --force (without it, `evaluate` resumes its own folders);
 * - a replacement is written into a temporary sibling and swapped in at the end (old → backup sibling,
 *   new → out, backup deleted); if the swap fails the old folder is put back and the new result kept.
 *   `evaluate --force` swaps in a fresh, empty folder at the start instead, so that it stays resumable.
 */
export const OUTPUT_MARKER = '.anet-output';

export type OutputKind = 'analyze' | 'evaluate' | 'fetch';
const KINDS: readonly OutputKind[] = ['analyze', 'evaluate', 'fetch'];

export interface OutputMarker {
  tool: 'anet';
  version: string;
  kind: OutputKind;
  createdAt: string;
}

/** What is at an output path now. */
export type OutputState =
  | { state: 'absent' }
  | { state: 'empty' }
  | { state: 'anet'; marker: OutputMarker }
  | { state: 'foreign'; entries: number }
  | { state: 'not-a-folder' };

/** The file-system calls the swap makes (replaceable in tests to simulate a failure). */
export interface SwapFs {
  rename(from: string, to: string): Promise<void>;
}

export interface OutputDirOptions {
  kind: OutputKind;
  /** Replace a folder anet made earlier (never one it did not make). */
  force?: boolean;
  /** `evaluate`: an anet folder of the same kind is reused as it is (resumed) unless `force`. */
  resume?: boolean;
  /** The option that named the folder, for messages (default `--out`). */
  flag?: string;
  /** For tests: the renames of the swap. */
  fs?: SwapFs;
  /** Where notes go (a backup that could not be deleted); default stderr. */
  warn?(line: string): void;
}

/**
 * - `new`: nothing there or an empty folder; the result is written into a temporary sibling and renamed into
 *   place (or, when resuming, straight into the folder);
 * - `resume`: an anet folder of the same kind, reused in place (`evaluate`);
 * - `replace`: an anet folder and --force: written into a temporary sibling, swapped in by `commit`.
 */
export type OutputMode = 'new' | 'resume' | 'replace';

export interface PreparedOutput {
  /** The folder asked for (absolute, symlinks resolved). */
  readonly path: string;
  readonly mode: OutputMode;
  /** Creates (or reuses) the folder to write into and returns it: `path` itself, or a temporary sibling. */
  open(): Promise<string>;
  /** Puts what was written into place (no-op when writing in place). Keeps the new result if it cannot. */
  commit(): Promise<void>;
  /** Removes a temporary sibling after a failed write (never `path`). */
  discard(): Promise<void>;
}

export function outputMarker(kind: OutputKind, now = new Date()): OutputMarker {
  return { tool: 'anet', version: cliPackage.version, kind, createdAt: now.toISOString() };
}

/** Writes anet's marker into `dir`. */
export async function writeOutputMarker(dir: string, kind: OutputKind): Promise<void> {
  await writeFile(path.join(dir, OUTPUT_MARKER), `${JSON.stringify(outputMarker(kind))}\n`);
}

/** anet's marker in `dir`, or undefined when there is none (or it is not one of ours). */
export async function readOutputMarker(dir: string): Promise<OutputMarker | undefined> {
  try {
    const m = JSON.parse((await readFile(path.join(dir, OUTPUT_MARKER), 'utf8')).split('\n')[0]) as unknown;
    if (
      m &&
      typeof m === 'object' &&
      (m as OutputMarker).tool === 'anet' &&
      KINDS.includes((m as OutputMarker).kind)
    )
      return m as OutputMarker;
  } catch {
    // no marker, unreadable, or not JSON: not ours
  }
  return undefined;
}

/** Looks at an output path without changing anything. */
export async function inspectOutputDir(dir: string): Promise<OutputState> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      // A dangling symlink (or other non-folder entry) is still "something there".
      const st = await lstat(dir).catch(() => undefined);
      return st ? { state: 'not-a-folder' } : { state: 'absent' };
    }
    if (code === 'ENOTDIR') return { state: 'not-a-folder' };
    throw new UsageError(`cannot read the output folder ${dir}: ${(err as Error).message}`);
  }
  if (entries.length === 0) return { state: 'empty' };
  const marker = entries.includes(OUTPUT_MARKER) ? await readOutputMarker(dir) : undefined;
  return marker ? { state: 'anet', marker } : { state: 'foreign', entries: entries.length };
}

const what = (kind: OutputKind) =>
  kind === 'analyze' ? 'analysis' : kind === 'evaluate' ? 'evaluation' : 'download';

function refusal(out: string, now: OutputState, opts: OutputDirOptions): UsageError | undefined {
  const flag = opts.flag ?? '--out';
  switch (now.state) {
    case 'absent':
    case 'empty':
      return undefined;
    case 'not-a-folder':
      return new UsageError(`${flag} ${out} exists and is not a folder: choose an empty or new folder`);
    case 'foreign':
      return new UsageError(
        `${flag} ${out} is not empty (${now.entries} entr${now.entries === 1 ? 'y' : 'ies'}) and was not made by anet (no ${OUTPUT_MARKER} file): choose an empty or new folder. anet never replaces a folder it did not make, even with --force`,
      );
    case 'anet': {
      const m = now.marker;
      if (opts.force) return undefined;
      if (opts.resume && m.kind === opts.kind) return undefined;
      return new UsageError(
        `${flag} ${out} holds an earlier anet ${what(m.kind)} (${m.createdAt}): pass --force to replace it, or choose an empty or new folder`,
      );
    }
  }
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

/**
 * Checks that `out` may be written by this command and returns how (nothing is created yet, so a command
 * can check before a long computation). Throws a UsageError (exit 2) that says what to do otherwise.
 */
export async function prepareOutputDir(out: string, opts: OutputDirOptions): Promise<PreparedOutput> {
  // Resolve symlinks so that the temporary sibling is on the same file system as the real folder.
  const target = await realpath(path.resolve(out)).catch(() => path.resolve(out));
  const now = await inspectOutputDir(target);
  const refused = refusal(target, now, opts);
  if (refused) throw refused;
  const mode: OutputMode = now.state === 'anet' ? (opts.force ? 'replace' : 'resume') : 'new';
  let tmp: string | undefined;

  const makeTemp = async (): Promise<string> => {
    await mkdir(path.dirname(target), { recursive: true });
    tmp = await mkdtemp(`${target}.partial-`);
    await writeOutputMarker(tmp, opts.kind);
    return tmp;
  };

  const discard = async (): Promise<void> => {
    if (!tmp) return;
    const dir = tmp;
    tmp = undefined;
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };

  const open = async (): Promise<string> => {
    if (!opts.resume) return makeTemp();
    // Resumable output (evaluate) is written in place; --force starts it afresh: an empty marked folder
    // replaces the earlier one now, so that an interrupted run can still be resumed.
    if (mode === 'replace') {
      const fresh = await makeTemp();
      try {
        await swapIn(fresh, target, opts, false);
      } catch (err) {
        await discard(); // the fresh folder, not yet in place
        throw err;
      }
      tmp = undefined; // it is `target` now
      return target;
    }
    await mkdir(target, { recursive: true });
    if (!(await readOutputMarker(target))) {
      // Between the check and now someone may have put files there: check again before marking.
      const no = refusal(target, await inspectOutputDir(target), opts);
      if (no) throw no;
      await writeOutputMarker(target, opts.kind);
    }
    return target;
  };

  const commit = async (): Promise<void> => {
    if (!tmp) return;
    await swapIn(tmp, target, opts, true);
    tmp = undefined;
  };

  return { path: target, mode, open, commit, discard };
}

/**
 * Moves the finished folder `from` to `target`, re-checking `target` first (it may have changed since the
 * command started). An anet folder there (and --force) is swapped out: old → backup sibling, new → target,
 * backup deleted; if the second rename fails the old one is put back. On any failure `from` is left where
 * it is (with `keep`, the error says so: a new result is never thrown away).
 */
async function swapIn(from: string, target: string, opts: OutputDirOptions, keep: boolean): Promise<void> {
  const fs = opts.fs ?? { rename };
  const kept = keep ? `the new result is kept in ${from}` : 'nothing was changed';
  const now = await inspectOutputDir(target);
  const no = refusal(target, now, { ...opts, resume: false });
  if (no) throw new UsageError(`${no.message} (${kept})`);
  if (now.state !== 'anet') {
    try {
      if (now.state === 'empty') await rmdir(target); // only ever removes an empty folder
      await fs.rename(from, target);
    } catch (err) {
      throw new Error(`could not move the result into ${target}: ${(err as Error).message}; ${kept}`, {
        cause: err,
      });
    }
    return;
  }
  let backup: string;
  do backup = `${target}.replaced-${randomBytes(4).toString('hex')}`;
  while (await exists(backup));
  try {
    await fs.rename(target, backup);
  } catch (err) {
    throw new Error(
      `could not move the earlier result ${target} aside: ${(err as Error).message}; it is unchanged, ${kept}`,
      { cause: err },
    );
  }
  try {
    await fs.rename(from, target);
  } catch (err) {
    const restored = await fs.rename(backup, target).then(
      () => true,
      () => false,
    );
    throw new Error(
      `could not move the new result into ${target}: ${(err as Error).message}; ${
        restored ? 'the earlier result is back in place' : `the earlier result is in ${backup}`
      }, ${kept}`,
      { cause: err },
    );
  }
  // The backup carries anet's marker (checked above): the only kind of folder anet deletes.
  const warn = opts.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  await rm(backup, { recursive: true, force: true }).catch((err: Error) =>
    warn(`note: could not delete the replaced result ${backup}: ${err.message}`),
  );
}

/**
 * A resumable output folder (evaluate): checked as by `prepareOutputDir` with `resume`, then created (with the
 * marker) or reused; with --force an earlier anet folder is replaced by a fresh one. Returns its path.
 */
export async function openResumableOutputDir(
  out: string,
  opts: Omit<OutputDirOptions, 'resume'>,
): Promise<string> {
  return (await prepareOutputDir(out, { ...opts, resume: true })).open();
}

/**
 * Opens `prepared`, lets `write` fill the folder, then commits it. If `write` fails, a temporary sibling is
 * removed (the earlier result was never touched); if the commit fails the new result is kept and named in the error.
 */
export async function writeOutputDir<T>(
  prepared: PreparedOutput,
  write: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await prepared.open();
  let result: T;
  try {
    result = await write(dir);
  } catch (err) {
    await prepared.discard();
    throw err;
  }
  await prepared.commit();
  return result;
}
