import { AnetError } from '@anet/contracts';
import { NIFTI1, NIFTI2 } from 'nifti-reader-js';
import { DATATYPE_BY_CODE, UNSUPPORTED_DATATYPE_NAMES } from './datatypes';
import { copyOf } from './decodeVoxels';
import { niftiAffine } from './niftiAffine';
import type { NiftiMeta } from './niftiTypes';

export const DEFAULT_MAX_VOXELS = 512 ** 3;
export const DEFAULT_MAX_BYTES = 2 ** 31 - 1;

/** A header that passed every check, with what readers need to find and decode the voxels. */
export interface ParsedHeader {
  meta: NiftiMeta;
  dims: [number, number, number];
  spacing: [number, number, number];
  affine: number[];
  voxelCount: number;
  bytesPerVoxel: number;
  /** vox_offset + voxelCount·bytesPerVoxel: the smallest decompressed size that holds the whole image. */
  expectedBytes: number;
}

/**
 * Size of the fixed header from the first 4 bytes (sizeof_hdr, either byte order): 348 for NIfTI-1,
 * 540 for NIfTI-2, undefined when it is neither (not NIfTI).
 */
export function sniffHeaderSize(bytes: Uint8Array): 348 | 540 | undefined {
  if (bytes.length < 4) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 4);
  for (const le of [true, false]) {
    const v = view.getInt32(0, le);
    if (v === 348 || v === 540) return v;
  }
  return undefined;
}

export function notNiftiError(bytes: Uint8Array): AnetError {
  const what = describeForeign(bytes);
  return new AnetError(
    'NIFTI_BAD_MAGIC',
    `not a NIfTI file${what}: send a single-file .nii or .nii.gz (NIfTI-1 or NIfTI-2)`,
  );
}

/**
 * Parses and checks a NIfTI-1/2 header (`bytes` = at least the fixed header of the decompressed file).
 * Field values come from nifti-reader-js; srow and NIfTI-2's 64-bit fields are read here because the
 * library drops srow when qform_code > sform_code and mis-reads big-endian int64. Only the fixed header is
 * handed to the library, so its extension walker never sees attacker-controlled sizes.
 * Throws AnetError NIFTI_* in a fixed order: magic, datatype, dims, 3D, size, spacing, geometry, offset.
 */
