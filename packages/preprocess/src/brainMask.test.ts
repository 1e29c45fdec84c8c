import { describe, expect, it } from 'vitest';
import {
  applyMask,
  computeBrainMask,
  dropSmallIslandsPerSlice,
  fillHoles3d,
  fillHolesPerSlice,
  keepLargestComponent,
  liThreshold,
  morph,
  morphDisc,
  otsuThreshold,
} from './brainMask';
import { at, makeVolume, type V3 } from './__tests__/makeVolume';

const count = (m: ArrayLike<number>) => {
  let n = 0;
  for (let i = 0; i < m.length; i++) if (m[i] > 0) n++;
  return n;
};

describe('otsuThreshold', () => {
  it('separates two modes', () => {
    const d = Float32Array.from({ length: 1000 }, (_, i) =>
      i < 700 ? 1 + (i % 7) * 0.1 : 10 + (i % 5) * 0.1,
    );
    const t = otsuThreshold(d);
    expect(t).toBeGreaterThan(1.6);
    expect(t).toBeLessThan(10);
  });
});

describe('liThreshold', () => {
  it('converges to the logarithmic mean of the two class means', () => {
    const d = new Float32Array(1001);
    d.fill(10, 1, 701);
    d.fill(100, 701);
    const m0 = 7000 / 701;
    const expected = (100 - m0) / (Math.log(100) - Math.log(m0));
    expect(Math.abs(liThreshold(d) - expected)).toBeLessThan(0.3);
  });

  it('is shift-invariant (works on the values above the minimum)', () => {
    const d = Float32Array.from({ length: 1000 }, (_, i) => (i < 600 ? 5 + (i % 10) : 80 + (i % 20)));
    const shifted = d.map((v) => v + 1000);
    expect(liThreshold(shifted) - 1000).toBeCloseTo(liThreshold(d), 1);
  });
});

describe('morphology and components', () => {
  const dims: V3 = [9, 9, 9];
  const idx = (x: number, y: number, z: number) => x + 9 * (y + 9 * z);

  it('dilates one voxel into a 3×3×3 box and erodes a 5³ cube to 3³', () => {
    const m = new Uint8Array(729);
    m[idx(4, 4, 4)] = 1;
    morph(m, dims, [1, 1, 1], 'dilate');
    expect(count(m)).toBe(27);
    const c = new Uint8Array(729);
    for (let z = 2; z < 7; z++) for (let y = 2; y < 7; y++) for (let x = 2; x < 7; x++) c[idx(x, y, z)] = 1;
    morph(c, dims, [1, 1, 1], 'erode');
    expect(count(c)).toBe(27);
    expect(c[idx(3, 3, 3)]).toBe(1);
    expect(c[idx(2, 4, 4)]).toBe(0);
  });

  it('morphDisc: dilation gives the Euclidean disc (anisotropic spacing), erosion its complement rule', () => {
    const d: V3 = [21, 21, 2];
    const m = new Uint8Array(21 * 21 * 2);
    m[10 + 21 * 10] = 1;
    morphDisc(m, d, [1, 2, 1], 6, 'dilate');
    for (let y = 0; y < 21; y++)
      for (let x = 0; x < 21; x++) {
        const inside = (x - 10) ** 2 + (2 * (y - 10)) ** 2 <= 36;
        expect(m[x + 21 * y]).toBe(inside ? 1 : 0);
        expect(m[x + 21 * y + 441]).toBe(0); // slices are independent
      }
    // Erosion of a full slice by r: voxels farther than r from the border (border = background).
    const full = new Uint8Array(21 * 21 * 2).fill(1);
    morphDisc(full, d, [1, 1, 1], 3, 'erode');
    for (let y = 0; y < 21; y++)
      for (let x = 0; x < 21; x++) {
        const dist = Math.min(x + 1, 21 - x, y + 1, 21 - y);
        expect(full[x + 21 * y]).toBe(dist > 3 ? 1 : 0);
      }
  });

  it('keeps only the largest 6-connected component', () => {
    const m = new Uint8Array(729);
    for (let z = 0; z < 3; z++) for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) m[idx(x, y, z)] = 1; // 27
    for (let z = 6; z < 8; z++) for (let y = 6; y < 8; y++) for (let x = 6; x < 8; x++) m[idx(x, y, z)] = 1; // 8
    m[idx(3, 3, 3)] = 1; // diagonal only: not 6-connected
    expect(keepLargestComponent(m, dims)).toBe(27);
    expect(count(m)).toBe(27);
  });

  it('fills an enclosed cavity but not a cavity open to the border', () => {
    const m = new Uint8Array(729);
    for (let z = 1; z < 8; z++) for (let y = 1; y < 8; y++) for (let x = 1; x < 8; x++) m[idx(x, y, z)] = 1;
    for (let z = 3; z < 6; z++) for (let y = 3; y < 6; y++) for (let x = 3; x < 6; x++) m[idx(x, y, z)] = 0;
    const open = m.slice();
    for (let x = 0; x < 4; x++) open[idx(x, 4, 4)] = 0; // tunnel to the border
    fillHoles3d(m, dims);
    expect(count(m)).toBe(343);
    fillHoles3d(open, dims);
    expect(open[idx(4, 4, 4)]).toBe(0);
  });

  it('dropSmallIslandsPerSlice removes islands below the fraction of the largest in each slice', () => {
    const m = new Uint8Array(729);
    for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) m[idx(x, y, 2)] = 1; // 25
    m[idx(8, 8, 2)] = 1; // 1 < 0.1·25
    for (let y = 7; y < 9; y++) for (let x = 7; x < 9; x++) m[idx(x, y - 7, 2)] = 1; // 4 ≥ 2.5: kept
    m[idx(8, 8, 5)] = 1; // alone in its slice: the largest there, kept
    dropSmallIslandsPerSlice(m, dims, 0.1);
    expect(m[idx(8, 8, 2)]).toBe(0);
    expect(m[idx(7, 0, 2)]).toBe(1);
    expect(m[idx(8, 8, 5)]).toBe(1);
    expect(count(m)).toBe(25 + 4 + 1);
  });

  it('fillHolesPerSlice fills a tube that is open at the top and bottom of the stack', () => {
    const m = new Uint8Array(729);
    for (let z = 0; z < 9; z++)
      for (let y = 1; y < 8; y++) for (let x = 1; x < 8; x++) m[idx(x, y, z)] = x === 4 && y === 4 ? 0 : 1;
    const in3d = m.slice();
    fillHoles3d(in3d, dims);
    expect(in3d[idx(4, 4, 4)]).toBe(0); // open to the z border in 3D
    fillHolesPerSlice(m, dims);
    for (let z = 0; z < 9; z++) expect(m[idx(4, 4, z)]).toBe(1);
    expect(count(m)).toBe(9 * 49);
  });
});

