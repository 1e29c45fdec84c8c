import { describe, expect, it } from 'vitest';
import { checkStudyPair } from './checkStudyPair';

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
