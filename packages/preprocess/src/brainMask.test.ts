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
import type { Volume } from '@anet/contracts';
import { sqDistanceTransform } from './distance';
import { convexHullPerSlice, geodesicGrow } from './maskOps';
import { makePhantomPair } from './phantom';
import { createRng } from './rng';
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

describe('mask building blocks', () => {
  it('sqDistanceTransform equals brute force (anisotropic, 2D and 3D, border as feature or not)', () => {
    const dims: V3 = [9, 7, 5];
    const sp: V3 = [0.8, 1.3, 2.5];
    const rng = createRng(3);
    const m = Uint8Array.from({ length: 9 * 7 * 5 }, () => (rng.next() < 0.15 ? 1 : 0));
    for (const axes3d of [false, true])
      for (const border of [false, true]) {
        const d2 = sqDistanceTransform(m, dims, sp, 1, border, axes3d);
        for (let z = 0; z < 5; z++)
          for (let y = 0; y < 7; y++)
            for (let x = 0; x < 9; x++) {
              let best = Infinity;
              for (let c = 0; c < 5; c++)
                for (let b = 0; b < 7; b++)
                  for (let a = 0; a < 9; a++)
                    if (m[a + 9 * (b + 7 * c)] && (axes3d || c === z))
                      best = Math.min(
                        best,
                        ((a - x) * sp[0]) ** 2 + ((b - y) * sp[1]) ** 2 + ((c - z) * sp[2]) ** 2,
                      );
              if (border) {
                best = Math.min(best, ((x + 1) * sp[0]) ** 2, ((9 - x) * sp[0]) ** 2);
                best = Math.min(best, ((y + 1) * sp[1]) ** 2, ((7 - y) * sp[1]) ** 2);
                if (axes3d) best = Math.min(best, ((z + 1) * sp[2]) ** 2, ((5 - z) * sp[2]) ** 2);
              }
              const got = d2[x + 9 * (y + 7 * z)];
              if (best === Infinity) expect(got).toBeGreaterThan(1e11);
              else expect(got).toBeCloseTo(best, 6);
            }
      }
  });

  it('geodesicGrow measures distance along the allowed set, not through it', () => {
    // A U-shaped corridor: the far arm's tip is 4 voxels from the seed straight across, 24 along it.
    const dims: V3 = [9, 12, 1];
    const allowed = new Uint8Array(9 * 12);
    for (let y = 0; y < 12; y++) {
      allowed[0 + 9 * y] = 1;
      allowed[4 + 9 * y] = 1;
    }
    for (let x = 0; x <= 4; x++) allowed[x + 9 * 11] = 1;
    const seed = new Uint8Array(9 * 12);
    seed[0] = 1;
    const near = geodesicGrow(seed, allowed, dims, [1, 1, 1], 8);
    expect(near[0 + 9 * 8]).toBe(1); // 8 along the first arm
    expect(near[0 + 9 * 9]).toBe(0);
    expect(near[4]).toBe(0); // close in space, far along the corridor
    const all = geodesicGrow(seed, allowed, dims, [1, 1, 1], 100);
    expect(count(all)).toBe(count(allowed));
    expect(all[8]).toBe(0); // never outside the allowed set
  });

  it('convexHullPerSlice fills the hull of an L and nothing beyond it', () => {
    const dims: V3 = [10, 10, 2];
    const m = new Uint8Array(200);
    for (let y = 1; y <= 8; y++) m[1 + 10 * y] = 1; // vertical bar x = 1
    for (let x = 1; x <= 8; x++) m[x + 10 * 1] = 1; // horizontal bar y = 1
    const h = convexHullPerSlice(m, dims);
    for (let y = 0; y < 10; y++)
      for (let x = 0; x < 10; x++) {
        const inside = x >= 1 && y >= 1 && x + y <= 9; // triangle (1,1), (8,1), (1,8)
        expect(h[x + 10 * y]).toBe(inside ? 1 : 0);
        expect(h[100 + x + 10 * y]).toBe(0); // an empty slice stays empty
      }
  });
});

/** Precision and recall of a mask against a 0/1 truth, and the fraction of `part` voxels inside it. */
function score(mask: Volume, truth: ArrayLike<number>, part?: ArrayLike<number>) {
  let tp = 0;
  let p = 0;
  let g = 0;
  let inPart = 0;
  let nPart = 0;
  for (let i = 0; i < mask.data.length; i++) {
    const a = mask.data[i] > 0.5;
    const b = truth[i] > 0.5;
    if (a) p++;
    if (b) g++;
    if (a && b) tp++;
    if (part && part[i] > 0.5) {
      nPart++;
      if (a) inPart++;
    }
  }
  return { precision: tp / p, recall: tp / g, part: nPart ? inPart / nPart : Number.NaN };
}

