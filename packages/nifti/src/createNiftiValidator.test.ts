import { AnetError } from '@anet/contracts';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeRawNifti, encodeValues } from './buildNiftiCorpus';
import { createNiftiValidator, validateNifti, type NiftiValidator } from './createNiftiValidator';
import { readNifti } from './readNifti';

const image = (n: number, values: (i: number) => number) =>
  encodeRawNifti({
    datatypeCode: 16,
    dim: [3, n, n, n, 1, 1, 1, 1],
    pixdim: [1, 1, 1, 1, 1, 1, 1, 1],
    data: encodeValues(
      Float64Array.from({ length: n ** 3 }, (_, i) => values(i)),
      16,
    ),
  });

async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
    return 'ok';
  } catch (err) {
    return err instanceof AnetError ? err.code : `non-AnetError ${String(err)}`;
  }
}

async function pushAll(v: NiftiValidator, bytes: Uint8Array, size: number): Promise<number> {
  let pushed = 0;
  for (let off = 0; off < bytes.length; off += size) {
    await v.push(bytes.subarray(off, off + size));
    pushed = off + size;
  }
  return pushed;
}

describe('createNiftiValidator', () => {
  it('summarises a gzipped file pushed in pieces', async () => {
    const bytes = gzipSync(image(16, (i) => i % 100));
    const v = createNiftiValidator();
    await pushAll(v, bytes, 1000);
    expect(await v.finish()).toEqual({
      niftiVersion: 1,
      dims: [16, 16, 16],
      spacing: [1, 1, 1],
      datatype: 'float32',
      affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
      voxelCount: 4096,
      compressed: true,
      decompressedBytes: 352 + 4096 * 4,
      sampledBytes: 4096 * 4,
    });
    expect(validateNifti(bytes)).toEqual(
      await (async () => {
        const w = createNiftiValidator();
        await w.push(bytes);
        return w.finish();
      })(),
    );
  });

  it('rejects a foreign file on the first push; the verdict is sticky', async () => {
    const v = createNiftiValidator();
    expect(
      await codeOf(() => v.push(new TextEncoder().encode('<html><body>not an image</body></html>'))),
    ).toBe('NIFTI_BAD_MAGIC');
    expect(await codeOf(() => v.push(new Uint8Array(10)))).toBe('NIFTI_BAD_MAGIC');
    expect(await codeOf(() => v.finish())).toBe('NIFTI_BAD_MAGIC');
  });

  it('rejects an oversized header as soon as the header is in, without the data', async () => {
    const v = createNiftiValidator({ maxVoxels: 1000 });
    const gz = gzipSync(image(16, (i) => Math.sin(i)));
    expect(await codeOf(() => pushAll(v, gz.subarray(0, gz.length / 2), 64))).toBe('NIFTI_TOO_LARGE');
  });

  it('stops a gzip bomb during push, long before inflating it all', async () => {
    const big = new Uint8Array(32 * 2 ** 20);
    big.set(image(4, () => 0));
    const gz = gzipSync(big, { level: 9 });
    const v = createNiftiValidator();
    let pushed = 0;
    const code = await codeOf(async () => {
      for (let off = 0; off < gz.length; off += 1024) {
        await v.push(gz.subarray(off, off + 1024));
        pushed = off + 1024;
      }
    });
    expect(code).toBe('NIFTI_GZIP_BOMB');
    expect(pushed).toBeLessThan(gz.length / 4);
  });

  it('honours maxDecompressedBytes: NIFTI_TOO_LARGE for .nii, NIFTI_GZIP_BOMB for .nii.gz', async () => {
    const raw = image(16, () => 1);
    expect(await codeOf(() => validateNifti(raw, { maxDecompressedBytes: 10_000 }))).toBe('NIFTI_TOO_LARGE');
    expect(await codeOf(() => validateNifti(gzipSync(raw), { maxDecompressedBytes: 10_000 }))).toBe(
      'NIFTI_TOO_LARGE',
    ); // header already says so
    expect(await codeOf(() => validateNifti(gzipSync(raw), { maxDecompressedBytes: 17_000 }))).toBe('ok');
    const padded = Uint8Array.from([...raw, ...new Uint8Array(20_000)]);
    expect(await codeOf(() => validateNifti(gzipSync(padded), { maxDecompressedBytes: 20_000 }))).toBe(
      'NIFTI_GZIP_BOMB',
    );
  });

  it('checks only a bounded sample for NaN; readNifti checks every voxel', async () => {
    const n = 16;
    const bytes = image(n, (i) => (i === n ** 3 - 1 ? NaN : i));
    expect(validateNifti(bytes, { sampleBytes: 1024 }).sampledBytes).toBe(1024);
    expect(await codeOf(() => validateNifti(bytes, { sampleBytes: 16 * 1024 }))).toBe('NIFTI_NON_FINITE');
    expect(await codeOf(() => readNifti(bytes))).toBe('NIFTI_NON_FINITE');
  });

  it('accepts padding after the image; a stream missing only its gzip trailer is cut short', async () => {
    const raw = image(8, (i) => i);
    const padded = gzipSync(Uint8Array.from([...raw, ...new Uint8Array(100)]));
    expect(await codeOf(() => validateNifti(padded))).toBe('ok');
    expect(await codeOf(() => readNifti(padded))).toBe('ok');
    const gz = gzipSync(raw);
    for (const cut of [1, 4, 8]) {
      const short = gz.subarray(0, gz.length - cut);
      expect(await codeOf(() => validateNifti(short))).toBe('NIFTI_TRUNCATED');
      expect(await codeOf(() => readNifti(short))).toBe('NIFTI_TRUNCATED');
      const v = createNiftiValidator();
      expect(await codeOf(async () => (await pushAll(v, short, 100), v.finish()))).toBe('NIFTI_TRUNCATED');
    }
  });

  it('refuses use after finish', async () => {
    const v = createNiftiValidator();
    await v.push(image(4, () => 0));
    await v.finish();
    expect(await codeOf(() => v.push(new Uint8Array(1)))).toBe('INTERNAL');
  });
});
