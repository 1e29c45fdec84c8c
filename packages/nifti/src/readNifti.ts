import { AnetError } from '@anet/contracts';
import { open, readFile } from 'node:fs/promises';
import { decodeVoxels } from './decodeVoxels';
import { bombCap, gunzipCapped, gunzipCappedAsync, gunzipHead, isGzip } from './gunzipCapped';
import type { NiftiReadOptions, NiftiVolume } from './niftiTypes';
import {
  checkComplete,
  DEFAULT_MAX_BYTES,
  DESCRIP_OFFSET,
  headerString,
  parseNiftiHeader,
  type ParsedHeader,
} from './parseNiftiHeader';

/**
 * Reads a `.nii` or `.nii.gz` (gzip detected by its magic), NIfTI-1 or NIfTI-2, into a float32 `Volume`
 * with scl_slope/scl_inter applied and the sform/qform affine. Every defect is an AnetError NIFTI_*:
 * the header is checked before any voxel is inflated, and inflation stops just past the size the header
 * declares (NIFTI_GZIP_BOMB).
 */
export function readNifti(bytes: Uint8Array, opts: NiftiReadOptions = {}): NiftiVolume {
  if (!isGzip(bytes)) return decode(bytes, parseNiftiHeader(bytes, opts));
  const parsed = parseNiftiHeader(gunzipHead(bytes, 540), opts);
  return decode(
    gunzipCapped(bytes, bombCap(parsed.expectedBytes, opts.maxBytes ?? DEFAULT_MAX_BYTES)),
    parsed,
  );
}

/**
 * `readNifti` with the inflation on the libuv thread pool, so the event loop stays free (and, on a busy
 * machine, the wall time is shorter); same checks and codes.
 */
export async function readNiftiAsync(bytes: Uint8Array, opts: NiftiReadOptions = {}): Promise<NiftiVolume> {
  if (!isGzip(bytes)) return decode(bytes, parseNiftiHeader(bytes, opts));
  const parsed = parseNiftiHeader(gunzipHead(bytes, 540), opts);
  return decode(
    await gunzipCappedAsync(bytes, bombCap(parsed.expectedBytes, opts.maxBytes ?? DEFAULT_MAX_BYTES)),
    parsed,
  );
}

function decode(file: Uint8Array, parsed: ParsedHeader): NiftiVolume {
  checkComplete(file.length, parsed);
  const { meta, dims, spacing, affine, voxelCount, bytesPerVoxel } = parsed;
  const data = decodeVoxels(file, Math.floor(meta.voxOffset), voxelCount, meta, bytesPerVoxel);
  return { data, dims, spacing, affine, meta };
}

/**
 * The header's descrip (up to its first NUL) of a `.nii` or `.nii.gz`, after the same header checks as
 * `readNifti`. Kept out of NiftiMeta on purpose: scanners and converters put acquisition or patient details
 * there, and nothing anet writes may carry them (docs/service.md); the writer's own `descrip` is an option.
 */
export function readNiftiDescrip(bytes: Uint8Array): string {
  const head = isGzip(bytes) ? gunzipHead(bytes, 540) : bytes;
  const { meta } = parseNiftiHeader(head);
  return headerString(head, DESCRIP_OFFSET[meta.niftiVersion], 80);
}

/** `readNiftiAsync` on a file; a file over `maxBytes` is refused before it is read. */
export async function readNiftiFile(path: string, opts: NiftiReadOptions = {}): Promise<NiftiVolume> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) {
      throw new AnetError('NIFTI_TOO_LARGE', `${path} is ${size} bytes, more than the limit of ${maxBytes}`);
    }
  } finally {
    await handle.close();
  }
  return readNiftiAsync(await readFile(path), opts);
}
