import type { ErrorCode } from '@anet/contracts';
import { gzipSync } from 'node:zlib';

/**
 * A corpus of small NIfTI files, bad and good, built byte by byte here (independently of `writeNifti`),
 * so that tests of the reader, the validator and the API upload path can prove each defect gets its code.
 * `scripts/make-nifti-corpus.ts` writes it to fixtures/nifti-corpus/.
 */
export interface NiftiCorpusEntry {
  name: string;
  description: string;
  bytes: Uint8Array;
  /** The AnetError code readers must throw, or 'ok'. */
  expect: ErrorCode | 'ok';
  /** For good files: what a correct reader returns. */
  truth?: {
    dims: [number, number, number];
    spacing: [number, number, number];
    affine: number[];
    values: Float32Array;
  };
}

export interface RawNiftiSpec {
  version?: 1 | 2;
  littleEndian?: boolean;
  datatypeCode: number;
  bitpix?: number;
  dim: number[];
  pixdim?: number[];
  voxOffset?: number;
  sclSlope?: number;
  sclInter?: number;
  qformCode?: number;
  sformCode?: number;
  quatern?: number[];
  qoffset?: number[];
  srow?: number[];
  magic?: string;
  xyztUnits?: number;
  /** Bytes between the header and vox_offset (extension flag + extensions). */
  extension?: Uint8Array;
  data: Uint8Array;
}

const BYTES: Record<number, number> = {
  2: 1,
  4: 2,
  8: 4,
  16: 4,
  32: 8,
  64: 8,
  128: 3,
  256: 1,
  512: 2,
  768: 4,
};

/** Encodes a NIfTI-1 or NIfTI-2 single file from explicit header fields (test fixture writer). */
export function encodeRawNifti(s: RawNiftiSpec): Uint8Array {
  const v2 = s.version === 2;
  const le = s.littleEndian ?? true;
  const hdr = v2 ? 540 : 348;
  const ext = s.extension ?? new Uint8Array(4);
  const voxOffset = s.voxOffset ?? hdr + ext.length;
  const dataAt = Math.max(voxOffset, hdr + ext.length); // a bogus vox_offset must not overwrite the header
  const out = new Uint8Array(dataAt + s.data.length);
  const v = new DataView(out.buffer);
  const pixdim = s.pixdim ?? [1, 1, 1, 1, 1, 1, 1, 1];
  const quatern = s.quatern ?? [0, 0, 0];
  const qoffset = s.qoffset ?? [0, 0, 0];
  const srow = s.srow ?? [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0];
  const bitpix = s.bitpix ?? (BYTES[s.datatypeCode] ?? 1) * 8;
  const ascii = (at: number, text: string) =>
    [...text].forEach((c, i) => v.setUint8(at + i, c.charCodeAt(0)));
  if (!v2) {
    v.setInt32(0, 348, le);
    v.setUint8(38, 0x72);
    s.dim.forEach((d, i) => v.setInt16(40 + 2 * i, d, le));
    v.setInt16(70, s.datatypeCode, le);
    v.setInt16(72, bitpix, le);
    pixdim.forEach((p, i) => v.setFloat32(76 + 4 * i, p, le));
    v.setFloat32(108, voxOffset, le);
    v.setFloat32(112, s.sclSlope ?? 1, le);
    v.setFloat32(116, s.sclInter ?? 0, le);
    v.setUint8(123, s.xyztUnits ?? 10);
    ascii(148, 'PATIENT NAME — must not survive a write');
    v.setInt16(252, s.qformCode ?? 0, le);
    v.setInt16(254, s.sformCode ?? 0, le);
    quatern.forEach((q, i) => v.setFloat32(256 + 4 * i, q, le));
    qoffset.forEach((q, i) => v.setFloat32(268 + 4 * i, q, le));
    srow.forEach((q, i) => v.setFloat32(280 + 4 * i, q, le));
    ascii(344, s.magic ?? 'n+1\0');
  } else {
    v.setInt32(0, 540, le);
    ascii(4, s.magic ?? 'n+2\0\r\n\x1a\n');
    v.setInt16(12, s.datatypeCode, le);
    v.setInt16(14, bitpix, le);
    s.dim.forEach((d, i) => v.setBigInt64(16 + 8 * i, BigInt(d), le));
    pixdim.forEach((p, i) => v.setFloat64(104 + 8 * i, p, le));
    v.setBigInt64(168, BigInt(voxOffset), le);
    v.setFloat64(176, s.sclSlope ?? 1, le);
    v.setFloat64(184, s.sclInter ?? 0, le);
    v.setInt32(344, s.qformCode ?? 0, le);
    v.setInt32(348, s.sformCode ?? 0, le);
    quatern.forEach((q, i) => v.setFloat64(352 + 8 * i, q, le));
    qoffset.forEach((q, i) => v.setFloat64(376 + 8 * i, q, le));
    srow.forEach((q, i) => v.setFloat64(400 + 8 * i, q, le));
    v.setInt32(500, s.xyztUnits ?? 10, le);
  }
  out.set(ext, hdr);
  out.set(s.data, dataAt);
  return out;
}

