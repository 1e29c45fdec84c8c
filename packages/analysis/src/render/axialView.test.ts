import { describe, expect, it } from 'vitest';
import { axialView, displayToVoxel, formatSlicePosition, slicePositionMm, voxelToDisplay } from './axialView';

const geom = (
  affine: number[],
  dims: [number, number, number] = [40, 20, 3],
  spacing: [number, number, number] = [1, 1, 1],
) => ({
  dims,
  spacing,
  affine,
});
const diag = (a: number, b: number) => [a, 0, 0, 0, 0, b, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

describe('axialView', () => {
  it("puts the patient's right on the left and anterior at the top (RAS+ affine)", () => {
    const v = axialView(geom(diag(1, 1)), 80);
    // voxel (X−1, Y−1) is the most right and most anterior → top-left corner
    const [u, w] = voxelToDisplay(v, 39, 19);
    expect(u).toBeLessThan(v.scaleH);
    expect(w).toBeLessThan(v.scaleV);
    const [u0, w0] = voxelToDisplay(v, 0, 0);
    expect(u0).toBeGreaterThan(v.width - v.scaleH - 1);
    expect(w0).toBeGreaterThan(v.height - v.scaleV - 1);
  });
  it('does not flip axes that already run right→left and anterior→posterior', () => {
    const v = axialView(geom(diag(-1, -1)), 80);
    expect(v.flipH).toBe(false);
    expect(v.flipV).toBe(false);
    const [x, y] = displayToVoxel(v, 0, 0);
    expect(Math.abs(x)).toBeLessThan(0.5);
    expect(Math.abs(y)).toBeLessThan(0.5);
  });
  it('transposes when the voxel y axis carries world x', () => {
    // voxel x → world −y (posterior), voxel y → world −x (left)
    const v = axialView(geom([0, -1, 0, 0, -1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]), 80);
    expect(v.transpose).toBe(true);
    expect(v.nH).toBe(20);
    expect(v.nV).toBe(40);
    for (const [x, y] of [
      [3, 7],
      [39, 0],
    ]) {
      const [u, w] = voxelToDisplay(v, x, y);
      const [bx, by] = displayToVoxel(v, u, w);
      expect(bx).toBeCloseTo(x, 9);
      expect(by).toBeCloseTo(y, 9);
    }
  });
  it('keeps the physical aspect ratio from the spacing', () => {
    const v = axialView(geom(diag(-0.5, -1), [40, 20, 3], [0.5, 1, 1]), 100);
    expect(v.width).toBe(100);
    expect(v.height).toBe(100);
    const w = axialView(geom(diag(-1, -1), [40, 20, 3]), 100);
    expect(w.width).toBe(100);
    expect(w.height).toBe(50);
  });
});

describe('slice positions', () => {
  it('are the superior world coordinate of the slice centre, in mm', () => {
    // 5 mm slices starting 40 mm below the origin; in-plane axes do not tilt into S
    const g = {
      dims: [10, 10, 8] as [number, number, number],
      spacing: [1, 1, 5] as [number, number, number],
      affine: [-1, 0, 0, 5, 0, -1, 0, 5, 0, 0, 5, -40, 0, 0, 0, 1],
    };
    expect(slicePositionMm(g, 0)).toBe(-40);
    expect(slicePositionMm(g, 8 - 1)).toBe(-5);
    expect(formatSlicePosition(g, 0)).toBe('I 40.0 mm');
    expect(formatSlicePosition(g, 7)).toBe('I 5.0 mm');
    expect(formatSlicePosition({ ...g, affine: [...g.affine.slice(0, 11), 2.5, 0, 0, 0, 1] }, 1)).toBe('S 7.5 mm');
  });
});
