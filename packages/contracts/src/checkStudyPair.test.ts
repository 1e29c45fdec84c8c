import { describe, expect, it } from 'vitest';
import { affinesAgree, checkStudyPair } from './checkStudyPair';

const grid = (dims: number[], spacing: number[]) => ({ dims, spacing });

describe('checkStudyPair', () => {
  it('accepts the same head at different resolutions', () => {
    expect(() =>
      checkStudyPair(grid([256, 256, 24], [1, 1, 5]), grid([512, 512, 60], [0.5, 0.5, 2])),
    ).not.toThrow();
  });
  it('refuses voxel sizes 10× apart', () => {
    expect(() => checkStudyPair(grid([256, 256, 24], [1, 1, 1]), grid([256, 256, 24], [10, 1, 1]))).toThrow(
      expect.objectContaining({ code: 'STUDY_INCOMPATIBLE' }),
    );
  });
  it('refuses fields of view that cannot both cover the head', () => {
    expect(() => checkStudyPair(grid([256, 256, 24], [1, 1, 5]), grid([64, 64, 24], [1, 1, 5]))).toThrow(
      expect.objectContaining({ code: 'STUDY_INCOMPATIBLE' }),
    );
  });
});

describe('affinesAgree', () => {
  const a = [0.9, 0, 0, -120, 0, 0.9, 0, -110, 0, 0, 5, -60, 0, 0, 0, 1];
  const shifted = (i: number, by: number) => a.map((v, k) => (k === i ? v + by : v));
  it('agrees within 0.1 mm and 0.1 %, not beyond', () => {
    expect(affinesAgree(a, shifted(3, 0.05))).toBe(true);
    expect(affinesAgree(a, shifted(3, 0.5))).toBe(false);
    expect(affinesAgree(a, shifted(0, 0.0005))).toBe(true);
    expect(affinesAgree(a, shifted(0, 0.01))).toBe(false);
    expect(affinesAgree(a, shifted(0, -1.8))).toBe(false); // flipped axis
  });
  it('never agrees with a non-finite or short affine', () => {
    expect(affinesAgree(a, shifted(7, NaN))).toBe(false);
    expect(affinesAgree(a, a.slice(0, 8))).toBe(false);
  });
});