/** Stores `values` as datatype `code` (no rounding checks: fixtures choose representable values). */
export function encodeValues(values: ArrayLike<number>, code: number, le = true): Uint8Array {
  const size = BYTES[code];
  const out = new Uint8Array(values.length * size);
  const v = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    const o = i * size;
    if (code === 2) v.setUint8(o, x);
    else if (code === 256) v.setInt8(o, x);
    else if (code === 4) v.setInt16(o, x, le);
    else if (code === 512) v.setUint16(o, x, le);
    else if (code === 8) v.setInt32(o, x, le);
    else if (code === 768) v.setUint32(o, x, le);
    else if (code === 16) v.setFloat32(o, x, le);
    else if (code === 64) v.setFloat64(o, x, le);
    else throw new Error(`encodeValues: no encoder for datatype ${code}`);
  }
  return out;
}

const DIMS: [number, number, number] = [5, 4, 3];
const N = DIMS[0] * DIMS[1] * DIMS[2];
const dim3 = (d = DIMS) => [3, d[0], d[1], d[2], 1, 1, 1, 1];
const PIX = [1, 1.5, 2, 2.5, 1, 1, 1, 1];
const DIAG = [1.5, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2.5, 0, 0, 0, 0, 1];
/** Distinct values per voxel that fit every integer type's range. */
const ramp = (lo: number) => Array.from({ length: N }, (_, i) => lo + i);

function good(
  name: string,
  description: string,
  code: number,
  stored: number[],
  extra: Partial<RawNiftiSpec> = {},
  expected?: { values?: number[]; affine?: number[]; spacing?: [number, number, number] },
): NiftiCorpusEntry {
  const spec: RawNiftiSpec = {
    datatypeCode: code,
    dim: dim3(),
    pixdim: PIX,
    data: encodeValues(stored, code, extra.littleEndian ?? true),
    ...extra,
  };
  const raw = encodeRawNifti(spec);
  return {
    name,
    description,
    bytes: name.endsWith('.gz') ? gzipSync(raw) : raw,
    expect: 'ok',
    truth: {
      dims: DIMS,
      spacing: expected?.spacing ?? [1.5, 2, 2.5],
      affine: expected?.affine ?? DIAG,
      values: Float32Array.from(expected?.values ?? stored),
    },
  };
}

function bad(name: string, description: string, expect: ErrorCode, bytes: Uint8Array): NiftiCorpusEntry {
  return { name, description, bytes: name.endsWith('.gz') && !isGz(bytes) ? gzipSync(bytes) : bytes, expect };
}

const isGz = (b: Uint8Array) => b[0] === 0x1f && b[1] === 0x8b;

