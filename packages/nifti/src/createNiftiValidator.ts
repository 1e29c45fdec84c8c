import { AnetError } from '@anet/contracts';
import { Gunzip } from 'fflate';
import { crc32 } from './crc32';
import { decodeVoxels } from './decodeVoxels';
import { bombCap, bombError, corruptError, headerCutError, isUnexpectedEof } from './gunzipCapped';
import type { NiftiSummary } from './niftiTypes';
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_VOXELS,
  notNiftiError,
  parseNiftiHeader,
  sniffHeaderSize,
  type ParsedHeader,
} from './parseNiftiHeader';

export interface NiftiValidatorOptions {
  /** Largest voxel count accepted (default 512³). */
  maxVoxels?: number;
  /** Largest decompressed size accepted (default 2 GiB − 1); a gzip inflating past it is NIFTI_GZIP_BOMB. */
  maxDecompressedBytes?: number;
  /** Voxel bytes checked for NaN/Inf from the start of the image (default 1 MiB). */
  sampleBytes?: number;
}

export interface NiftiValidator {
  /** Feeds the next piece of the file; throws the file's AnetError as soon as it is known. Synchronous. */
  push(chunk: Uint8Array): void;
  /** Ends the file: throws NIFTI_TRUNCATED/GZIP_CORRUPT/… or returns what the file is. */
  finish(): NiftiSummary;
}

/**
 * A streaming NIfTI check for uploads, synchronous and bounded in memory: gzip is inflated incrementally
 * (fflate; Node's zlib has no synchronous incremental API) and its output only counted, except for the
 * header and the first `sampleBytes` of voxel data. Header errors surface from the `push` that completes
 * the header; inflation past max(1 MiB, 1/8) beyond the declared image is refused at once (NIFTI_GZIP_BOMB);
 * `finish` checks that the file holds the whole image and, for single-member gzip, its CRC-32 and size.
 * After an error every later call rethrows it.
 */
