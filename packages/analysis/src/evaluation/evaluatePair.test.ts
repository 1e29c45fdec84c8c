import { describe, expect, it } from 'vitest';
import { inBox, lcg, makeVolume } from '../__tests__/volumes';
import { evaluatePair, pooledAuc } from './evaluatePair';
import { formatCohortTable, summariseCohort } from './summariseCohort';

const dims: [number, number, number] = [48, 48, 6];
const a = inBox(18, 28, 18, 28, 1, 5); // baseline tumour 10×10×4 = 400
const b = inBox(20, 32, 20, 32, 1, 5); // follow-up 12×12×4 = 576 (+44 %)
const baselineMask = makeVolume(dims, (x, y, z) => +a(x, y, z));
const followupMaskInBaseline = makeVolume(dims, (x, y, z) => +b(x, y, z));
const truthMap = makeVolume(dims, (x, y, z) =>
  b(x, y, z) && !a(x, y, z) ? 1 : a(x, y, z) && !b(x, y, z) ? -1 : 0,
);

describe('evaluatePair', () => {
  it('scores a perfect map with AUC 1 and the right class', () => {
    const e = evaluatePair({ map: truthMap, baselineMask, followupMaskInBaseline });
    expect(e.positives.growth).toBe(576 - 64 * 4);
    expect(e.positives.reduction).toBe(400 - 64 * 4);
    expect(e.aucGrowth).toBe(1);
    expect(e.aucReduction).toBe(1);
    expect(e.aucMicro).toBe(1);
    expect(e.truth.class).toBe('progression');
    expect(e.truth.percentChange).toBe(44);
    expect(e.predicted.class).toBe('progression'); // 320 growth − 144 reduction = +176 voxels
    expect(e.predicted.percentChange).toBe(44);
  });
  it('gives 0.5 for a flat map and 0 for an inverted one', () => {
    const flat = evaluatePair({ map: makeVolume(dims), baselineMask, followupMaskInBaseline });
    expect(flat.aucGrowth).toBe(0.5);
    expect(flat.predicted.class).toBe('stable');
    const inv = evaluatePair({
      map: { ...truthMap, data: truthMap.data.map((v) => -v) },
      baselineMask,
      followupMaskInBaseline,
    });
    expect(inv.aucGrowth).toBe(0);
    expect(inv.predicted.percentChange).toBe(-44); // −176 of 400 voxels: stable
  });
  it('takes the true follow-up volume from the native follow-up mask and scores only the region', () => {
    const native = makeVolume([24, 24, 6], (x, y, z) => +inBox(0, 10, 0, 10, 0, 4)(x, y, z), [2, 2, 1]); // 1600 mm³
    const region = makeVolume(dims, (x, y, z) => +inBox(10, 40, 10, 40, 0, 6)(x, y, z));
    const r = lcg(3);
    const noisy = makeVolume(
      dims,
      (x, y, z) => truthMap.data[x + 48 * (y + 48 * z)] * 0.3 + (r() - 0.5) * 0.2,
    );
    const e = evaluatePair({
      map: noisy,
      baselineMask,
      followupMaskInBaseline,
      followupMask: native,
      region,
    });
    expect(e.truth.followupMl).toBeCloseTo(1.6, 12);
    expect(e.truth.class).toBe('progression');
    expect(e.positives.voxels).toBe(30 * 30 * 6);
    expect(e.aucGrowth).toBeGreaterThan(0.9);
  });
  it('rejects masks in another grid', () => {
    expect(() =>
      evaluatePair({ map: truthMap, baselineMask: makeVolume([48, 48, 5]), followupMaskInBaseline }),
    ).toThrow(expect.objectContaining({ code: 'MASK_GRID_MISMATCH' }));
  });
});

describe('summariseCohort / formatCohortTable', () => {
  it('averages pair AUCs, scores RANO and prints the summary line', () => {
    const good = evaluatePair({ map: truthMap, baselineMask, followupMaskInBaseline });
    const flat = evaluatePair({ map: makeVolume(dims), baselineMask, followupMaskInBaseline });
    const pairs = [
      { name: '01', evaluation: good },
      { name: '02', evaluation: flat },
    ];
    const s = summariseCohort(pairs);
    expect(s.aucGrowth).toBe(0.75);
    expect(s.rano.accuracy).toBe(0.5);
    const text = formatCohortTable(pairs);
    expect(text.split('\n').at(-1)).toBe(
      'AUC_growth=0.750 AUC_reduction=0.750 AUC_micro=0.750 RANO_acc=0.500',
    );
    expect(text).toContain('progression');
  });
});

describe('pooledAuc', () => {
  it('pools tasks into one ROC: perfect parts pool to 1, a perfect and an inverted part to their pairwise mix', () => {
    const part = (s: number[], l: number[]) => ({ scores: Float32Array.from(s), labels: Uint8Array.from(l) });
    expect(pooledAuc([part([0, 1], [0, 1]), part([2, 3], [0, 1])])).toBe(0.75); // pos {1,3} neg {0,2}: 3 of 4 pairs
    expect(pooledAuc([part([0, 1], [0, 1]), part([0, 1], [0, 1])])).toBe(1);
  });
});
