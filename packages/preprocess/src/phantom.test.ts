import { describe, expect, it } from 'vitest';
import { makePhantomPair } from './phantom';

const sum = (d: Float32Array) => d.reduce((s, v) => s + v, 0);

describe('makePhantomPair', () => {
  it('is reproducible for a seed and differs between seeds', () => {
    const a = makePhantomPair({ seed: 5, dims: [32, 32, 16] });
    const b = makePhantomPair({ seed: 5, dims: [32, 32, 16] });
    const c = makePhantomPair({ seed: 6, dims: [32, 32, 16] });
    expect(Array.from(a.followup.data)).toEqual(Array.from(b.followup.data));
    expect(Array.from(a.baseline.data)).not.toEqual(Array.from(c.baseline.data));
  });

  it.each([
    [2, 0.15],
    [0.3, 0.15],
    [1, 0],
  ])('scales the enhancing volume by change=%s (voxelisation tolerance %s)', (change, tol) => {
    const p = makePhantomPair({ seed: 1, change });
    expect(p.truth.baselineVoxels).toBe(sum(p.baselineTumour.data));
    expect(p.truth.followupVoxels).toBe(sum(p.followupTumourInBaseline.data));
    expect(Math.abs(p.truth.changeFactor - change) / change).toBeLessThanOrEqual(tol);
    // A rigid motion keeps the volume (up to voxelisation).
    expect(Math.abs(sum(p.followupTumour.data) / p.truth.followupVoxels - 1)).toBeLessThan(0.15);
  });

  it('without motion or noise the follow-up is the baseline under scale·v + bias', () => {
    const p = makePhantomPair({ seed: 2, dims: [40, 40, 20], misalign: false, noise: 0 });
    const { scale, bias } = p.truth.intensity;
    let checked = 0;
    let maxErr = 0;
    for (let i = 0; i < p.baseline.data.length; i++) {
      if (!p.baselineBrainMask.data[i]) continue;
      maxErr = Math.max(maxErr, Math.abs(p.followup.data[i] - (scale * p.baseline.data[i] + 1000 * bias)));
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
    expect(maxErr).toBeLessThan(0.05);
    expect(p.followupTumour.data).toEqual(p.baselineTumour.data);
  });

  it('puts the enhancing ring where the follow-up shows ring intensity, and moves it with the head', () => {
    const p = makePhantomPair({ seed: 3, change: 2, noise: 0 });
    const { scale, bias } = p.truth.intensity;
    const ring = 1000 * (scale * 1 + bias);
    let maxErr = 0;
    for (let i = 0; i < p.followup.data.length; i++)
      if (p.followupTumour.data[i]) maxErr = Math.max(maxErr, Math.abs(p.followup.data[i] - ring));
    expect(maxErr).toBeLessThan(0.05);
    expect(p.truth.motion.shift.some((s) => s !== 0)).toBe(true);
    expect(p.followupTumour.data).not.toEqual(p.followupTumourInBaseline.data);
  });

  it('change=0 removes the lesion', () => {
    const p = makePhantomPair({ seed: 4, change: 0, dims: [32, 32, 16] });
    expect(p.truth.followupVoxels).toBe(0);
    expect(p.truth.changeFactor).toBe(0);
  });
});