describe('computeBrainMask', () => {
  // A "head": brain ball r=11 (with a dark ventricle), a dark skull gap, a bright scalp shell, and
  // a 1-voxel bridge from brain to scalp that the opening must cut.
  const dims: V3 = [48, 48, 40];
  const c = [23.5, 23.5, 19.5];
  const r = (x: number, y: number, z: number) => Math.hypot(x - c[0], y - c[1], z - c[2]);
  const inBrain = (x: number, y: number, z: number) => r(x, y, z) <= 11;
  const head = makeVolume(dims, (x, y, z) => {
    const d = r(x, y, z);
    if (d <= 3) return 0.1; // ventricle
    if (d <= 11) return 0.8;
    if (d >= 15 && d <= 17) return 0.9; // scalp
    if (y === 24 && z === 20 && x > 30 && x < 40) return 0.8; // bridge
    return 0.02;
  });

  it('finds the brain (ventricle included), not the scalp or the bridge', () => {
    const mask = computeBrainMask(head, { openingRadiusMm: 2 });
    let inter = 0;
    let truth = 0;
    let scalp = 0;
    for (let z = 0; z < 40; z++)
      for (let y = 0; y < 48; y++)
        for (let x = 0; x < 48; x++) {
          const m = at(mask, x, y, z) > 0;
          const t = inBrain(x, y, z);
          if (t) truth++;
          if (m && t) inter++;
          if (m && r(x, y, z) >= 15) scalp++;
        }
    const dice = (2 * inter) / (truth + count(mask.data));
    expect(dice).toBeGreaterThan(0.95);
    expect(scalp).toBe(0);
    expect(at(mask, 24, 24, 20)).toBe(1); // ventricle centre
    expect(at(mask, 36, 24, 20)).toBe(0); // bridge
  });

  it('on large in-plane grids (half-resolution path) still follows the object to within a voxel or so', () => {
    // A bright disc r = 50 with a dark ventricle, in a thin bright ring (scalp) at r = 62..66.
    const big = makeVolume([170, 170, 3], (x, y) => {
      const d = Math.hypot(x - 84.5, y - 84.5);
      return d <= 8 ? 0.1 : d <= 50 ? 0.8 : d >= 62 && d <= 66 ? 0.9 : 0.02;
    });
    const mask = computeBrainMask(big);
    let inter = 0;
    let truth = 0;
    let scalp = 0;
    for (let y = 0; y < 170; y++)
      for (let x = 0; x < 170; x++) {
        const d = Math.hypot(x - 84.5, y - 84.5);
        const m = at(mask, x, y, 1) > 0;
        if (d <= 50) truth++;
        if (m && d <= 50) inter++;
        if (m && d >= 60) scalp++;
      }
    // Within ~1 voxel of the true edge: losing a 1.25-voxel rim would be 1 − (48.75/50)² ≈ 4.9 %.
    expect(inter / truth).toBeGreaterThan(0.951);
    expect(count(mask.data.subarray(170 * 170, 2 * 170 * 170)) / truth).toBeLessThan(1.03);
    expect(scalp).toBe(0);
    expect(at(mask, 84, 84, 1)).toBe(1); // ventricle filled
  });

  it('applyMask zeroes outside the mask and keeps values inside', () => {
    const mask = computeBrainMask(head, { openingRadiusMm: 2 });
    const stripped = applyMask(head, mask);
    expect(at(stripped, 24, 24, 26)).toBeCloseTo(0.8, 6);
    expect(at(stripped, 24, 24, 36)).toBe(0);
  });
});
