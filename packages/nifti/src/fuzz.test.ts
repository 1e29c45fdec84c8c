import { AnetError } from '@anet/contracts';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildNiftiCorpus } from './buildNiftiCorpus';
import { createNiftiValidator, validateNifti } from './createNiftiValidator';
import { readNifti } from './readNifti';

/** Seeded LCG: the mutations are the same on every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Whatever the bytes, the outcome is a value or an AnetError, never another throwable (or a hang). */
function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (!(err instanceof AnetError) || err.code === 'INTERNAL') throw err;
    return err.code;
  }
}

describe('mutated NIfTI files never crash the reader or the validators', () => {
  const seeds = buildNiftiCorpus().filter((e) => e.expect === 'ok');
  const rnd = lcg(2024);
  const cases: Array<{ name: string; bytes: Uint8Array; damagedStream?: boolean }> = [];
  for (let k = 0; k < 300; k++) {
    const src = seeds[k % seeds.length];
    const raw = src.name.endsWith('.gz') ? gunzipSync(src.bytes) : src.bytes;
    const bytes = Uint8Array.from(raw);
    const flips = 1 + Math.floor(rnd() * 4);
    for (let f = 0; f < flips; f++) {
      // Mostly the header, where the structure is; sometimes anywhere.
      const at = Math.floor(rnd() * (rnd() < 0.8 ? Math.min(bytes.length, 352) : bytes.length));
      bytes[at] = rnd() < 0.5 ? Math.floor(rnd() * 256) : bytes[at] ^ (1 << Math.floor(rnd() * 8));
    }
    const cut = rnd() < 0.2 ? Math.floor(rnd() * bytes.length) : bytes.length;
    const mutated = bytes.subarray(0, cut);
    if (k % 4 === 1) {
      // Damage the compressed stream itself (deflate data, gzip header or trailer).
      const gz = Uint8Array.from(gzipSync(raw));
      gz[Math.floor(rnd() * gz.length)] ^= 1 << Math.floor(rnd() * 8);
      cases.push({ name: `${src.name}#${k}.gz`, bytes: gz, damagedStream: true });
    } else {
      cases.push({ name: `${src.name}#${k}`, bytes: k % 3 === 0 ? gzipSync(mutated) : mutated });
    }
  }

  it('readNifti, validateNifti and the streaming validator give a result or an AnetError', async () => {
    const codes = new Set<string>();
    for (const c of cases) {
      const read = outcome(() => readNifti(c.bytes));
      const one = outcome(() => validateNifti(c.bytes, { sampleBytes: 1 << 30 }));
      const v = createNiftiValidator({ sampleBytes: 1 << 30 });
      let streamed: string;
      try {
        for (let off = 0; off < c.bytes.length; off += 53) await v.push(c.bytes.subarray(off, off + 53));
        await v.finish();
        streamed = 'ok';
      } catch (err) {
        if (!(err instanceof AnetError) || err.code === 'INTERNAL') throw err;
        streamed = err.code;
      }
      if (c.damagedStream) {
        // Garbage inflated before zlib notices the damage may fail a header check first when streamed
        // (e.g. BAD_MAGIC instead of GZIP_CORRUPT): all three must still agree to accept or reject.
        expect([c.name, one === 'ok', streamed === 'ok']).toEqual([c.name, read === 'ok', read === 'ok']);
      } else {
        // With the whole file sampled, all three see the same defects.
        expect([c.name, one, streamed]).toEqual([c.name, read, read]);
      }
      codes.add(read);
    }
    expect(codes.size).toBeGreaterThan(4); // the mutations do reach different checks
  });
});