/** Builds every corpus file in memory (deterministic; ~40 ms, dominated by the gzip bomb). */
export function buildNiftiCorpus(): NiftiCorpusEntry[] {
  const f32 = (extra: Partial<RawNiftiSpec> = {}, values = ramp(0)) =>
    encodeRawNifti({ datatypeCode: 16, dim: dim3(), pixdim: PIX, data: encodeValues(values, 16), ...extra });
  const base = f32();
  const withNaN = ramp(0).map((x, i) => (i === 17 ? NaN : x));
  const withInf = ramp(0).map((x, i) => (i === 3 ? -Infinity : x));

  const corruptGz = gzipSync(base);
  corruptGz[10] |= 0x06; // first deflate block header → BTYPE 11 (reserved): "invalid block type"
  const crcGz = gzipSync(base);
  crcGz[crcGz.length - 8] ^= 0xff; // CRC-32 in the trailer
  const bomb = new Uint8Array(16 * 2 ** 20);
  bomb.set(encodeRawNifti({ datatypeCode: 2, dim: [3, 8, 8, 8, 1, 1, 1, 1], data: new Uint8Array(512) }));
  const nifti2 = encodeRawNifti({
    version: 2,
    datatypeCode: 16,
    dim: dim3(),
    pixdim: PIX,
    sformCode: 2,
    srow: [-1.5, 0, 0, 10, 0, 2, 0, -20, 0, 0, 2.5, 30],
    data: encodeValues(ramp(0), 16),
  });
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array(400).fill(7)]);
  const dicom = new Uint8Array(600);
  dicom.set([0x44, 0x49, 0x43, 0x4d], 128);
  const textMode = (() => {
    // A NIfTI-2 file sent through a text-mode transfer: "\r\n" in the magic became "\n".
    const b = encodeRawNifti({
      version: 2,
      datatypeCode: 16,
      dim: dim3(),
      pixdim: PIX,
      data: encodeValues(ramp(0), 16),
    });
    return Uint8Array.from([...b.subarray(0, 8), ...b.subarray(9, 12), 0, ...b.subarray(12)]);
  })();
  const extension = new Uint8Array(4 + 32);
  extension.set([1, 0, 0, 0]);
  new DataView(extension.buffer).setInt32(4, 32, true); // esize
  new DataView(extension.buffer).setInt32(8, 6, true); // ecode: comment
  const half = Math.SQRT1_2;

  const entries: NiftiCorpusEntry[] = [
    // --- bad ---
    bad('truncated-header.nii', 'cut inside the 348-byte header', 'NIFTI_TRUNCATED', base.slice(0, 200)),
    bad(
      'truncated-data.nii',
      'voxel data 100 bytes short',
      'NIFTI_TRUNCATED',
      base.slice(0, base.length - 100),
    ),
    bad(
      'truncated-data.nii.gz',
      'complete gzip of a file whose data is short',
      'NIFTI_TRUNCATED',
      base.slice(0, base.length - 40),
    ),
    bad(
      'truncated-stream.nii.gz',
      'gzip stream of a 32×32×16 image cut at 60 %',
      'NIFTI_TRUNCATED',
      (() => {
        const values = Array.from({ length: 32 * 32 * 16 }, (_, i) => Math.round(Math.sin(i * 0.37) * 1000));
        const gz = gzipSync(
          encodeRawNifti({
            datatypeCode: 4,
            dim: dim3([32, 32, 16]),
            pixdim: PIX,
            data: encodeValues(values, 4),
          }),
        );
        return gz.slice(0, Math.floor(gz.length * 0.6));
      })(),
    ),
    bad(
      'truncated-stream-in-header.nii.gz',
      'gzip stream cut before the header is complete',
      'NIFTI_TRUNCATED',
      gzipSync(base, { level: 0 }).slice(0, 300),
    ),
    bad('wrong-magic.nii', 'magic "xyz" instead of "n+1"', 'NIFTI_BAD_MAGIC', f32({ magic: 'xyz\0' })),
    bad(
      'analyze-pair.hdr',
      '.hdr/.img pair header (magic "ni1")',
      'NIFTI_BAD_MAGIC',
      f32({ magic: 'ni1\0' }),
    ),
    bad('zero-dim.nii', 'dim[2] = 0', 'NIFTI_INVALID_DIMS', f32({ dim: [3, 5, 0, 3, 1, 1, 1, 1] })),
    bad('negative-dim.nii', 'dim[1] = −5', 'NIFTI_INVALID_DIMS', f32({ dim: [3, -5, 4, 3, 1, 1, 1, 1] })),
    bad('dim0-zero.nii', 'dim[0] = 0', 'NIFTI_INVALID_DIMS', f32({ dim: [0, 5, 4, 3, 1, 1, 1, 1] })),
    bad(
      'claims-1e9-voxels.nii',
      'header claims 1000×1000×1000 float32 (4 GB), file is tiny',
      'NIFTI_TOO_LARGE',
      f32({ dim: [3, 1000, 1000, 1000, 1, 1, 1, 1] }),
    ),
    bad(
      'claims-1e9-voxels.nii.gz',
      'the same, gzipped',
      'NIFTI_TOO_LARGE',
      f32({ dim: [3, 1000, 1000, 1000, 1, 1, 1, 1] }),
    ),
    bad(
      '4d-3-volumes.nii',
      'dim[0] = 4, dim[4] = 3',
      'NIFTI_NOT_3D',
      encodeRawNifti({
        datatypeCode: 16,
        dim: [4, 5, 4, 3, 3, 1, 1, 1],
        pixdim: PIX,
        data: encodeValues([...ramp(0), ...ramp(0), ...ramp(0)], 16),
      }),
    ),
    bad('2d.nii', 'a single 2D slice (dim[0] = 2)', 'NIFTI_NOT_3D', f32({ dim: [2, 5, 4, 1, 1, 1, 1, 1] })),
    bad('nan-data.nii', 'float32 with a NaN voxel', 'NIFTI_NON_FINITE', f32({}, withNaN)),
    bad(
      'inf-data.nii.gz',
      'float64 with −Inf, gzipped',
      'NIFTI_NON_FINITE',
      encodeRawNifti({ datatypeCode: 64, dim: dim3(), pixdim: PIX, data: encodeValues(withInf, 64) }),
    ),
    bad(
      'scaled-overflow.nii',
      'int16 × scl_slope 1e38 overflows float32',
      'NIFTI_NON_FINITE',
      encodeRawNifti({
        datatypeCode: 4,
        dim: dim3(),
        pixdim: PIX,
        sclSlope: 1e38,
        data: encodeValues(ramp(0), 4),
      }),
    ),
    bad(
      'gzip-bomb.nii.gz',
      '16 KB gzip of an 8³ image followed by 16 MiB of zeros',
      'NIFTI_GZIP_BOMB',
      gzipSync(bomb, { level: 9 }),
    ),
    bad('not-nifti.png', 'a PNG', 'NIFTI_BAD_MAGIC', png),
    bad(
      'not-nifti.txt',
      'a text file',
      'NIFTI_BAD_MAGIC',
      new TextEncoder().encode('patient_id,volume\nP001,12.5\n'.repeat(20)),
    ),
    bad(
      'not-nifti.txt.gz',
      'a gzipped text file',
      'NIFTI_BAD_MAGIC',
      new TextEncoder().encode('hello world\n'.repeat(50)),
    ),
    bad('dicom.dcm', 'a DICOM file (DICM at 128)', 'NIFTI_BAD_MAGIC', dicom),
    bad('empty.nii', 'zero bytes', 'NIFTI_BAD_MAGIC', new Uint8Array(0)),
    bad('corrupt.nii.gz', 'deflate block type 11 (reserved)', 'NIFTI_GZIP_CORRUPT', corruptGz),
    bad('crc-mismatch.nii.gz', 'gzip trailer CRC-32 does not match', 'NIFTI_GZIP_CORRUPT', crcGz),
    bad(
      'complex64.nii',
      'datatype complex64',
      'NIFTI_UNSUPPORTED_DATATYPE',
      encodeRawNifti({ datatypeCode: 32, dim: dim3(), pixdim: PIX, data: new Uint8Array(N * 8) }),
    ),
    bad(
      'rgb24.nii',
      'datatype RGB24',
      'NIFTI_UNSUPPORTED_DATATYPE',
      encodeRawNifti({ datatypeCode: 128, dim: dim3(), pixdim: PIX, data: new Uint8Array(N * 3) }),
    ),
    bad(
      'int64.nii',
      'datatype int64',
      'NIFTI_UNSUPPORTED_DATATYPE',
      encodeRawNifti({ datatypeCode: 1024, dim: dim3(), pixdim: PIX, data: new Uint8Array(N * 8) }),
    ),
    bad(
      'zero-spacing.nii',
      'pixdim[3] = 0',
      'NIFTI_BAD_SPACING',
      f32({ pixdim: [1, 1.5, 2, 0, 1, 1, 1, 1] }),
    ),
    bad(
      'negative-spacing.nii',
      'pixdim[2] = −2',
      'NIFTI_BAD_SPACING',
      f32({ pixdim: [1, 1.5, -2, 2.5, 1, 1, 1, 1] }),
    ),
    bad(
      'nan-spacing.nii',
      'pixdim[1] = NaN',
      'NIFTI_BAD_SPACING',
      f32({ pixdim: [1, NaN, 2, 2.5, 1, 1, 1, 1] }),
    ),
    bad(
      'nifti2-truncated.nii',
      'NIfTI-2, half the data',
      'NIFTI_TRUNCATED',
      nifti2.slice(0, 544 + (N * 4) / 2),
    ),
    bad(
      'nifti2-truncated-header.nii',
      'NIfTI-2 cut inside its 540-byte header',
      'NIFTI_TRUNCATED',
      nifti2.slice(0, 400),
    ),
    bad('nifti2-text-mode.nii', 'NIfTI-2 magic damaged by a text-mode transfer', 'NIFTI_BAD_MAGIC', textMode),
    bad(
      'singular-sform.nii',
      'sform_code 1 with an all-zero srow_z',
      'NIFTI_BAD_HEADER',
      f32({ sformCode: 1, srow: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0] }),
    ),
    bad('vox-offset-zero.nii', 'vox_offset 0 (inside the header)', 'NIFTI_BAD_HEADER', f32({ voxOffset: 0 })),

    // --- good ---
    good('good-uint8.nii', 'uint8', 2, ramp(0)),
    good('good-int8.nii', 'int8', 256, ramp(-30)),
    good('good-int16.nii', 'int16', 4, ramp(-1000)),
    good('good-uint16.nii', 'uint16', 512, ramp(60000)),
    good('good-int32.nii', 'int32', 8, ramp(-100000)),
    good('good-uint32.nii', 'uint32', 768, ramp(3e9)),
    good(
      'good-float32.nii.gz',
      'float32, gzipped',
      16,
      ramp(0).map((x) => x / 8 - 3),
    ),
    good(
      'good-float64.nii',
      'float64',
      64,
      ramp(0).map((x) => x / 4 - 1),
    ),
    good(
      'good-int16-scaled.nii.gz',
      'int16 with scl_slope 0.5, scl_inter −10',
      4,
      ramp(-20),
      { sclSlope: 0.5, sclInter: -10 },
      { values: ramp(-20).map((x) => x * 0.5 - 10) },
    ),
    good('good-slope-zero.nii', 'scl_slope 0 means no scaling (scl_inter ignored)', 4, ramp(0), {
      sclSlope: 0,
      sclInter: 99,
    }),
    good(
      'good-int16-bigendian.nii',
      'big-endian int16 with a qform (90° about z, qfac −1)',
      4,
      ramp(-7),
      {
        littleEndian: false,
        qformCode: 1,
        quatern: [0, 0, half],
        qoffset: [10, -20, 30],
        pixdim: [-1, 1.5, 2, 2.5, 1, 1, 1, 1],
      },
      { affine: [0, -2, 0, 10, 1.5, 0, 0, -20, 0, 0, -2.5, 30, 0, 0, 0, 1] },
    ),
    good(
      'good-sform-over-qform.nii',
      'sform_code 2 wins over qform_code 1',
      16,
      ramp(0),
      {
        qformCode: 1,
        quatern: [0, 0, half],
        sformCode: 2,
        srow: [-1.5, 0, 0, 90, 0, 2, 0, -126, 0, 0, 2.5, -72],
      },
      { affine: [-1.5, 0, 0, 90, 0, 2, 0, -126, 0, 0, 2.5, -72, 0, 0, 0, 1] },
    ),
    good(
      'good-empty-sform-uses-qform.nii',
      'sform_code 1 with an all-zero srow: the qform is used',
      16,
      ramp(0),
      { sformCode: 1, srow: new Array(12).fill(0), qformCode: 1, quatern: [0, 0, 0], qoffset: [1, 2, 3] },
      { affine: [1.5, 0, 0, 1, 0, 2, 0, 2, 0, 0, 2.5, 3, 0, 0, 0, 1] },
    ),
    good('good-4d-single-volume.nii', 'dim[0] = 4 with dim[4] = 1', 16, ramp(0), {
      dim: [4, 5, 4, 3, 1, 1, 1, 1],
    }),
    good('good-extension.nii', 'with a 32-byte comment extension (vox_offset 384)', 16, ramp(0), {
      extension,
    }),
    {
      ...good('good-nifti2.nii', 'NIfTI-2 float32 with sform', 16, ramp(0)),
      bytes: nifti2,
      truth: {
        dims: DIMS,
        spacing: [1.5, 2, 2.5],
        affine: [-1.5, 0, 0, 10, 0, 2, 0, -20, 0, 0, 2.5, 30, 0, 0, 0, 1],
        values: Float32Array.from(ramp(0)),
      },
    },
    {
      ...good('good-multimember.nii.gz', 'gzip with two members (concatenated .gz)', 16, ramp(0)),
      bytes: Uint8Array.from([...gzipSync(base.subarray(0, 500)), ...gzipSync(base.subarray(500))]),
    },
  ];
  return entries;
}
