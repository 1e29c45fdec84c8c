import { AnetError, type Volume } from '@anet/contracts';
import { writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { promisify } from 'node:util';
import { constants, gzip, gzipSync } from 'node:zlib';
import { CODE_BY_DATATYPE } from './datatypes';
import { affineToQuaternion, niftiAffine } from './niftiAffine';
import type { NiftiMeta, NiftiWriteDatatype } from './niftiTypes';

/** intent_code of a plain image (the default). */
export const NIFTI_INTENT_NONE = 0;
/** intent_code of a label image: integer values index a colour/label table (ITK-SNAP, 3D Slicer, FSLeyes). */
export const NIFTI_INTENT_LABEL = 1002;

export interface NiftiWriteOptions {
  datatype: NiftiWriteDatatype;
  /** Header geometry to keep (the baseline's); defaults to `vol.meta`. */
  like?: NiftiMeta;
  /** gzip level (default 1); with the run-length strategy higher levels gain almost nothing on MRI. */
  level?: number;
  /** intent_code (default NIFTI_INTENT_NONE), e.g. NIFTI_INTENT_LABEL for a label map. Never taken from `like`. */
  intent?: number;
  /** intent_name (char[16]): at most 15 printable ASCII characters, so C readers find the NUL (default blank). */
  intentName?: string;
  /** cal_min / cal_max: the display window a viewer should start with (default 0 / 0: none). */
  calMin?: number;
  calMax?: number;
  /**
   * descrip (char[80]): at most 79 printable ASCII characters of anet's own text (default blank; nifti1_io, and
   * so ITK, keeps 79 + NUL). Never anything from an input's header: those may hold patient data (docs/service.md).
   */
  descrip?: string;
}

const HEADER_BYTES = 348;
const VOX_OFFSET = 352; // header + the 4-byte extension flag (no extensions)
const RANGE: Record<NiftiWriteDatatype, [number, number]> = {
  float32: [-Infinity, Infinity],
  int16: [-32768, 32767],
  int8: [-128, 127],
  uint8: [0, 255],
};

/**
 * Encodes a gzipped NIfTI-1 (`.nii.gz`, little-endian, no scaling). Geometry: when `like` describes
 * the same grid as `vol` (dims and affine agree), its qform and sform (codes, quaternion, offsets,
 * srow, pixdim, qfac) are copied verbatim, so outputs overlay the source exactly in any viewer;
 * otherwise both are rebuilt from `vol.affine`, keeping `like`'s codes. Units and dim_info come from
 * `like`; nothing else does: aux_file and db_name stay blank, and intent, intent_name, cal_min/cal_max and
 * descrip are what the options say (blank by default) — never the source's (docs/service.md: no patient data).
 * Integer datatypes round to nearest; a value that does not fit is an error, never clipped silently.
 */
export function writeNifti(vol: Volume & { meta?: NiftiMeta }, opts: NiftiWriteOptions): Uint8Array {
  return gzipSync(encodeNifti(vol, opts), gzipOptions(opts));
}

/** `writeNifti` with the compression on the libuv thread pool (the event loop stays free). */
export async function writeNiftiAsync(
  vol: Volume & { meta?: NiftiMeta },
  opts: NiftiWriteOptions,
): Promise<Uint8Array> {
  return gzipAsync(encodeNifti(vol, opts), gzipOptions(opts));
}

export async function writeNiftiFile(
  path: string,
  vol: Volume & { meta?: NiftiMeta },
  opts: NiftiWriteOptions,
): Promise<void> {
  await writeFile(path, await writeNiftiAsync(vol, opts));
}

const gzipAsync = promisify(gzip);

// Z_RLE: float MRI has few long-distance matches, so run-length-only deflate is ~2× faster than the
// default strategy at the same or smaller size (and smaller for int8/uint8 maps: long zero runs).
const gzipOptions = (opts: NiftiWriteOptions) => ({ level: opts.level ?? 1, strategy: constants.Z_RLE });

/** The uncompressed .nii bytes. */
function encodeNifti(vol: Volume & { meta?: NiftiMeta }, opts: NiftiWriteOptions): Uint8Array {
  const [nx, ny, nz] = vol.dims;
  const n = nx * ny * nz;
  if (vol.data.length !== n) {
    throw new AnetError(
      'INTERNAL',
      `volume data has ${vol.data.length} values, dims ${vol.dims.join('×')} need ${n}`,
    );
  }
  const text = headerText(opts);
  const like = opts.like ?? vol.meta;
  const bpv = opts.datatype === 'float32' ? 4 : opts.datatype === 'int16' ? 2 : 1;
  const file = new Uint8Array(VOX_OFFSET + n * bpv);
  writeHeader(new DataView(file.buffer), vol, like, opts.datatype, bpv, text);
  writeVoxels(file, vol.data, opts.datatype);
  return file;
}

function writeHeader(
  v: DataView,
  vol: Volume,
  like: NiftiMeta | undefined,
  datatype: NiftiWriteDatatype,
  bpv: number,
  text: HeaderText,
): void {
  const le = true;
  const geometry = headerGeometry(vol, like);
  v.setInt32(0, HEADER_BYTES, le); // sizeof_hdr
  v.setInt16(68, text.intent, le); // intent_code (intent_p1..p3 stay 0)
  v.setUint8(38, 'r'.charCodeAt(0)); // regular
  v.setUint8(39, like?.dimInfo ?? 0);
  const dim = [3, vol.dims[0], vol.dims[1], vol.dims[2], 1, 1, 1, 1];
  dim.forEach((d, i) => v.setInt16(40 + 2 * i, d, le));
  v.setInt16(70, CODE_BY_DATATYPE[datatype], le);
  v.setInt16(72, bpv * 8, le); // bitpix
  geometry.pixdim.forEach((p, i) => v.setFloat32(76 + 4 * i, p, le));
  v.setFloat32(108, VOX_OFFSET, le);
  v.setFloat32(112, 1, le); // scl_slope: values are stored as they are
  v.setFloat32(116, 0, le); // scl_inter
  v.setUint8(123, like?.xyztUnits ?? 2 /* mm */);
  v.setFloat32(124, text.calMax, le);
  v.setFloat32(128, text.calMin, le);
  writeAscii(v, 148, text.descrip);
  v.setInt16(252, geometry.qformCode, le);
  v.setInt16(254, geometry.sformCode, le);
  geometry.quatern.forEach((q, i) => v.setFloat32(256 + 4 * i, q, le));
  geometry.qoffset.forEach((q, i) => v.setFloat32(268 + 4 * i, q, le));
  geometry.srow.forEach((s, i) => v.setFloat32(280 + 4 * i, s, le));
  writeAscii(v, 328, text.intentName);
  [0x6e, 0x2b, 0x31, 0].forEach((c, i) => v.setUint8(344 + i, c)); // magic "n+1\0"
  // aux_file (228), db_name (14) and the extension flag stay zero.
}

interface HeaderText {
  intent: number;
  intentName: string;
  calMin: number;
  calMax: number;
  descrip: string;
}

/** The optional header fields, checked: a value that does not fit is an error, never cut silently. */
function headerText(opts: NiftiWriteOptions): HeaderText {
  const intent = opts.intent ?? NIFTI_INTENT_NONE;
  if (!Number.isInteger(intent) || intent < -32768 || intent > 32767)
    throw new AnetError('INTERNAL', `intent ${intent} is not a NIfTI-1 intent code (an int16)`);
  const ascii = (field: string, value: string | undefined, max: number): string => {
    const s = value ?? '';
    if (s.length > max || !/^[\x20-\x7e]*$/.test(s))
      throw new AnetError(
        'INTERNAL',
        `${field} ${JSON.stringify(s)} must be at most ${max} printable ASCII characters`,
      );
    return s;
  };
  const calMin = opts.calMin ?? 0;
  const calMax = opts.calMax ?? 0;
  if (!Number.isFinite(calMin) || !Number.isFinite(calMax) || calMin > calMax)
    throw new AnetError(
      'INTERNAL',
      `calMin ${calMin} / calMax ${calMax}: need finite numbers with calMin ≤ calMax`,
    );
  return {
    intent,
    intentName: ascii('intentName', opts.intentName, 15),
    calMin,
    calMax,
    descrip: ascii('descrip', opts.descrip, 79),
  };
}

/** ASCII into a zero-filled char field (values are shorter than the field: a NUL always follows). */
function writeAscii(v: DataView, offset: number, s: string): void {
  for (let i = 0; i < s.length; i++) v.setUint8(offset + i, s.charCodeAt(i));
}

interface Geometry {
  pixdim: number[];
  qformCode: number;
  sformCode: number;
  quatern: [number, number, number];
  qoffset: [number, number, number];
  srow: number[];
}

function headerGeometry(vol: Volume, like: NiftiMeta | undefined): Geometry {
  if (like && sameGrid(vol, like)) {
    const pixdim = [...like.pixdim.slice(0, 4), 1, 1, 1, 1];
    if (!(Math.abs(pixdim[0]) === 1)) pixdim[0] = 1;
    return {
      pixdim,
      qformCode: like.qformCode,
      sformCode: like.sformCode,
      quatern: [...like.quatern],
      qoffset: [...like.qoffset],
      srow: like.sformCode > 0 ? [...like.srow] : vol.affine.slice(0, 12),
    };
  }
  const q = affineToQuaternion(vol.affine);
  const sformCode = like ? like.sformCode || like.qformCode || 2 : 2;
  const qformCode = like ? like.qformCode || sformCode : 2;
  return {
    pixdim: [q.qfac, q.pixdim[0], q.pixdim[1], q.pixdim[2], 1, 1, 1, 1],
    qformCode,
    sformCode,
    quatern: q.quatern,
    qoffset: q.qoffset,
    srow: vol.affine.slice(0, 12),
  };
}

/** `like` describes `vol`'s grid: same dims and (to float32 precision) the same affine. */
function sameGrid(vol: Volume, like: NiftiMeta): boolean {
  if (like.dim[1] !== vol.dims[0] || like.dim[2] !== vol.dims[1] || like.dim[3] !== vol.dims[2]) return false;
  const a = niftiAffine(like);
  const scale = Math.max(1, ...vol.affine.slice(0, 12).map(Math.abs));
  return a.every((x, i) => Math.abs(x - vol.affine[i]) <= 1e-5 * scale);
}

function writeVoxels(file: Uint8Array, data: Float32Array, datatype: NiftiWriteDatatype): void {
  const n = data.length;
  if (datatype === 'float32' && endianness() === 'LE') {
    file.set(new Uint8Array(data.buffer, data.byteOffset, n * 4), VOX_OFFSET);
    return;
  }
  const [lo, hi] = RANGE[datatype];
  const out =
    datatype === 'float32'
      ? new DataView(file.buffer, VOX_OFFSET)
      : datatype === 'int16'
        ? new Int16Array(file.buffer, VOX_OFFSET, n)
        : datatype === 'int8'
          ? new Int8Array(file.buffer, VOX_OFFSET, n)
          : new Uint8Array(file.buffer, VOX_OFFSET, n);
  if (out instanceof DataView) {
    for (let i = 0; i < n; i++) out.setFloat32(4 * i, data[i], true);
    return;
  }
  for (let i = 0; i < n; i++) {
    const r = Math.round(data[i]);
    if (!(r >= lo && r <= hi)) {
      throw new AnetError(
        'INTERNAL',
        `voxel ${i} = ${data[i]} does not fit ${datatype} (${lo}..${hi}): write float32 instead`,
      );
    }
    out[i] = r;
  }
  if (datatype === 'int16' && endianness() !== 'LE') {
    const dv = new DataView(file.buffer, VOX_OFFSET);
    for (let i = 0; i < n; i++) dv.setInt16(2 * i, Math.round(data[i]), true);
  }
}
