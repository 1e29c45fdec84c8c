import { describe, expect, it } from 'vitest';
import { centreOfMass, centreVolume, centringShift, shiftVolume } from './centre';
import { at, makeVolume } from './__tests__/makeVolume';

const world = (A: number[], p: number[]) =>
  [0, 1, 2].map((r) => A[r * 4] * p[0] + A[r * 4 + 1] * p[1] + A[r * 4 + 2] * p[2] + A[r * 4 + 3]);

describe('centreOfMass', () => {
  it('is the weighted mean position', () => {
    const v = makeVolume([6, 5, 4], (x, y, z) =>
      x === 1 && y === 2 && z === 3 ? 3 : x === 5 && y === 0 && z === 1 ? 1 : 0,
    );
    expect(centreOfMass(v)).toEqual([(3 * 1 + 5) / 4, (3 * 2 + 0) / 4, (3 * 3 + 1) / 4]);
    expect(centreOfMass(makeVolume([2, 2, 2], () => 0))).toBeNull();
  });
});

describe('shiftVolume', () => {
  it('moves content by the shift, zero-fills, and keeps world positions through the affine', () => {
    const v = makeVolume([7, 6, 5], (x, y, z) => 1 + x + 10 * y + 100 * z, [0.5, 2, 3]);
    const s = shiftVolume(v, [2, -1, 1]);
    expect(at(s, 4, 2, 3)).toBe(at(v, 2, 3, 2));
    expect(at(s, 1, 2, 3)).toBe(0);
    expect(at(s, 4, 5, 3)).toBe(0);
    expect(at(s, 4, 2, 0)).toBe(0);
    expect(world(s.affine, [4, 2, 3])).toEqual(world(v.affine, [2, 3, 2]));
    const back = shiftVolume(s, [-2, 1, -1]);
    expect(at(back, 3, 3, 2)).toBe(at(v, 3, 3, 2));
  });
});

describe('centreVolume', () => {
  it('moves an off-centre blob to the grid centre', () => {
    const fg = makeVolume([21, 21, 11], (x, y, z) =>
      Math.abs(x - 4) <= 2 && Math.abs(y - 15) <= 2 && Math.abs(z - 2) <= 1 ? 1 : 0,
    );
    expect(centringShift(fg)).toEqual([6, -5, 3]);
    const { volume, shift } = centreVolume(fg, fg);
    expect(shift).toEqual([6, -5, 3]);
    expect(centreOfMass(volume)).toEqual([10, 10, 5]);
  });
});
