import { AnetError } from '@anet/contracts';
import { finished } from 'node:stream/promises';
import { createGunzip, type Gunzip } from 'node:zlib';
import { decodeVoxels } from './decodeVoxels';
import { bombCap, bombError, gunzipCapped, gunzipHead, mapZlibError } from './gunzipCapped';
import type { NiftiSummary } from './niftiTypes';
import {
  checkComplete,
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
  /** Largest decompressed size accepted (default 2 GiB − 1); gzip inflating past it is NIFTI_GZIP_BOMB. */
  maxDecompressedBytes?: number;
  /** Voxel bytes checked for NaN/Inf from the start of the image (default 1 MiB). */
  sampleBytes?: number;
}

/**
 * Streaming check of one uploaded file. Both methods are async (gzip is inflated by Node's zlib off the
 * event loop) and reject with the file's AnetError; await each `push` before the next (it resolves once
 * the chunk is inflated, which is the backpressure).
 */
export interface NiftiValidator {
  push(chunk: Uint8Array): Promise<void>;
  finish(): Promise<NiftiSummary>;
}

/**
 * A streaming NIfTI check for uploads, bounded in memory: gzip output is only counted, except for the
 * header and the first `sampleBytes` of voxel data. Header errors (magic, datatype, dims, size, spacing)
 * surface from the `push` that completes the header; inflation past max(1 MiB, 1/8) beyond the declared
 * image stops at once (NIFTI_GZIP_BOMB); `finish` checks that the stream ended properly (zlib verifies
 * CRC-32 and length) and that the file holds the whole image (NIFTI_TRUNCATED).
 * After an error every later call rejects with it.
 */
export function createNiftiValidator(opts: NiftiValidatorOptions = {}): NiftiValidator {
  const inspector = createInspector(opts);
  let mode: 'sniff' | 'gzip' | 'raw' = 'sniff';
  let sniffed: Uint8Array = new Uint8Array(0);
  let gunzip: Gunzip | undefined;
  let failure: AnetError | undefined;
  let signalFailure = (): void => {};
  const failed = new Promise<void>((resolve) => (signalFailure = resolve));
  let done = false;

  const fail = (err: unknown): AnetError => {
    if (!failure) {
      failure = err instanceof AnetError ? err : mapZlibError(err, inspector.cap());
      gunzip?.destroy();
      signalFailure();
    }
    return failure;
  };

  const start = (): void => {
    if (sniffed[0] === 0x1f && sniffed[1] === 0x8b) {
      mode = 'gzip';
      inspector.compressed = true;
      gunzip = createGunzip({ chunkSize: 256 * 1024 }); // fewer thread-pool round trips than the 16 KiB default
      gunzip.on('data', (out: Buffer) => {
        try {
          inspector.consume(out);
        } catch (err) {
          fail(err);
        }
      });
      gunzip.on('error', (err) => fail(err));
    } else {
      mode = 'raw';
    }
  };

  const write = async (chunk: Uint8Array): Promise<void> => {
    if (mode === 'raw') return inspector.consume(chunk);
    await Promise.race([new Promise<void>((resolve) => gunzip!.write(chunk, () => resolve())), failed]);
  };

  const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (failure) throw failure;
    if (done) throw new AnetError('INTERNAL', 'NIfTI validator used after finish()');
    try {
      const result = await fn();
      if (failure) throw failure;
      return result;
    } catch (err) {
      throw fail(err);
    }
  };

  return {
    push: (chunk) =>
      guard(async () => {
        if (mode === 'sniff') {
          sniffed = concat(sniffed, chunk);
          if (sniffed.length < 2) return;
          start();
          chunk = sniffed;
        }
        await write(chunk);
      }),
    finish: () =>
      guard(async () => {
        if (mode === 'sniff') {
          mode = 'raw';
          inspector.consume(sniffed);
        } else if (mode === 'gzip') {
          gunzip!.end();
          await Promise.race([finished(gunzip!).catch(() => undefined), failed]);
          if (failure) throw failure;
        }
        done = true;
        return inspector.finish();
      }),
  };
}

