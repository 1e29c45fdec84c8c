import { describe, expect, it } from 'vitest';
import { AnetError } from '@anet/contracts';
import { createRng, rngFromState } from './rng';

describe('createRng', () => {
  it('is reproducible for a seed and differs between seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 100 }, () => a.next());
    const sb = Array.from({ length: 100 }, () => b.next());
    const sc = Array.from({ length: 100 }, () => c.next());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it('next() lies in [0,1) with mean 1/2 and variance 1/12', () => {
    const rng = createRng(7);
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      sum += u;
      sumSq += u * u;
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    const mean = sum / n;
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    // 5 standard errors: sd of the mean is sqrt(1/12/n) ≈ 6.5e-4.
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(sumSq / n - mean * mean - 1 / 12)).toBeLessThan(0.002);
  });

  it('normal() has mean 0, variance 1 and the right tail mass', () => {
    const rng = createRng(11);
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    let beyond2 = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      sum += z;
      sumSq += z * z;
      if (Math.abs(z) > 2) beyond2++;
    }
    expect(Math.abs(sum / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(0.02);
    // P(|Z| > 2) = 0.0455.
    expect(Math.abs(beyond2 / n - 0.0455)).toBeLessThan(0.003);
  });

  it('normal() matches the Gaussian CDF in the body and the tail (ziggurat layers and tail)', () => {
    const rng = createRng(12);
    const n = 400_000;
    // Φ at a few points, including beyond the ziggurat's base-layer edge R ≈ 3.44.
    const cuts = [-3.6, -2, -1, -0.3, 0, 0.3, 1, 2, 3.6];
    const phi = [1.591e-4, 0.02275, 0.158655, 0.382089, 0.5, 0.617911, 0.841345, 0.97725, 0.9998409];
    const counts = new Array<number>(cuts.length).fill(0);
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      for (let c = 0; c < cuts.length; c++) if (z < cuts[c]) counts[c]++;
    }
    for (let c = 0; c < cuts.length; c++) {
      const p = phi[c];
      // 5 binomial standard errors.
      expect(Math.abs(counts[c] / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n) + 1e-5);
    }
  });

  it('uniform(a,b) maps into [a,b)', () => {
    const rng = createRng(3);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < 10_000; i++) {
      const v = rng.uniform(-15, 15);
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBeGreaterThanOrEqual(-15);
    expect(lo).toBeLessThan(-14.9);
    expect(hi).toBeLessThan(15);
    expect(hi).toBeGreaterThan(14.9);
  });

  it('rejects a non-finite seed', () => {
    expect(() => createRng(Number.NaN)).toThrow(AnetError);
  });
});

describe('rngFromState', () => {
  it('follows the reference sfc32 stream (bryc/code PRNGs.md)', () => {
    const ref = (a: number, b: number, c: number, d: number) => () => {
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      return (t >>> 0) / 4294967296;
    };
    const expected = ref(1, 2, 3, 0xdeadbeef | 0);
    const rng = rngFromState([1, 2, 3, 0xdeadbeef]);
    for (let i = 0; i < 1000; i++) expect(rng.next()).toBe(expected());
  });

  it('continues the stream exactly through JSON', () => {
    const rng = createRng(99);
    for (let i = 0; i < 17; i++) rng.next();
    rng.normal();
    const saved = JSON.parse(JSON.stringify(rng.state())) as number[];
    const restored = rngFromState(saved);
    const seqA = [rng.normal(), rng.next(), rng.normal(), rng.uniform(2, 5)];
    const seqB = [restored.normal(), restored.next(), restored.normal(), restored.uniform(2, 5)];
    expect(seqB).toEqual(seqA);
  });

  it('rejects malformed state with CHECKPOINT_INVALID', () => {
    for (const bad of [[], [1, 2, 3], [1, 2, 3, 4, 5], [1, 2, 3, -1], [1, 2, 3, 2 ** 32], [1.5, 2, 3, 4]]) {
      try {
        rngFromState(bad);
        expect.unreachable();
      } catch (e) {
        expect((e as AnetError).code).toBe('CHECKPOINT_INVALID');
      }
    }
  });
});
