import { describe, expect, it } from 'vitest';
import { isBlankSlice, selectSlices, slicesWithChange } from './selectSlices';

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

describe('padding slices', () => {
  const dims: [number, number, number] = [4, 4, 10];
  it('skips slices that are blank (one value) in a shown image, with or without change', () => {
    const t = new Float32Array(4 * 4 * 10);
    t[16 * 2] = 1; // change on slice 2, which is zero padding in the image
    t[16 * 5] = -1;
    const image = new Float32Array(4 * 4 * 10);
    for (let z = 3; z < 10; z++) image[16 * z + 3] = z; // slices 0–2 blank
    expect(isBlankSlice(image, dims, 1)).toBe(true);
    expect(isBlankSlice(image, dims, 4)).toBe(false);
    expect(slicesWithChange(t, dims, [image])).toEqual([5]);
    expect(slicesWithChange(t, dims)).toEqual([2, 5]);
    // without change: the central 80 % minus blank slices
    expect(selectSlices(new Float32Array(160), dims, 20, [image])).toEqual([3, 4, 5, 6, 7, 8]);
  });
});