/** The bookkeeping shared by both modes: size cap, header, sample. Synchronous. */
function createInspector(opts: NiftiValidatorOptions) {
  const maxBytes = opts.maxDecompressedBytes ?? DEFAULT_MAX_BYTES;
  const headerOpts = { maxVoxels: opts.maxVoxels ?? DEFAULT_MAX_VOXELS, maxBytes };
  const sampleWanted = opts.sampleBytes ?? 2 ** 20;
  const head = new Uint8Array(540);
  let total = 0;
  let cap = maxBytes;
  let parsed: ParsedHeader | undefined;
  let sample: Uint8Array | undefined;
  let sampleStart = 0;
  let sampleChecked = false;

  const checkSample = (): void => {
    sampleChecked = true;
    if (parsed && sample)
      decodeVoxels(sample, 0, sample.length / parsed.bytesPerVoxel, parsed.meta, parsed.bytesPerVoxel);
  };

  const self = {
    compressed: false,
    cap: () => cap,
    consume(out: Uint8Array): void {
      const pos = total;
      total += out.length;
      if (total > cap) {
        throw self.compressed
          ? bombError(cap)
          : new AnetError(
              'NIFTI_TOO_LARGE',
              `file is larger than the limit of ${cap} bytes: crop or downsample the image`,
            );
      }
      if (!parsed && pos < head.length) {
        head.set(out.subarray(0, head.length - pos), pos);
        const have = Math.min(total, head.length);
        const size = sniffHeaderSize(head.subarray(0, have));
        if (have >= 4 && size === undefined) throw notNiftiError(head.subarray(0, have));
        if (size !== undefined && have >= size) {
          parsed = parseNiftiHeader(head.subarray(0, size), headerOpts);
          if (self.compressed) cap = Math.min(cap, bombCap(parsed.expectedBytes, maxBytes));
          const bpv = parsed.bytesPerVoxel;
          const n = Math.min(parsed.voxelCount * bpv, Math.max(bpv, sampleWanted - (sampleWanted % bpv)));
          sample = new Uint8Array(n);
          sampleStart = Math.floor(parsed.meta.voxOffset);
        }
      }
      if (sample && !sampleChecked) {
        const from = Math.max(pos, sampleStart);
        const to = Math.min(total, sampleStart + sample.length);
        if (to > from) sample.set(out.subarray(from - pos, to - pos), from - sampleStart);
        if (total >= sampleStart + sample.length) checkSample();
      }
    },
    finish(): NiftiSummary {
      // Too short for a header: the parser says whether it is foreign or a cut-off header.
      const p = parsed ?? parseNiftiHeader(head.subarray(0, Math.min(total, head.length)), headerOpts);
      checkComplete(total, p);
      if (!sampleChecked) checkSample();
      return {
        niftiVersion: p.meta.niftiVersion,
        dims: p.dims,
        spacing: p.spacing,
        datatype: p.meta.datatype,
        affine: p.affine,
        voxelCount: p.voxelCount,
        compressed: self.compressed,
        decompressedBytes: total,
        sampledBytes: sample?.length ?? 0,
      };
    },
  };
  return self;
}

/**
 * One-shot check of a whole buffer, synchronous: the same checks and codes as the streaming validator
 * (header, full decompressed size under the bomb cap, gzip integrity, a NaN/Inf sample).
 */
export function validateNifti(bytes: Uint8Array, opts: NiftiValidatorOptions = {}): NiftiSummary {
  const inspector = createInspector(opts);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    inspector.compressed = true;
    const head = gunzipHead(bytes, 540);
    inspector.consume(head.subarray(0, Math.min(head.length, 540))); // header errors before the full inflate
    const all = gunzipCapped(bytes, inspector.cap());
    inspector.consume(all.subarray(Math.min(head.length, 540)));
  } else {
    inspector.consume(bytes);
  }
  return inspector.finish();
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (!a.length) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
