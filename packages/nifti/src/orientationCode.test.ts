import { describe, expect, it } from 'vitest';
import { orientationCode } from './orientationCode';

describe('orientationCode', () => {
  it.each([
    [[1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0], 'RAS'],
    [[-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0], 'LPS'],
    [[-2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2, 0], 'LAS'],
    [[0, 0, 1, 0, -1, 0, 0, 0, 0, -1, 0, 0], 'PIR'], // axial-acquired sagittal-style permutation
    [[0.9, 0.3, 0, 0, -0.2, 0.95, 0, 0, 0, 0, -1, 0], 'RAI'], // oblique: nearest axes
  ])('%j → %s', (affine, code) => {
    expect(orientationCode([...affine, 0, 0, 0, 1])).toBe(code);
  });
});
