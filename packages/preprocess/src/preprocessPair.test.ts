import { describe, expect, it } from 'vitest';
import type { Volume } from '@anet/contracts';
import { centreOfMass } from './centre';
import { makePhantomPair } from './phantom';
import { preprocessPair, toNative } from './preprocessPair';
import { resampleToGrid } from './resample';

type V3 = [number, number, number];
const grid: V3 = [64, 64, 32];

describe('preprocessPair', () => {
  const ph = makePhantomPair({ seed: 10, dims: [48, 48, 24], change: 2, noise: 0 });
  const pre = preprocessPair(ph.baseline, ph.followup, { grid });

  it('returns working-grid volumes in [0,1], zero outside their masks', () => {
    for (const [v, m] of [
      [pre.baseline, pre.baselineBrainMask],
      [pre.followup, pre.followupBrainMask],
    ] as Array<[Volume, Volume]>) {
      expect(v.dims).toEqual(grid);
      let outOfRange = 0;
      let leaked = 0;
      for (let i = 0; i < v.data.length; i++) {
        if (!(v.data[i] >= 0 && v.data[i] <= 1)) outOfRange++;
        if (!m.data[i] && v.data[i] !== 0) leaked++;
      }
      expect(outOfRange).toBe(0);
      expect(leaked).toBe(0);
    }
  });

  it('centres each brain mask within half a voxel of the grid centre', () => {
    for (const m of [pre.baselineBrainMask, pre.followupBrainMask]) {
      const com = centreOfMass(m) as V3;
      for (let a = 0; a < 3; a++) expect(Math.abs(com[a] - (grid[a] - 1) / 2)).toBeLessThanOrEqual(0.5);
    }
  });

  it('computes a brain mask close to the true brain (phantom: bright scalp, dark skull)', () => {
    const truth = resampleToGrid(ph.baselineBrainMask, grid, { interpolation: 'nearest' }).volume;
    const mine = toNative(pre.baselineBrainMask, pre.record, { interpolation: 'nearest' });
    const t = ph.baselineBrainMask.data;
    let inter = 0;
    let a = 0;
    let b = 0;
    for (let i = 0; i < t.length; i++) {
      inter += t[i] * mine.data[i];
      a += t[i];
      b += mine.data[i];
    }
    expect(truth.dims).toEqual(grid);
    // Precision: scalp and skull stay out. Recall is lower by design: Otsu leaves out the dark CSF rim
    // (0.80 < ρ ≤ 0.84 of the head radius, ~14 % of the true brain) that the phantom counts as brain.
    expect(inter / b).toBeGreaterThan(0.97);
    expect(inter / a).toBeGreaterThan(0.78);
  });

  it('toNative(baseline) gives back the normalised, skull-stripped baseline in its native grid', () => {
    const nat = toNative(pre.baseline, pre.record);
    const mask = toNative(pre.baselineBrainMask, pre.record, { interpolation: 'nearest' });
    expect(nat.dims).toEqual(ph.baseline.dims);
    expect(nat.spacing).toEqual(ph.baseline.spacing);
    expect(nat.affine).toEqual(ph.baseline.affine);
    const { lo, hi } = pre.record.intensity;
    const [X, Y, Z] = nat.dims;
    const src = ph.baseline.data;
    let exact = 0;
    for (let z = 1; z < Z - 1; z++)
      for (let y = 1; y < Y - 1; y++)
        for (let x = 1; x < X - 1; x++) {
          const i = x + X * (y + Y * z);
          if (!mask.data[i]) continue;
          // Where the 3×3×3 neighbourhood is constant (and inside the mask), up- then down-sampling is exact.
          let flat = true;
          for (let dz = -1; dz <= 1 && flat; dz++)
            for (let dy = -1; dy <= 1 && flat; dy++)
              for (let dx = -1; dx <= 1 && flat; dx++) {
                const j = i + dx + X * (dy + Y * dz);
                if (src[j] !== src[i] || !mask.data[j]) flat = false;
              }
          if (!flat) continue;
          const expected = Math.min(1, Math.max(0, (src[i] - lo) / (hi - lo)));
          expect(nat.data[i]).toBeCloseTo(expected, 5);
          exact++;
        }
    expect(exact).toBeGreaterThan(1000);
  });

  it("with target 'followup' maps the follow-up back onto its own grid and lesion", () => {
    const mask = toNative(pre.followupBrainMask, pre.record, {
      interpolation: 'nearest',
      target: 'followup',
    });
    const back = toNative(pre.followup, pre.record, { target: 'followup' });
    expect(back.affine).toEqual(ph.followup.affine);
    // The follow-up's enhancing ring comes back where the phantom put it: brighter than the brain median.
    let ring = 0;
    let n = 0;
    for (let i = 0; i < back.data.length; i++)
      if (ph.followupTumour.data[i] && mask.data[i]) {
        ring += back.data[i];
        n++;
      }
    expect(n).toBeGreaterThan(50);
    expect(ring / n).toBeGreaterThan(0.8);
  });

  it('keeps a JSON-serialisable record that maps back identically', () => {
    const record = JSON.parse(JSON.stringify(pre.record));
    expect(record).toEqual(pre.record);
    expect(Array.from(toNative(pre.followup, record).data)).toEqual(
      Array.from(toNative(pre.followup, pre.record).data),
    );
  });

  it('histogram-matches the follow-up: identical anatomy, other scanner scale → same intensities', () => {
    const p = makePhantomPair({ seed: 11, dims: [48, 48, 24], misalign: false, change: 1, noise: 0 });
    const r = preprocessPair(p.baseline, p.followup, {
      grid,
      baselineBrainMask: p.baselineBrainMask,
      followupBrainMask: p.followupBrainMask,
    });
    expect(Math.abs(p.truth.intensity.scale - 1)).toBeGreaterThan(0.05); // the test needs a real change
    let diff = 0;
    let n = 0;
    for (let i = 0; i < r.baseline.data.length; i++)
      if (r.baselineBrainMask.data[i]) {
        diff += Math.abs(r.baseline.data[i] - r.followup.data[i]);
        n++;
      }
    expect(diff / n).toBeLessThan(0.02);
    expect(r.record.baseline.mask).toBe('supplied');
  });

  it('rejects a mask in another grid and a volume not in the working grid', () => {
    const wrong = { ...ph.baselineBrainMask, dims: [24, 48, 48] as V3 };
    expect(() => preprocessPair(ph.baseline, ph.followup, { grid, baselineBrainMask: wrong })).toThrow(
      expect.objectContaining({ code: 'MASK_GRID_MISMATCH' }),
    );
    expect(() => toNative(ph.baseline, pre.record)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
    const empty = { ...ph.followupBrainMask, data: new Float32Array(ph.followupBrainMask.data.length) };
    expect(() => preprocessPair(ph.baseline, ph.followup, { grid, followupBrainMask: empty })).toThrow(
      /followup brain mask is empty/,
    );
  });
});
