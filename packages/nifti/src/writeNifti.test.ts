import { AnetError, type Volume } from '@anet/contracts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildNiftiCorpus } from './buildNiftiCorpus';
import { readNifti, readNiftiFile } from './readNifti';
import { writeNifti, writeNiftiAsync, writeNiftiFile } from './writeNifti';

const corpus = buildNiftiCorpus();
const oblique = (): number[] => {
  // 20° about x then a flip of x: a non-trivial rigid+zoom affine with negative determinant.
  const c = Math.cos((20 * Math.PI) / 180);
  const s = Math.sin((20 * Math.PI) / 180);
  return [-0.9, 0, 0, 91.5, 0, 1.1 * c, -3 * s, -120.25, 0, 1.1 * s, 3 * c, -60, 0, 0, 0, 1];
};

function volume(
  values: (i: number) => number,
  affine = oblique(),
  dims: [number, number, number] = [6, 5, 4],
): Volume {
  const n = dims[0] * dims[1] * dims[2];
  return {
    data: Float32Array.from({ length: n }, (_, i) => values(i)),
    dims,
    spacing: [0.9, 1.1, 3],
    affine,
  };
}

describe('writeNifti', () => {
  it.each([
    ['float32', (i: number) => Math.sin(i) * 123.456],
    ['int16', (i: number) => ((i * 97) % 30000) - 15000],
    ['int8', (i: number) => (i % 3) - 1],
    ['uint8', (i: number) => (i * 7) % 256],
  ] as const)('round-trips %s values exactly', (datatype, f) => {
    const vol = volume(f);
    const back = readNifti(writeNifti(vol, { datatype }));
    expect(back.meta.datatype).toBe(datatype);
    expect(back.dims).toEqual(vol.dims);
    expect(Array.from(back.data)).toEqual(Array.from(vol.data));
    back.affine.forEach((x, i) => expect(x).toBeCloseTo(vol.affine[i], 4));
    back.spacing.forEach((x, i) => expect(x).toBeCloseTo(vol.spacing[i], 5));
  });

  it('rebuilds a qform that agrees with the sform for an oblique, flipped affine', () => {
    const back = readNifti(
      writeNifti(
        volume(() => 1),
        { datatype: 'uint8' },
      ),
    );
    expect(back.meta.sformCode).toBe(2);
    expect(back.meta.qformCode).toBe(2);
    expect(back.meta.pixdim[0]).toBe(-1); // determinant < 0 → qfac −1
    const viaQform = readNifti(
      writeNifti({ ...back, meta: undefined }, { datatype: 'uint8', like: { ...back.meta, sformCode: 0 } }),
    );
    expect(viaQform.meta.sformCode).toBe(0);
    viaQform.affine.forEach((x, i) => expect(x).toBeCloseTo(oblique()[i], 4));
  });

  it('keeps the source qform and sform verbatim, its units, and blanks descrip', () => {
    const src = corpus.find((e) => e.name === 'good-sform-over-qform.nii')!;
    const like = readNifti(src.bytes);
    const out = writeNifti(
      { ...like, data: like.data.map((x) => x * 2) },
      { datatype: 'float32', like: like.meta },
    );
    const back = readNifti(out);
    for (const key of ['qformCode', 'sformCode', 'quatern', 'qoffset', 'srow', 'xyztUnits'] as const) {
      expect(back.meta[key]).toEqual(like.meta[key]);
    }
    expect(back.meta.pixdim.slice(0, 4)).toEqual(like.meta.pixdim.slice(0, 4));
    expect(back.affine).toEqual(like.affine);
    const raw = gunzipSync(out);
    expect(new TextDecoder().decode(src.bytes.subarray(148, 160))).toBe('PATIENT NAME');
    expect(raw.subarray(148, 252).every((b) => b === 0)).toBe(true); // descrip + aux_file
    expect(raw.subarray(4, 32).every((b) => b === 0)).toBe(true); // data_type + db_name
  });

  it('keeps a big-endian qform-only source geometry when writing little-endian', () => {
    const src = corpus.find((e) => e.name === 'good-int16-bigendian.nii')!;
    const like = readNifti(src.bytes);
    const back = readNifti(writeNifti(like, { datatype: 'int16' }));
    expect(back.meta.littleEndian).toBe(true);
    expect(back.meta.qformCode).toBe(1);
    expect(back.meta.sformCode).toBe(0);
    expect(back.affine).toEqual(like.affine);
    expect(Array.from(back.data)).toEqual(Array.from(like.data));
  });

  it("rebuilds geometry from the volume when `like` describes another grid, keeping like's codes", () => {
    const src = readNifti(corpus.find((e) => e.name === 'good-sform-over-qform.nii')!.bytes);
    const vol = volume(() => 0, [2, 0, 0, -10, 0, 2, 0, -20, 0, 0, 2, -30, 0, 0, 0, 1]);
    const back = readNifti(writeNifti(vol, { datatype: 'float32', like: src.meta }));
    expect(back.meta.sformCode).toBe(src.meta.sformCode);
    expect(back.meta.qformCode).toBe(src.meta.qformCode);
    expect(back.affine).toEqual(vol.affine);
  });

  it('rounds to the integer type and refuses values that do not fit', () => {
    const back = readNifti(
      writeNifti(
        volume((i) => (i % 2 ? 1.4 : -0.6)),
        { datatype: 'int8' },
      ),
    );
    expect(Array.from(back.data.subarray(0, 4))).toEqual([-1, 1, -1, 1]);
    expect(() =>
      writeNifti(
        volume(() => 300),
        { datatype: 'uint8' },
      ),
    ).toThrow(AnetError);
    expect(() =>
      writeNifti(
        volume(() => NaN),
        { datatype: 'int16' },
      ),
    ).toThrow(/does not fit int16/);
    expect(() => writeNifti({ ...volume(() => 0), dims: [2, 2, 2] }, { datatype: 'uint8' })).toThrow(
      /dims 2×2×2/,
    );
  });

  it('writes and reads files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anet-nifti-'));
    try {
      const vol = volume((i) => Math.round(i / 3));
      await writeNiftiFile(join(dir, 'v.nii.gz'), vol, { datatype: 'float32' });
      expect(await writeNiftiAsync(vol, { datatype: 'int16' })).toEqual(
        writeNifti(vol, { datatype: 'int16' }),
      );
      const back = await readNiftiFile(join(dir, 'v.nii.gz'));
      expect(Array.from(back.data)).toEqual(Array.from(vol.data));
      await expect(readNiftiFile(join(dir, 'v.nii.gz'), { maxBytes: 10 })).rejects.toMatchObject({
        code: 'NIFTI_TOO_LARGE',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