export function parseNiftiHeader(
  bytes: Uint8Array,
  opts: { maxVoxels?: number; maxBytes?: number } = {},
): ParsedHeader {
  const maxVoxels = opts.maxVoxels ?? DEFAULT_MAX_VOXELS;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const size = sniffHeaderSize(bytes);
  if (size === undefined) throw notNiftiError(bytes);
  if (bytes.length < size) {
    throw new AnetError(
      'NIFTI_TRUNCATED',
      `file ends after ${bytes.length} bytes, inside the ${size}-byte NIfTI-${size === 348 ? 1 : 2} header: the file was cut short — re-export or re-send it`,
    );
  }
  const head = copyOf(bytes.subarray(0, size)); // own buffer: the library reads head.buffer from 0
  const view = new DataView(head.buffer);
  const version: 1 | 2 = size === 348 ? 1 : 2;
  checkMagic(head, version);

  let h: NIFTI1 | NIFTI2;
  try {
    h = version === 1 ? new NIFTI1() : new NIFTI2();
    h.readHeader(head.buffer);
  } catch (err) {
    throw new AnetError('NIFTI_BAD_HEADER', `unreadable NIfTI-${version} header: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const le = h.littleEndian;
  const int64 = (off: number): number => Number(view.getBigInt64(off, le));
  const dim = version === 1 ? h.dims.slice(0, 8) : Array.from({ length: 8 }, (_, i) => int64(16 + 8 * i));
  const srow =
    version === 1
      ? Array.from({ length: 12 }, (_, i) => view.getFloat32(280 + 4 * i, le))
      : Array.from({ length: 12 }, (_, i) => view.getFloat64(400 + 8 * i, le));
  const voxOffset = version === 1 ? h.vox_offset : int64(168);

  const dt = DATATYPE_BY_CODE[h.datatypeCode];
  if (!dt) {
    const name = UNSUPPORTED_DATATYPE_NAMES[h.datatypeCode] ?? `code ${h.datatypeCode}`;
    throw new AnetError(
      'NIFTI_UNSUPPORTED_DATATYPE',
      `datatype ${name} is not supported: convert to a scalar uint8, int8, int16, uint16, int32, uint32, float32 or float64 image`,
    );
  }

  const ndim = dim[0];
  if (!Number.isInteger(ndim) || ndim < 1 || ndim > 7) {
    throw new AnetError(
      'NIFTI_INVALID_DIMS',
      `dim[0] = ${ndim} must be 1..7 (number of dimensions): the header is damaged`,
    );
  }
  for (let i = 1; i <= ndim; i++) {
    if (!(dim[i] > 0)) {
      throw new AnetError(
        'NIFTI_INVALID_DIMS',
        `dim[${i}] = ${dim[i]}: every image dimension must be a positive size — the header is damaged or the image is empty`,
      );
    }
  }
  if (ndim < 3) {
    throw new AnetError(
      'NIFTI_NOT_3D',
      `image is ${ndim}D (${dim.slice(1, ndim + 1).join('×')}): send a 3D volume`,
    );
  }
  for (let i = 4; i <= ndim; i++) {
    if (dim[i] !== 1) {
      throw new AnetError(
        'NIFTI_NOT_3D',
        `image is ${ndim}D (${dim.slice(1, ndim + 1).join('×')}), with ${dim[i]} entries along dimension ${i}: send one 3D volume (extract the post-contrast T1 from the series)`,
      );
    }
  }
  const dims: [number, number, number] = [dim[1], dim[2], dim[3]];
  const voxelCount = dims[0] * dims[1] * dims[2];
  if (voxelCount > maxVoxels) {
    throw new AnetError(
      'NIFTI_TOO_LARGE',
      `image has ${dims.join('×')} = ${voxelCount} voxels, more than the limit of ${maxVoxels}: crop or downsample it`,
    );
  }
  const expectedBytes = Math.floor(voxOffset) + voxelCount * dt.bytes;
  if (voxelCount * dt.bytes > maxBytes) {
    throw new AnetError(
      'NIFTI_TOO_LARGE',
      `image data needs ${voxelCount * dt.bytes} bytes, more than the limit of ${maxBytes}: crop, downsample or store as a smaller datatype`,
    );
  }

  const pixdim = h.pixDims.slice(0, 8);
  for (let i = 1; i <= 3; i++) {
    if (!(pixdim[i] > 0) || !Number.isFinite(pixdim[i])) {
      throw new AnetError(
        'NIFTI_BAD_SPACING',
        `voxel size pixdim[${i}] = ${pixdim[i]}: voxel sizes must be positive finite numbers (mm) — fix the header's pixdim`,
      );
    }
  }

  const meta: NiftiMeta = {
    niftiVersion: version,
    littleEndian: le,
    datatype: dt.name,
    datatypeCode: h.datatypeCode,
    dim,
    pixdim,
    voxOffset,
    sclSlope: h.scl_slope,
    sclInter: h.scl_inter,
    xyztUnits: h.xyzt_units,
    dimInfo: h.dim_info,
    qformCode: h.qform_code,
    sformCode: h.sform_code,
    quatern: [h.quatern_b, h.quatern_c, h.quatern_d],
    qoffset: [h.qoffset_x, h.qoffset_y, h.qoffset_z],
    srow,
    intentCode: h.intent_code,
    intentName: headerString(head, version === 1 ? 328 : 508, 16),
    calMin: h.cal_min,
    calMax: h.cal_max,
  };
  let affine = niftiAffine(meta);
  if (!usable(affine) && meta.sformCode > 0 && meta.qformCode > 0) {
    // A set sform_code with an empty or broken srow happens; fall back to the qform as ITK does.
    const viaQform = niftiAffine({ ...meta, sformCode: 0 });
    if (usable(viaQform)) {
      affine = viaQform;
      meta.sformCode = 0; // so writers and `like` see the geometry actually used
    }
  }
  if (!usable(affine)) {
    const which =
      meta.sformCode > 0 ? 'sform (srow_x/y/z)' : meta.qformCode > 0 ? 'qform (quatern/qoffset)' : 'pixdim';
    throw new AnetError(
      'NIFTI_BAD_HEADER',
      `the voxel-to-world transform from the ${which} is not finite or is singular: fix the header's orientation`,
    );
  }
  if (!Number.isFinite(voxOffset) || voxOffset < size || voxOffset > maxBytes) {
    throw new AnetError(
      'NIFTI_BAD_HEADER',
      `vox_offset = ${voxOffset} is outside the file's possible range: the header is damaged`,
    );
  }
  return {
    meta,
    dims,
    spacing: [pixdim[1], pixdim[2], pixdim[3]],
    affine,
    voxelCount,
    bytesPerVoxel: dt.bytes,
    expectedBytes,
  };
}

