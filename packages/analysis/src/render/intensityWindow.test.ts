import { describe, expect, it } from 'vitest';
import { intensityWindow } from './intensityWindow';

describe('intensityWindow', () => {
  it('spans the robust range of the non-zero voxels', () => {
    const data = new Float32Array(2001);
    for (let i = 1; i <= 1000; i++) data[i] = i; // 1000 foreground values 1..1000, zeros elsewhere
    data[1000] = 1e6; // one outlier
    const [lo, hi] = intensityWindow(data);
    expect(lo).toBe(0);
    expect(hi).toBeGreaterThanOrEqual(990);
    expect(hi).toBeLessThanOrEqual(1000);
  });
  it('falls back to [0, 1] for an empty or constant-zero image', () => {
    expect(intensityWindow(new Float32Array(10))).toEqual([0, 1]);
  });
});
