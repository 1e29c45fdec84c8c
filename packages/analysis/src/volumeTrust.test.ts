import { describe, expect, it } from 'vitest';
import { assessTrust } from './assessTrust';
import { checkChangeSize, checkHeaderSpacing } from './volumeTrust';
import { makeVolume } from './__tests__/volumes';

/**
 * An ellipsoidal adult-sized "brain" (semi-axes 70 × 85 × 60 mm) sampled on a grid of `realMm`
 * voxels, while the header claims `headerMm`: the situation of research files whose header says
 * 1 mm although the slices are 5 mm thick.
 */
function brain(realMm: [number, number, number], headerMm: [number, number, number], zRange?: [number, number]) {
  const [sx, sy, sz] = realMm;
  const X = Math.ceil(180 / sx);
  const Y = Math.ceil(200 / sy);
  const Z = Math.ceil(140 / sz);
  const v = makeVolume(
    [X, Y, Z],
    (x, y, z) => {
      const dx = (x - X / 2) * sx;
      const dy = (y - Y / 2) * sy;
      const dz = (z - Z / 2) * sz;
      return (dx / 70) ** 2 + (dy / 85) ** 2 + (dz / 60) ** 2 <= 1 ? 1 : 0;
    },
    headerMm,
  );
  if (!zRange) return v;
  const plane = X * Y;
  return { ...v, data: v.data.slice(zRange[0] * plane, zRange[1] * plane), dims: [X, Y, zRange[1] - zRange[0]] as [number, number, number] };
}

describe('checkHeaderSpacing', () => {
  it('accepts a brain whose header spacing is the real one (thin or thick slices)', () => {
    for (const mm of [
      [2, 2, 2],
      [2, 2, 5],
    ] as Array<[number, number, number]>) {
      const c = checkHeaderSpacing(brain(mm, mm));
      expect(c.plausible, c.reasons.join('; ')).toBe(true);
      expect(c.brainExtentMm![0]).toBeGreaterThan(130);
      expect(c.brainExtentMm![2]).toBeGreaterThan(110);
    }
  });

  it('flags 5 mm slices stored with a 1 mm header (the vertex a few mm above the widest section)', () => {
    const c = checkHeaderSpacing(brain([2, 2, 5], [2, 2, 1]));
    expect(c.plausible).toBe(false);
    expect(c.reasons.join(' ')).toMatch(/narrows .* vertex within \d+ mm/);
  });

  it('flags an in-plane spacing that makes the brain a few centimetres across', () => {
    const c = checkHeaderSpacing(brain([2, 2, 2], [0.5, 0.5, 2]));
    expect(c.plausible).toBe(false);
    expect(c.reasons[0]).toMatch(/measures \d+ mm across/);
  });

  it('does not flag a slab that stops below the vertex (nothing to judge the slice spacing by)', () => {
    // lower half of the brain only, 5 mm slices with a 1 mm header: no taper to the vertex is seen
    expect(checkHeaderSpacing(brain([2, 2, 5], [2, 2, 1], [0, 15])).plausible).toBe(true);
  });

  it('an empty mask is not judged', () => {
    const c = checkHeaderSpacing(makeVolume([8, 8, 8]));
    expect(c).toMatchObject({ plausible: true, brainExtentMm: null, reasons: [] });
  });
});

describe('checkChangeSize', () => {
  const m = { marginFraction: 1, marginMl: 1 };
  it('leaves a doubling alone but flags more reduction than there was lesion', () => {
    expect(checkChangeSize({ changeMl: 3.5, growthMl: 7.6, reductionMl: 4, baselineMl: 3 }, m).flagged).toBe(false);
    const r = checkChangeSize({ changeMl: -2, growthMl: 8, reductionMl: 10, baselineMl: 3 }, m);
    expect(r.flagged).toBe(true);
    expect(r.reason).toMatch(/reduction 10\.00 mL exceeds the baseline lesion \(3\.00 mL\)/);
  });
  it('flags a net change beyond the baseline plus the margin; a null baseline is not judged', () => {
    expect(checkChangeSize({ changeMl: 7, growthMl: 7, reductionMl: 0, baselineMl: 3 }, m).flagged).toBe(true);
    expect(checkChangeSize({ changeMl: 5.9, growthMl: 5.9, reductionMl: 0, baselineMl: 3 }, m).flagged).toBe(false);
    expect(checkChangeSize({ changeMl: 50, growthMl: 50, reductionMl: 0, baselineMl: null }, m).flagged).toBe(false);
  });
});

describe('assessTrust', () => {
  it('says the ratio is the figure to rely on when the header lies, and carries the warnings', () => {
    const t = assessTrust(
      brain([2, 2, 5], [2, 2, 1]),
      { changeMl: 3, growthMl: 3, reductionMl: 0, baselineMl: 2 },
      { suspiciousMarginFraction: 1, suspiciousMarginMl: 1 },
    );
    expect(t.trustworthyFigure).toBe('ratio');
    expect(t.warnings[0]).toMatch(/header's voxel spacing .* modified-RANO class \(a ratio\) is the figure to rely on/);
    const ok = assessTrust(
      brain([2, 2, 5], [2, 2, 5]),
      { changeMl: 3, growthMl: 3, reductionMl: 0, baselineMl: 2 },
      { suspiciousMarginFraction: 1, suspiciousMarginMl: 1 },
    );
    expect(ok).toMatchObject({ trustworthyFigure: 'mL', warnings: [] });
  });
});