/** A fixed-size char field (descrip, intent_name, …): up to its first NUL, bytes as Latin-1. */
export function headerString(head: Uint8Array, offset: number, length: number): string {
  const field = head.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return String.fromCharCode(...field.subarray(0, end < 0 ? field.length : end));
}

/** Offset of descrip (80 chars) in a NIfTI-1 / NIfTI-2 header. */
export const DESCRIP_OFFSET = { 1: 148, 2: 240 } as const;

function checkMagic(head: Uint8Array, version: 1 | 2): void {
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (version === 1) {
    const magic = ascii(344, 348);
    if (magic === 'n+1\0') return;
    if (magic === 'ni1\0') {
      throw new AnetError(
        'NIFTI_BAD_MAGIC',
        'this is the header of a .hdr/.img pair: convert it to a single-file .nii or .nii.gz',
      );
    }
    throw new AnetError(
      'NIFTI_BAD_MAGIC',
      `NIfTI-1 magic is ${JSON.stringify(magic)}, expected "n+1": this is not a NIfTI-1 file (ANALYZE 7.5 is not supported) — convert it to .nii`,
    );
  }
  const magic = ascii(4, 12);
  if (magic === 'n+2\0\r\n\x1a\n') return;
  if (magic.startsWith('ni2')) {
    throw new AnetError(
      'NIFTI_BAD_MAGIC',
      'this is the header of a NIfTI-2 .hdr/.img pair: convert it to a single-file .nii or .nii.gz',
    );
  }
  throw new AnetError(
    'NIFTI_BAD_MAGIC',
    `NIfTI-2 magic is ${JSON.stringify(magic)}, expected "n+2\\0\\r\\n\\x1a\\n": the file is not NIfTI-2 or was transferred in text mode`,
  );
}

function usable(affine: number[]): boolean {
  return affine.every(Number.isFinite) && Math.abs(det3x3(affine)) >= 1e-12;
}

function det3x3(a: number[]): number {
  return (
    a[0] * (a[5] * a[10] - a[6] * a[9]) -
    a[1] * (a[4] * a[10] - a[6] * a[8]) +
    a[2] * (a[4] * a[9] - a[5] * a[8])
  );
}

function describeForeign(bytes: Uint8Array): string {
  if (bytes.length < 4) return ` (only ${bytes.length} bytes)`;
  const b = bytes;
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return ' (it is a PNG image)';
  if (b[0] === 0xff && b[1] === 0xd8) return ' (it is a JPEG image)';
  if (b[0] === 0x50 && b[1] === 0x4b) return ' (it is a ZIP archive)';
  if (b.length >= 132 && String.fromCharCode(...b.subarray(128, 132)) === 'DICM')
    return ' (it is a DICOM file: convert the series with dcm2niix)';
  return '';
}

/** NIFTI_TRUNCATED unless `fileBytes` (decompressed) hold the whole image the header describes. */
export function checkComplete(fileBytes: number, p: ParsedHeader): void {
  if (fileBytes >= p.expectedBytes) return;
  throw new AnetError(
    'NIFTI_TRUNCATED',
    `file holds ${fileBytes} bytes but its header describes ${p.dims.join('×')} ${p.meta.datatype} voxels from offset ${Math.floor(p.meta.voxOffset)} (${p.expectedBytes} bytes): the file was cut short — re-export or re-send it`,
  );
}
