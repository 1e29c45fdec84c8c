import { AnetError } from '@anet/contracts';
import { Gunzip } from 'fflate';
import { constants, gunzipSync } from 'node:zlib';

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The first `want` decompressed bytes (fewer if the stream ends), inflating 1 KiB of input at a time so
 * that a bomb can cost at most ~1 MB of output here. fflate is used because Node's zlib has no
 * synchronous incremental API.
 */
export function gunzipPrefix(gz: Uint8Array, want: number): { bytes: Uint8Array; endedEarly: boolean } {
  const parts: Uint8Array[] = [];
  let have = 0;
  let endedEarly = false;
  const inflater = new Gunzip((chunk) => {
    parts.push(chunk);
    have += chunk.length;
  });
  try {
    for (let off = 0; off < gz.length && have < want; off += 1024) {
      inflater.push(gz.subarray(off, off + 1024), off + 1024 >= gz.length);
    }
  } catch (err) {
    // A stream that simply stops is reported by the caller as truncated; anything else is damage.
    if (!isUnexpectedEof(err)) throw corruptError(err);
    endedEarly = true;
  }
  const out = new Uint8Array(have);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return { bytes: out.subarray(0, Math.min(have, want)), endedEarly };
}

/**
 * Whole-file gunzip with Node's zlib, never producing more than `cap` bytes (→ NIFTI_GZIP_BOMB).
 * A stream that stops early is returned as far as it goes (the caller reports NIFTI_TRUNCATED);
 * a damaged stream or CRC is NIFTI_GZIP_CORRUPT.
 */
export function gunzipCapped(gz: Uint8Array, cap: number): Uint8Array {
  try {
    return gunzipSync(gz, { maxOutputLength: cap, finishFlush: constants.Z_SYNC_FLUSH });
  } catch (err) {
    if (err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw bombError(cap);
    }
    throw corruptError(err);
  }
}

export function bombError(cap: number): AnetError {
  return new AnetError(
    'NIFTI_GZIP_BOMB',
    `the gzip stream inflates past ${cap} bytes, more than the image its header describes (or the size limit): send an intact .nii.gz`,
  );
}

export function corruptError(err: unknown): AnetError {
  return new AnetError(
    'NIFTI_GZIP_CORRUPT',
    `the gzip stream is damaged (${(err as Error).message}): re-compress the .nii with gzip or send it uncompressed`,
    { cause: err },
  );
}

/** Output beyond the declared image that we still tolerate (some writers pad): max(1 MiB, 1/8 of it). */
export function bombCap(expectedBytes: number, maxBytes: number): number {
  return Math.min(maxBytes, expectedBytes + Math.max(2 ** 20, Math.floor(expectedBytes / 8)));
}

/** fflate's error for input that ends mid-stream (code 0). */
export function isUnexpectedEof(err: unknown): boolean {
  return (err as { code?: number }).code === 0;
}

/** A gzip stream that stops before even sizeof_hdr came out: cut short, not foreign. */
export function headerCutError(decompressed: number): AnetError {
  return new AnetError(
    'NIFTI_TRUNCATED',
    `the gzip stream ends after ${decompressed} bytes, before the NIfTI header is complete: the file was cut short — re-export or re-send it`,
  );
}
