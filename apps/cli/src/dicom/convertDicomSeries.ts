import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnetError } from '@anet/contracts';
import { requireDcm2niix } from './findDcm2niix';
import { readNiftiDims } from './readNiftiDims';

export interface DicomSeriesCandidate {
  seriesUid: string;
  seriesNumber: number | null;
  slices: number;
  dims: number[];
  path: string;
}

export interface ConvertedSeries {
  /** The chosen series as a .nii.gz in a private temp folder. */
  path: string;
  chosen: DicomSeriesCandidate;
  candidates: DicomSeriesCandidate[];
  /** Removes the temp folder (converted files included). */
  cleanup(): Promise<void>;
}

// dcm2niix output names: anet-<SeriesNumber>-<SeriesInstanceUID>[_suffix].nii.gz
const OUTPUT_NAME = /^anet-(\d*)-([0-9.]*)(.*)\.nii(\.gz)?$/;

/**
 * Converts a DICOM folder locally with dcm2niix and picks one series: the first found of
 * `seriesUids` when given (a user may name the baseline's and the follow-up's series together),
 * else the one with the most slices (ties: lowest series number, then name). With `strict`, a
 * folder holding none of `seriesUids` is an error. Only the converted NIfTI is ever uploaded;
 * the DICOM (with its patient header) stays on this machine.
 */
export async function convertDicomSeries(
  folder: string,
  opts: { seriesUids?: string[]; strict?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<ConvertedSeries> {
  const dcm2niix = requireDcm2niix(opts.env);
  const out = await mkdtemp(join(tmpdir(), 'anet-dicom-'));
  const cleanup = () => rm(out, { recursive: true, force: true });
  try {
    // -b n: no JSON sidecar (it is not needed and can carry acquisition details); -z y: gzip.
    const { code, output } = await run(dcm2niix, [
      '-f',
      'anet-%s-%j',
      '-z',
      'y',
      '-b',
      'n',
      '-o',
      out,
      folder,
    ]);
    const names = (await readdir(out)).filter((n) => OUTPUT_NAME.test(n)).sort();
    if (names.length === 0) {
      throw new AnetError(
        // dcm2niix exits 2 when it finds no DICOM at all.
        code === 0 || code === 2 || /no valid DICOM|unable to find any DICOM/i.test(output)
          ? 'DICOM_NO_SERIES'
          : 'DICOM_CONVERSION_FAILED',
        `no DICOM image series found in ${folder}${code !== 0 ? ` (dcm2niix exit ${code}: ${lastLine(output)})` : ''}`,
      );
    }
    const candidates: DicomSeriesCandidate[] = [];
    for (const name of names) {
      const m = OUTPUT_NAME.exec(name)!;
      const dims = await readNiftiDims(join(out, name));
      candidates.push({
        seriesUid: m[2],
        seriesNumber: m[1] === '' ? null : Number(m[1]),
        slices: (dims[3] || 1) * (dims[0] >= 4 ? dims[4] || 1 : 1),
        dims: dims.slice(1, 1 + dims[0]),
        path: join(out, name),
      });
    }
    candidates.sort(
      (a, b) =>
        b.slices - a.slices ||
        (a.seriesNumber ?? Infinity) - (b.seriesNumber ?? Infinity) ||
        a.path.localeCompare(b.path),
    );
    const wanted = opts.seriesUids ?? [];
    const requested = candidates.find((c) => wanted.includes(c.seriesUid));
    if (!requested && wanted.length > 0 && opts.strict) {
      throw new AnetError(
        'DICOM_NO_SERIES',
        `series ${wanted.join(', ')} not found in ${folder}; found: ${candidates.map((c) => `${c.seriesUid} (${c.slices} slices)`).join(', ')}`,
      );
    }
    const chosen = requested ?? candidates[0];
    return { path: chosen.path, chosen, candidates, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

function run(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err) =>
      reject(new AnetError('DICOM_CONVERSION_FAILED', `cannot run ${cmd}: ${err.message}`, { cause: err })),
    );
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}