/**
 * A head built to defeat an opening of the thresholded head (what computeBrainMask did before): thin
 * skull tables grey enough (partial volume) to pass Li's threshold, bright marrow between them,
 * temporalis muscle in the grey/white band on both sides, scalp fat and skin, a neck of muscle and fat
 * under the skull base, and an enhancing ring lesion (necrotic core) touching the inner table. Sampled
 * in mm at `spacing`; `brain` is everything inside the skull (brain, CSF rim, lesion), `outside` the
 * scalp, muscle, fat, skin and neck.
 */
function makeHeadPhantom(spacing: V3) {
  const a: V3 = [48, 60, 44]; // brain semi-axes, mm
  const fov: V3 = [130, 150, 150];
  const dims = fov.map((e, k) => Math.round(e / spacing[k])) as V3;
  const c: V3 = [65, 75, 95]; // room below for the neck
  const lesion: V3 = [c[0] + 34, c[1] + 20, c[2] + 6];
  const abar = (a[0] + a[1] + a[2]) / 3;
  const rng = createRng(1);
  const n = dims[0] * dims[1] * dims[2];
  const brain = new Uint8Array(n);
  const outside = new Uint8Array(n);
  const ring = new Uint8Array(n);
  const img = new Float32Array(n);
  let i = 0;
  for (let z = 0; z < dims[2]; z++)
    for (let y = 0; y < dims[1]; y++)
      for (let x = 0; x < dims[0]; x++, i++) {
        const p = [(x + 0.5) * spacing[0], (y + 0.5) * spacing[1], (z + 0.5) * spacing[2]];
        const d = (Math.hypot((p[0] - c[0]) / a[0], (p[1] - c[1]) / a[1], (p[2] - c[2]) / a[2]) - 1) * abar;
        const dl = Math.hypot(p[0] - lesion[0], p[1] - lesion[1], p[2] - lesion[2]);
        const lateral =
          Math.abs(p[0] - c[0]) > 0.55 * a[0] && p[2] > c[2] - 0.6 * a[2] && p[2] < c[2] + 0.5 * a[2];
        const neck = Math.hypot((p[0] - c[0]) / 40, (p[1] - c[1] - 10) / 45);
        let val = 0.02;
        if (d <= 1.5 && dl <= 12) {
          val = dl > 7 ? 1.6 : 0.25;
          ring[i] = dl > 7 ? 1 : 0;
        } else if (d <= -3)
          val = 1; // white matter
        else if (d <= 0)
          val = 0.8; // grey matter
        else if (d <= 1.5)
          val = 0.3; // CSF
        else if (d <= 7.5)
          val = d > 3 && d <= 6 ? 1.5 : 0.35; // tables (partial volume) and marrow
        else if (lateral && d <= 15.5)
          val = 0.75; // temporalis
        else if (d <= (lateral ? 18.5 : 10.5))
          val = 1.7; // fat
        else if (d <= (lateral ? 20 : 12))
          val = 0.9; // skin
        else if (p[2] < c[2] - 0.5 * a[2] && neck <= 1) val = neck > 0.85 ? 1.7 : 0.75;
        if (d <= 1.5) brain[i] = 1;
        else if (d > 7.5 && val > 0.02) outside[i] = 1;
        img[i] = 1000 * Math.abs(val + 0.03 * rng.normal());
      }
  const affine = [spacing[0], 0, 0, -c[0], 0, spacing[1], 0, -c[1], 0, 0, spacing[2], -c[2], 0, 0, 0, 1];
  return { vol: { data: img, dims, spacing, affine } as Volume, brain, outside, ring };
}