export function createNiftiValidator(opts: NiftiValidatorOptions = {}): NiftiValidator {
  const maxBytes = opts.maxDecompressedBytes ?? DEFAULT_MAX_BYTES;
  const headerOpts = { maxVoxels: opts.maxVoxels ?? DEFAULT_MAX_VOXELS, maxBytes };
  const sampleWanted = opts.sampleBytes ?? 2 ** 20;

  let mode: 'sniff' | 'gzip' | 'raw' = 'sniff';
  let sniffed: Uint8Array = new Uint8Array(0);
  let inflater: Gunzip | undefined;
  let members = 1;
  let tail: Uint8Array = new Uint8Array(0); // last 8 input bytes: the gzip trailer (CRC-32, ISIZE)
  let crc = 0;
  const head = new Uint8Array(540);
  let total = 0; // decompressed bytes so far
  let cap = maxBytes;
  let parsed: ParsedHeader | undefined;
  let sample: Uint8Array | undefined;
  let sampleStart = 0;
  let sampleChecked = false;
  let failure: AnetError | undefined;
  let done = false;

  const consume = (out: Uint8Array): void => {
    const pos = total;
    total += out.length;
    if (total > cap) {
      throw mode === 'gzip'
        ? bombError(cap)
        : new AnetError(
            'NIFTI_TOO_LARGE',
            `file is larger than the limit of ${cap} bytes: crop or downsample the image`,
          );
    }
    if (mode === 'gzip') crc = crc32(out, crc);
    if (!parsed && pos < head.length) {
      head.set(out.subarray(0, head.length - pos), pos);
      const have = Math.min(total, head.length);
      const size = have >= 4 ? sniffHeaderSize(head) : undefined;
      if (have >= 4 && size === undefined) throw notNiftiError(head.subarray(0, have));
      if (size !== undefined && have >= size)
        startSample(parseNiftiHeader(head.subarray(0, size), headerOpts));
    }
    if (sample && !sampleChecked) {
      const from = Math.max(pos, sampleStart);
      const to = Math.min(total, sampleStart + sample.length);
      if (to > from) sample.set(out.subarray(from - pos, to - pos), from - sampleStart);
      if (total >= sampleStart + sample.length) checkSample();
    }
  };

  const startSample = (p: ParsedHeader): void => {
    parsed = p;
    if (mode === 'gzip') cap = Math.min(cap, bombCap(p.expectedBytes, maxBytes));
    const dataBytes = p.voxelCount * p.bytesPerVoxel;
    const n = Math.min(dataBytes, Math.max(p.bytesPerVoxel, sampleWanted - (sampleWanted % p.bytesPerVoxel)));
    sampleStart = Math.floor(p.meta.voxOffset);
    sample = new Uint8Array(n);
    // The header chunk may already hold sample bytes: the caller's `sample &&` branch copies them.
  };

  const checkSample = (): void => {
    sampleChecked = true;
    if (!parsed || !sample) return;
    decodeVoxels(sample, 0, sample.length / parsed.bytesPerVoxel, parsed.meta, parsed.bytesPerVoxel);
  };

  const feed = (chunk: Uint8Array): void => {
    if (mode === 'sniff') {
      sniffed = concat(sniffed, chunk);
      if (sniffed.length < 2) return;
      chunk = sniffed;
      if (chunk[0] === 0x1f && chunk[1] === 0x8b) {
        mode = 'gzip';
        inflater = new Gunzip((out) => consume(out));
        inflater.onmember = () => void members++;
      } else {
        mode = 'raw';
      }
    }
    if (mode === 'raw') return consume(chunk);
    tail = lastBytes(tail, chunk, 8);
    try {
      inflater!.push(chunk);
    } catch (err) {
      if (err instanceof AnetError) throw err;
      throw corruptError(err);
    }
  };

  const guard = <T>(fn: () => T): T => {
    if (failure) throw failure;
    if (done) throw new AnetError('INTERNAL', 'NIfTI validator used after finish()');
    try {
      return fn();
    } catch (err) {
      failure = AnetError.from(err);
      throw failure;
    }
  };

  return {
    push: (chunk) => guard(() => feed(chunk)),
    finish: () =>
      guard(() => {
        let inputEndedEarly = false;
        if (mode === 'sniff') {
          mode = 'raw';
          if (sniffed.length) consume(sniffed);
        } else if (mode === 'gzip') {
          try {
            inflater!.push(new Uint8Array(0), true);
          } catch (err) {
            if (err instanceof AnetError) throw err;
            if (!isUnexpectedEof(err)) throw corruptError(err);
            inputEndedEarly = true;
          }
        }
        done = true;
        if (!parsed && inputEndedEarly && total < 4) throw headerCutError(total);
        // Too short for a header: the parser says whether it is not NIfTI or a cut-off header.
        const p = parsed ?? parseNiftiHeader(head.subarray(0, Math.min(total, head.length)), headerOpts);
        if (total < p.expectedBytes) {
          throw new AnetError(
            'NIFTI_TRUNCATED',
            `file holds ${total} bytes but its header describes ${p.dims.join('×')} ${p.meta.datatype} voxels from offset ${Math.floor(p.meta.voxOffset)} (${p.expectedBytes} bytes): the file was cut short — re-export or re-send it`,
          );
        }
        if (!sampleChecked) checkSample();
        if (mode === 'gzip' && members === 1 && !inputEndedEarly && tail.length === 8) {
          const view = new DataView(tail.buffer, tail.byteOffset, 8);
          if (view.getUint32(0, true) !== crc || view.getUint32(4, true) !== total % 2 ** 32) {
            throw corruptError(new Error('CRC-32 or length in the gzip trailer does not match the data'));
          }
        }
        return {
          niftiVersion: p.meta.niftiVersion,
          dims: p.dims,
          spacing: p.spacing,
          datatype: p.meta.datatype,
          affine: p.affine,
          voxelCount: p.voxelCount,
          compressed: mode === 'gzip',
          decompressedBytes: total,
          sampledBytes: sample?.length ?? 0,
        };
      }),
  };
}

/** One-shot `createNiftiValidator` over a whole buffer (header + bounded sample; sizes and CRC checked). */
export function validateNifti(bytes: Uint8Array, opts: NiftiValidatorOptions = {}): NiftiSummary {
  const v = createNiftiValidator(opts);
  v.push(bytes);
  return v.finish();
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (!a.length) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function lastBytes(prev: Uint8Array, chunk: Uint8Array, n: number): Uint8Array {
  if (chunk.length >= n) return chunk.slice(chunk.length - n);
  const joined = concat(prev, chunk);
  return joined.slice(Math.max(0, joined.length - n));
}
