import { describe, expect, it } from 'vitest';
import { normalizeRobust, percentiles, scaleIntensityRange } from './normalize';
import { makeVolume } from './__tests__/makeVolume';

describe('percentiles', () => {
  it('matches the closed form on a shuffled ramp (numpy linear definition)', () => {
    const d = Float32Array.from({ length: 100_001 }, (_, i) => (i * 7919) % 100_001);
    expect(percentiles(d, [0, 0.5, 50, 99.5, 100, 12.345])).toEqual([
      0, 500, 50_000, 99_500, 100_000, 12_345,
    ]);
  });

  it('interpolates between neighbours and is exact despite huge outliers', () => {
    const d = new Float32Array([1e9, 3, 1, 2, -1e9, 4]);
    // sorted: −1e9, 1, 2, 3, 4, 1e9; 50 % → position 2.5 → 2.5
    expect(percentiles(d, [50, 40])).toEqual([2.5, 2]);
  });

  it('returns the constant for a constant image', () => {
    expect(percentiles(new Float32Array(10).fill(3), [1, 99])).toEqual([3, 3]);
  });
});

describe('scaleIntensityRange', () => {
  it('maps lo→0, hi→1 linearly and clips', () => {
    const v = makeVolume([5, 1, 1], (x) => [0, 10, 15, 20, 30][x]);
    expect(Array.from(scaleIntensityRange(v, 10, 20).data)).toEqual([0, 0, 0.5, 1, 1]);
  });

  it('rejects an empty range with NIFTI_CONSTANT_IMAGE', () => {
    const v = makeVolume([2, 1, 1], () => 1);
    expect(() => scaleIntensityRange(v, 1, 1)).toThrow(
      expect.objectContaining({ code: 'NIFTI_CONSTANT_IMAGE' }),
    );
  });
});

describe('normalizeRobust', () => {
  it('sends the 0.5 / 99.5 percentiles to 0 / 1 and outliers are clipped', () => {
    const v = makeVolume([1000, 10, 1], (x) => x);
    v.data[0] = -1e6;
    v.data[1] = 1e6;
    const { volume, lo, hi } = normalizeRobust(v);
    // sorted: −1e6, 0×9, 1×9, then 10 copies of each x ≥ 2, 1e6: x ≥ 2 sits at ranks 19 + 10(x − 2)…;
    // position 0.005·9999 = 49.995 → x = 5; 0.995·9999 = 9949.005 → x = 995.
    expect(lo).toBeCloseTo(5, 5);
    expect(hi).toBeCloseTo(995, 5);
    expect(volume.data[0]).toBe(0);
    expect(volume.data[1]).toBe(1);
    expect(volume.data[500]).toBeCloseTo((500 - lo) / (hi - lo), 5);
  });
});
