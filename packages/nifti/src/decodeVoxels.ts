import { AnetError } from '@anet/contracts';
import { endianness } from 'node:os';
import type { NiftiMeta } from './niftiTypes';

const HOST_LE = endianness() === 'LE';

type Ctor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): ArrayLike<number> };
const ARRAY_BY_CODE: Record<number, Ctor> = {
  2: Uint8Array,
  4: Int16Array,
  8: Int32Array,
  16: Float32Array,
  64: Float64Array,
  256: Int8Array,
  512: Uint16Array,
  768: Uint32Array,
};

type Getter = (v: DataView, off: number, le: boolean) => number;
const GETTER_BY_CODE: Record<number, Getter> = {
  2: (v, o) => v.getUint8(o),
  4: (v, o, le) => v.getInt16(o, le),
  8: (v, o, le) => v.getInt32(o, le),
  16: (v, o, le) => v.getFloat32(o, le),
  64: (v, o, le) => v.getFloat64(o, le),
  256: (v, o) => v.getInt8(o),
  512: (v, o, le) => v.getUint16(o, le),
  768: (v, o, le) => v.getUint32(o, le),
};

/** scl_slope/scl_inter as NIfTI (and nibabel) apply them: slope 0 or non-finite means "no scaling". */
export function scaling(meta: Pick<NiftiMeta, 'sclSlope' | 'sclInter'>): { slope: number; inter: number } {
  const { sclSlope, sclInter } = meta;
  if (sclSlope === 0 || !Number.isFinite(sclSlope)) return { slope: 1, inter: 0 };
  return { slope: sclSlope, inter: Number.isFinite(sclInter) ? sclInter : 0 };
}

/**
 * Decodes `count` voxels at `offset` of the decompressed file into float32 with scaling applied.
 * Throws NIFTI_NON_FINITE on the first NaN/±Inf (including float32 overflow after scaling).
 */
export function decodeVoxels(
  bytes: Uint8Array,
  offset: number,
  count: number,
  meta: Pick<NiftiMeta, 'datatypeCode' | 'littleEndian' | 'sclSlope' | 'sclInter'>,
  bytesPerVoxel: number,
): Float32Array {
  const start = bytes.byteOffset + offset;
  let out: Float32Array;
  if (meta.littleEndian === HOST_LE && meta.datatypeCode === 16 && start % 4 === 0) {
    out = new Float32Array(bytes.buffer.slice(start, start + count * 4)); // one memcpy
  } else if (meta.littleEndian === HOST_LE) {
    // Native order: let the engine convert; copy first only when misaligned.
    const Arr = ARRAY_BY_CODE[meta.datatypeCode];
    const src =
      start % bytesPerVoxel === 0
        ? new Arr(bytes.buffer, start, count)
        : new Arr(copyOf(bytes.subarray(offset, offset + count * bytesPerVoxel)).buffer, 0, count);
    out = new Float32Array(count);
    out.set(src);
  } else {
    const get = GETTER_BY_CODE[meta.datatypeCode];
    const view = new DataView(bytes.buffer, start, count * bytesPerVoxel);
    out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = get(view, i * bytesPerVoxel, meta.littleEndian);
  }
  const { slope, inter } = scaling(meta);
  const isFloat = meta.datatypeCode === 16 || meta.datatypeCode === 64;
  if (slope !== 1 || inter !== 0) {
    for (let i = 0; i < count; i++) out[i] = out[i] * slope + inter;
  } else if (!isFloat) {
    return out; // integers without scaling are always finite
  }
  // Branch-free screen (x·0 is NaN exactly for NaN/±Inf), then find the culprit only if there is one.
  let screen = 0;
  for (let i = 0; i < count; i++) screen += out[i] * 0;
  if (screen === 0) return out;
  const i = out.findIndex((v) => v - v !== 0);
  throw new AnetError(
    'NIFTI_NON_FINITE',
    `voxel ${i} is ${out[i]}${slope !== 1 || inter !== 0 ? ' after scl_slope/scl_inter scaling' : ''}: the image must hold finite numbers — replace NaN/Inf (e.g. with 0) before sending`,
    { details: { voxelIndex: i } },
  );
}

/** A fresh, zero-offset copy (Buffer#slice returns a view into the pool, so `.slice().buffer` is wrong). */
export function copyOf(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}
