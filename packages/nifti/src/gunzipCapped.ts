import { AnetError } from '@anet/contracts';
import { promisify } from 'node:util';
import { constants, gunzip, gunzipSync } from 'node:zlib';

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * At least the first `want` decompressed bytes (fewer only if the whole stream is shorter), inflating
 * growing prefixes of the input (1, 4, 16, 64 KiB, …) with a sync flush, so a bomb costs at most ~1 MB here
 * when the header sits at the start as it always does.
 */
export function gunzipHead(gz: Uint8Array, want: number): Uint8Array {
  for (let n = 1024; ; n *= 4) {
    if (n >= gz.length) return gunzipCapped(gz, 64 * 2 ** 20); // whole file: also tells cut from complete
    let out: Uint8Array;
    try {
      out = gunzipSync(gz.subarray(0, n), {
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: 64 * 2 ** 20,
      });
    } catch (err) {
      throw mapZlibError(err, 64 * 2 ** 20);
    }
    if (out.length >= want) return out;
  }
}

/**
 * Whole-file gunzip with Node's zlib, never producing more than `cap` bytes (→ NIFTI_GZIP_BOMB).
 * A stream that stops early (even if only its trailer is missing) is NIFTI_TRUNCATED; a damaged
 * stream, CRC or length is NIFTI_GZIP_CORRUPT.
 */
export function gunzipCapped(gz: Uint8Array, cap: number): Uint8Array {
  try {
    return gunzipSync(gz, { maxOutputLength: cap });
  } catch (err) {
    throw mapZlibError(err, cap);
  }
}

/** `gunzipCapped` on the libuv thread pool. */
export async function gunzipCappedAsync(gz: Uint8Array, cap: number): Promise<Uint8Array> {
  try {
    return await gunzipAsync(gz, { maxOutputLength: cap });
  } catch (err) {
    throw mapZlibError(err, cap);
  }
}

const gunzipAsync = promisify(gunzip);

/** zlib's failures as NIfTI codes (shared by the sync reader and the streaming validator). */
export function mapZlibError(err: unknown, cap: number): AnetError {
  if (err instanceof AnetError) return err;
  const code = (err as { code?: string }).code;
  if (err instanceof RangeError || code === 'ERR_BUFFER_TOO_LARGE') return bombError(cap);
  if (code === 'Z_BUF_ERROR') {
    return new AnetError(
      'NIFTI_TRUNCATED',
      'the gzip stream ends before its end marker: the file was cut short — re-export or re-send it',
      { cause: err },
    );
  }
  if (!code?.startsWith('Z_')) return AnetError.from(err);
  return new AnetError(
    'NIFTI_GZIP_CORRUPT',
    `the gzip stream is damaged (${(err as Error).message}): re-compress the .nii with gzip or send it uncompressed`,
    { cause: err },
  );
}

export function bombError(cap: number): AnetError {
  return new AnetError(
    'NIFTI_GZIP_BOMB',
    `the gzip stream inflates past ${cap} bytes, more than the image its header describes (or the size limit): send an intact .nii.gz`,
  );
}

/** Output beyond the declared image that we still tolerate (some writers pad): max(1 MiB, 1/8 of it). */
export function bombCap(expectedBytes: number, maxBytes: number): number {
  return Math.min(maxBytes, expectedBytes + Math.max(2 ** 20, Math.floor(expectedBytes / 8)));
}
