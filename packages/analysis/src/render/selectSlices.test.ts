import { describe, expect, it } from 'vitest';
import { selectSlices, slicesWithChange } from './selectSlices';

describe('selectSlices', () => {
  const dims: [number, number, number] = [4, 4, 20];
  it('finds the slices with change', () => {
    const t = new Float32Array(4 * 4 * 20);
    t[16 * 3 + 5] = 1;
    t[16 * 11] = -1;
    expect(slicesWithChange(t, dims)).toEqual([3, 11]);
    expect(selectSlices(t, dims, 12)).toEqual([3, 11]);
  });
  it('spreads over the changed slices when there are more than asked for, keeping both ends', () => {
    const t = new Float32Array(4 * 4 * 20).fill(1);
    const s = selectSlices(t, dims, 5);
    expect(s).toHaveLength(5);
    expect(s[0]).toBe(0);
    expect(s[4]).toBe(19);
  });
  it('shows central slices when nothing changed', () => {
    const s = selectSlices(new Float32Array(4 * 4 * 20), dims, 4);
    expect(s).toHaveLength(4);
    expect(Math.min(...s)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...s)).toBeLessThan(18);
  });
});
