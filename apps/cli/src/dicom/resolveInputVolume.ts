import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { AnetError } from '@anet/contracts';
import { convertDicomSeries, type DicomSeriesCandidate } from './convertDicomSeries';

export interface InputVolume {
  /** The NIfTI file to upload. */
  path: string;
  /** Set when `path` came from a DICOM folder. */
  dicom?: { folder: string; chosen: DicomSeriesCandidate; candidates: DicomSeriesCandidate[] };
  cleanup(): Promise<void>;
}

/**
 * Turns a command-line input into a NIfTI file to upload: a file is used as is (the server
 * validates it); a folder is treated as a DICOM export and converted locally.
 */
export async function resolveInputVolume(
  label: string,
  path: string,
  opts: { seriesUids?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<InputVolume> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new AnetError('VALIDATION_FAILED', `${label}: no such file or folder: ${path}`);
  }
  if (info.isDirectory()) {
    const converted = await convertDicomSeries(path, opts);
    return {
      path: converted.path,
      dicom: { folder: path, chosen: converted.chosen, candidates: converted.candidates },
      cleanup: converted.cleanup,
    };
  }
  try {
    await access(path, constants.R_OK);
  } catch {
    throw new AnetError('VALIDATION_FAILED', `${label}: cannot read ${path}`);
  }
  if (info.size === 0) throw new AnetError('VALIDATION_FAILED', `${label}: ${path} is empty`);
  return { path, cleanup: async () => {} };
}