describe('computeBrainMask on a head with grey skull, muscle, fat and neck', () => {
  // The previous mask (opening of the Li foreground) kept 88 % (1.5 mm) and 65 % (5 mm slices) of the
  // scalp, muscle and neck voxels of this head (precision 0.45, 0.55) and cut 21 % of the thick-slice ring.
  it.each([
    ['isotropic 1.5 mm', [1.5, 1.5, 1.5] as V3],
    ['thick slices 1×1×5 mm', [1, 1, 5] as V3],
  ])('%s: scalp, muscle and neck out; brain and the ring lesion touching the skull in', (_, spacing) => {
    const h = makeHeadPhantom(spacing);
    const mask = computeBrainMask(h.vol);
    const brain = score(mask, h.brain, h.ring);
    expect(brain.precision).toBeGreaterThan(0.98);
    expect(brain.recall).toBeGreaterThan(0.93); // partial-volume voxels of the CSF rim may stay out
    expect(brain.part).toBeGreaterThan(0.99); // the enhancing ring
    const extra = score(mask, h.brain, h.outside);
    expect(extra.part).toBeLessThan(0.005);
  });
});

describe('computeBrainMask on makePhantomPair', () => {
  // The phantom's brain includes its CSF rim (0.80 < ρ ≤ 0.84, ~14 % of it) at 0.15 of white matter,
  // darker than the bands the mask grows into: recall ≈ 0.85 by design (as in preprocessPair.test).
  const check = (ph: ReturnType<typeof makePhantomPair>, minRecall = 0.82) => {
    for (const [scan, truth, tumour] of [
      [ph.baseline, ph.baselineBrainMask, ph.baselineTumour],
      [ph.followup, ph.followupBrainMask, ph.followupTumour],
    ] as const) {
      const mask = computeBrainMask(scan);
      expect(mask.dims).toEqual(scan.dims);
      expect(mask.affine).toEqual(scan.affine);
      // The lesion truth where the phantom draws it (its ring is also defined inside the skull's shell).
      const lesion = tumour.data.map((t, i) => (t > 0.5 && truth.data[i] > 0.5 ? 1 : 0));
      const r = score(mask, truth.data, lesion);
      expect(r.precision).toBeGreaterThan(0.99);
      expect(r.recall).toBeGreaterThan(minRecall);
      expect(r.part).toBeGreaterThan(0.98);
    }
    // Nothing of the scalp shell (ρ > 0.92 of the head's semi-axes) of the unmoved baseline.
    const [X, Y, Z] = ph.baseline.dims;
    const mask = computeBrainMask(ph.baseline);
    let scalp = 0;
    for (let z = 0; z < Z; z++)
      for (let y = 0; y < Y; y++)
        for (let x = 0; x < X; x++) {
          const rho = Math.hypot(
            (x - (X - 1) / 2) / (0.44 * X),
            (y - (Y - 1) / 2) / (0.44 * Y),
            (z - (Z - 1) / 2) / (0.44 * Z),
          );
          if (rho > 0.92 && at(mask, x, y, z) > 0) scalp++;
        }
    expect(scalp).toBe(0);
  };

  it('default phantom (64×64×32, 1 mm), baseline and moved, rescaled follow-up', () => {
    check(makePhantomPair({ seed: 3, change: 1.5 }));
  });

  it('thick slices (96×96×24 at 1×1×5 mm)', () => {
    check(makePhantomPair({ seed: 4, dims: [96, 96, 24], spacing: [1, 1, 5], change: 1.5 }));
  });

  it('half-resolution path with thick slices (180×180×24 at 1×1×6 mm)', () => {
    check(makePhantomPair({ seed: 5, dims: [180, 180, 24], spacing: [1, 1, 6], change: 1.5 }));
  });

  it('thick slices whose header says 1 mm (the through-plane spacing is re-estimated)', () => {
    check(makePhantomPair({ seed: 6, dims: [128, 128, 20], change: 1.5 }));
  });

  it('a large lesion that reaches the skull stays whole (isotropic and thick slices)', () => {
    // Recall is lower where the lesion replaces the CSF rim next to the skull (both count as brain).
    check(makePhantomPair({ seed: 3, dims: [64, 64, 48], change: 1.5, lesionRadius: 14 }), 0.78);
    check(makePhantomPair({ seed: 3, dims: [96, 96, 24], spacing: [1, 1, 5], change: 1.5, lesionRadius: 9 }));
  });

  it('is pure and deterministic', () => {
    const ph = makePhantomPair({ seed: 7, dims: [48, 48, 24], change: 2 });
    const copy = ph.baseline.data.slice();
    const a = computeBrainMask(ph.baseline);
    const b = computeBrainMask(ph.baseline);
    expect(ph.baseline.data).toEqual(copy);
    expect(a.data).toEqual(b.data);
    expect(a.data).not.toBe(ph.baseline.data);
    expect(new Set(a.data)).toEqual(new Set([0, 1]));
  });
});
