import { AnetError } from '@anet/contracts';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeRawNifti, encodeValues } from './buildNiftiCorpus';
import { readNifti } from './readNifti';

const int16Image = (values: number[], extra = {}) =>
  encodeRawNifti({
    datatypeCode: 4,
    dim: [3, values.length, 1, 1, 1, 1, 1, 1],
    pixdim: [1, 2, 3, 4, 1, 1, 1, 1],
    data: encodeValues(values, 4),
    ...extra,
  });

describe('readNifti', () => {
  it('reads .nii and .nii.gz alike', () => {
    const raw = int16Image([1, -2, 3, -4]);
    expect(Array.from(readNifti(raw).data)).toEqual([1, -2, 3, -4]);
    expect(Array.from(readNifti(gzipSync(raw)).data)).toEqual([1, -2, 3, -4]);
  });

  it('applies scl_slope and scl_inter; NaN slope means no scaling', () => {
    expect(Array.from(readNifti(int16Image([0, 10], { sclSlope: 0.25, sclInter: 100 })).data)).toEqual([
      100, 102.5,
    ]);
    expect(Array.from(readNifti(int16Image([0, 10], { sclSlope: NaN, sclInter: 100 })).data)).toEqual([
      0, 10,
    ]);
  });

  it('does not alias the input buffer', () => {
    const raw = encodeRawNifti({
      datatypeCode: 16,
      dim: [3, 2, 1, 1, 1, 1, 1, 1],
      data: encodeValues([5, 6], 16),
    });
    const vol = readNifti(raw);
    vol.data[0] = 99;
    expect(Array.from(readNifti(raw).data)).toEqual([5, 6]);
  });

  it('decodes misaligned data (vox_offset not a multiple of the voxel size)', () => {
    const raw = encodeRawNifti({
      datatypeCode: 64,
      dim: [3, 3, 1, 1, 1, 1, 1, 1],
      voxOffset: 355,
      data: encodeValues([1.5, -2.5, 1e300 / 1e300], 64),
    });
    expect(Array.from(readNifti(raw).data)).toEqual([1.5, -2.5, 1]);
  });

  it('honours maxVoxels and caps gzip output just past the declared image', () => {
    const raw = int16Image([1, 2, 3, 4, 5, 6]);
    expect(() => readNifti(raw, { maxVoxels: 5 })).toThrow(
      expect.objectContaining({ code: 'NIFTI_TOO_LARGE' }),
    );
    const padded = new Uint8Array(raw.length + 3 * 2 ** 20);
    padded.set(raw);
    const err = (() => {
      try {
        readNifti(gzipSync(padded));
      } catch (e) {
        return e as AnetError;
      }
    })();
    expect(err?.code).toBe('NIFTI_GZIP_BOMB');
  });

  it('keeps the header fields a writer needs, and no free-text fields', () => {
    const meta = readNifti(
      int16Image([1], { qformCode: 1, quatern: [0, 0, 1], qoffset: [1, 2, 3], xyztUnits: 10 }),
    ).meta;
    expect(meta).toMatchObject({
      niftiVersion: 1,
      datatype: 'int16',
      qformCode: 1,
      sformCode: 0,
      qoffset: [1, 2, 3],
      xyztUnits: 10,
    });
    expect(meta.pixdim.slice(1, 4)).toEqual([2, 3, 4]);
    expect(JSON.stringify(meta)).not.toMatch(/PATIENT/);
  });

  it('reads from a Buffer that is a view into a larger (pooled) allocation', () => {
    const raw = encodeRawNifti({
      datatypeCode: 64,
      dim: [3, 2, 1, 1, 1, 1, 1, 1],
      voxOffset: 353,
      data: encodeValues([7.25, -1], 64),
    });
    for (const bytes of [raw, gzipSync(raw)]) {
      const pool = Buffer.concat([Buffer.from('junk!'), Buffer.from(bytes), Buffer.from('more junk')]);
      const view = pool.subarray(5, 5 + bytes.length);
      expect(Array.from(readNifti(view).data)).toEqual([7.25, -1]);
    }
  });
});
