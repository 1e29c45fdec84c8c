import { AnetError } from '@anet/contracts';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildNiftiCorpus } from './buildNiftiCorpus';
import { createNiftiValidator, validateNifti } from './createNiftiValidator';
import { readNifti, readNiftiAsync } from './readNifti';

const corpus = buildNiftiCorpus();

/** Deterministic chunk sizes 1..97 bytes (a small LCG: no Math.random in tests either). */
function* chunks(bytes: Uint8Array, seed: number): Generator<Uint8Array> {
  let s = seed >>> 0;
  for (let off = 0; off < bytes.length;) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const n = 1 + (s % 97);
    yield bytes.subarray(off, off + n);
    off += n;
  }
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (!(err instanceof AnetError)) throw err;
    expect(err.message.length).toBeGreaterThan(20); // says what is wrong and what to do
    return err.code;
  }
}

async function streamed(bytes: Uint8Array, seed: number): Promise<string> {
  const v = createNiftiValidator();
  try {
    for (const c of chunks(bytes, seed)) await v.push(c);
    await v.finish();
    return 'ok';
  } catch (err) {
    if (!(err instanceof AnetError)) throw err;
    return err.code;
  }
}

describe('NIfTI corpus', () => {
  it('has at least 20 bad files and good files of every datatype', () => {
    expect(corpus.filter((e) => e.expect !== 'ok').length).toBeGreaterThanOrEqual(20);
    expect(new Set(corpus.map((e) => e.name)).size).toBe(corpus.length);
    const goodTypes = corpus.filter((e) => e.expect === 'ok').map((e) => readNifti(e.bytes).meta.datatype);
    expect(new Set(goodTypes)).toEqual(
      new Set(['uint8', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64']),
    );
  });

  for (const entry of corpus) {
    it(`${entry.name} (${entry.description}) → ${entry.expect}`, async () => {
      expect(codeOf(() => readNifti(entry.bytes))).toBe(entry.expect);
      expect(
        await readNiftiAsync(entry.bytes).then(
          () => 'ok',
          (err: unknown) => (err instanceof AnetError ? err.code : String(err)),
        ),
      ).toBe(entry.expect);
      expect(codeOf(() => validateNifti(entry.bytes))).toBe(entry.expect);
      for (const seed of [1, 2, 3]) expect(await streamed(entry.bytes, seed)).toBe(entry.expect);
    });
  }

  for (const entry of corpus.filter((e) => e.truth)) {
    it(`${entry.name} decodes to the values and geometry it was built with`, async () => {
      const truth = entry.truth!;
      const vol = readNifti(entry.bytes);
      expect(await readNiftiAsync(entry.bytes)).toEqual(vol);
      expect(vol.dims).toEqual(truth.dims);
      expect(vol.spacing).toEqual(truth.spacing);
      vol.affine.forEach((x, i) => expect(x).toBeCloseTo(truth.affine[i], 5));
      expect(Array.from(vol.data)).toEqual(Array.from(truth.values));
      const summary = validateNifti(entry.bytes);
      expect(summary.dims).toEqual(truth.dims);
      expect(summary.datatype).toBe(vol.meta.datatype);
      expect(summary.voxelCount).toBe(truth.values.length);
    });
  }
});

describe('fixtures/nifti-corpus (written by scripts/make-nifti-corpus.ts)', () => {
  const dir = new URL('../../../fixtures/nifti-corpus/', import.meta.url);
  const manifest = JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8')) as Array<{
    file: string;
    expect: string;
  }>;

  it('lists every corpus entry, and each committed file gets its code', () => {
    expect(manifest.map((m) => m.file).sort()).toEqual(corpus.map((e) => e.name).sort());
    for (const m of manifest)
      expect([m.file, codeOf(() => readNifti(readFileSync(new URL(m.file, dir))))]).toEqual([
        m.file,
        m.expect,
      ]);
  });
});
