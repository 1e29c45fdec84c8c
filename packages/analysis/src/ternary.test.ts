import { describe, expect, it } from 'vitest';
import { ternarize } from './ternary';

describe('ternarize', () => {
  it('maps > t to +1, < −t to −1 and the band [−t, t] (and NaN) to 0', () => {
    const map = Float32Array.from([0.16, 0.15, 0, -0.15, -0.16, 2, -2, NaN]);
    expect(Array.from(ternarize(map, [8, 1, 1], 0.15))).toEqual([1, 0, 0, 0, -1, 1, -1, 0]);
  });
  it('zeroes the outer margin in x and y but not in z', () => {
    const X = 6;
    const Y = 5;
    const Z = 3;
    const out = ternarize(new Float32Array(X * Y * Z).fill(1), [X, Y, Z], 0.15, 2);
    for (let z = 0; z < Z; z++)
      for (let y = 0; y < Y; y++)
        for (let x = 0; x < X; x++) {
          const inside = x >= 2 && x < X - 2 && y >= 2 && y < Y - 2;
          expect(out[x + X * (y + Y * z)]).toBe(inside ? 1 : 0);
        }
  });
  it('leaves nothing when the margin covers the whole plane', () => {
    const out = ternarize(new Float32Array(16).fill(1), [4, 4, 1], 0.15, 2);
    expect(out.every((v) => v === 0)).toBe(true);
  });
});
