import { describe, expect, it } from 'vitest';
import { applyHistogramMatch, fitHistogramMatch, histogramMatch } from './histogramMatch';
import { createRng } from './rng';
import { makeVolume } from './__tests__/makeVolume';

function headLike(seed: number, n = 40_000): Float32Array {
  // 60 % dark background, 40 % skewed "tissue".
  const rng = createRng(seed);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = rng.next() < 0.6 ? 5 * rng.next() : 100 + 80 * rng.next() ** 2;
  return d;
}

describe('fitHistogramMatch', () => {
  it('puts the threshold (mean) first, the N quantiles between and the maximum last', () => {
    const s = headLike(1);
    const t = fitHistogramMatch(s, headLike(2), { matchPoints: 7 });
    const mean = s.reduce((a, v) => a + v, 0) / s.length;
    expect(t.source).toHaveLength(9);
    expect(t.source[0]).toBeCloseTo(mean, 3);
    expect(t.source[8]).toBe(Math.max(...s));
    for (let j = 1; j < 9; j++) expect(t.source[j]).toBeGreaterThan(t.source[j - 1]);
    // Quantile p of the voxels above the mean (all tissue): v = 100 + 80u², P(v ≤ t) = √((t−100)/80)
    // → v_j = 100 + 80·(j/8)²; 40 000·0.4 samples give ~±0.3 sampling error.
    for (let j = 1; j <= 7; j++) expect(Math.abs(t.source[j] - (100 + 80 * (j / 8) ** 2))).toBeLessThan(1);
  });

  it('without the mean threshold starts at the minimum', () => {
    const s = headLike(1);
    const t = fitHistogramMatch(s, headLike(2), { thresholdAtMeanIntensity: false });
    expect(t.source[0]).toBe(Math.min(...s));
    expect(t.lowerGradient).toBe(0); // nothing below the minimum
  });

  it('recovers an affine intensity change exactly (up to bin width), below the threshold too', () => {
    const src = headLike(3);
    const ref = src.map((v) => 2.5 * v + 40);
    const { volume } = histogramMatch(
      { data: src, dims: [src.length, 1, 1], spacing: [1, 1, 1], affine: [] },
      { data: ref, dims: [ref.length, 1, 1], spacing: [1, 1, 1], affine: [] },
      { histogramLevels: 1024, matchPoints: 7 },
    );
    const bin = (2.5 * 180) / 1024;
    let maxErr = 0;
    for (let i = 0; i < src.length; i++) maxErr = Math.max(maxErr, Math.abs(volume.data[i] - ref[i]));
    expect(maxErr).toBeLessThan(2 * bin);
  });
});

describe('applyHistogramMatch', () => {
  it('is piecewise linear through the points and extrapolates with the end gradients', () => {
    const table = { source: [10, 20, 40], reference: [100, 300, 400], lowerGradient: 2, upperGradient: 0.5 };
    const out = applyHistogramMatch(new Float32Array([0, 10, 15, 20, 30, 40, 50]), table);
    expect(Array.from(out)).toEqual([80, 100, 200, 300, 350, 400, 405]);
  });
});

describe('histogramMatch', () => {
  it('makes the tissue quantiles of the source those of the reference', () => {
    const a = makeVolume([20, 20, 20], (x, y, z) => ((x * 7 + y * 13 + z * 29) % 100) + (x > 5 ? 200 : 0));
    const b = makeVolume(
      [20, 20, 20],
      (x, y, z) => 0.5 * (((x * 11 + y * 3 + z * 17) % 100) + (x > 5 ? 200 : 0)) ** 1.1,
    );
    const { volume, table } = histogramMatch(a, b);
    const again = fitHistogramMatch(volume.data, b.data);
    // After matching, the source's own match points land on the reference's.
    for (let j = 1; j < table.source.length - 1; j++)
      expect(again.source[j]).toBeCloseTo(again.reference[j], -0.5);
    expect(volume.dims).toEqual(a.dims);
    expect(volume.affine).toEqual(a.affine);
  });
});
