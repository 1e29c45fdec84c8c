import { AnetError, ReportVolumesSchema } from '@anet/contracts';
import { describe, expect, it } from 'vitest';
import { analyseMap, dilatedRegion, erodedRegion } from './analyseMap';
import { reportVolumes } from './reportVolumes';
import { inBox, makeVolume } from './__tests__/volumes';

const dims: [number, number, number] = [40, 40, 6];
const noEdge = { edgeMarginMm: 0 };

describe('analyseMap', () => {
  it('finds nothing in an all-zero map: stable with a baseline, indeterminate without', () => {
    const map = makeVolume(dims);
    const mask = makeVolume(dims, (x, y, z) => +inBox(10, 20, 10, 20, 1, 3)(x, y, z));
    const withMask = analyseMap(map, { baselineTumourMask: mask });
    expect(withMask.change).toMatchObject({ voxels: 0, ml: 0, growthVoxels: 0, reductionVoxels: 0 });
    expect(withMask.baseline).toEqual({ ml: 0.2, voxels: 200, source: 'mask' });
    expect(withMask.predictedFollowupMl).toBeCloseTo(0.2, 12);
    expect(withMask.modifiedRano.class).toBe('stable');
    expect(withMask.modifiedRano.percentChange).toBe(0);
    const without = analyseMap(map);
    expect(without.modifiedRano.class).toBe('indeterminate');
    expect(without.rano2.class).toBe('indeterminate');
    expect(without.predictedFollowupMl).toBeNull();
    expect(without.baseline.source).toBe('none');
  });

  it('counts every voxel when all changed, minus the in-plane edge margin', () => {
    const map = makeVolume(dims, () => 1);
    expect(analyseMap(map, { config: noEdge }).change.growthVoxels).toBe(40 * 40 * 6);
    const r = analyseMap(map);
    expect(r.change.growthVoxels).toBe(20 * 20 * 6);
    expect(r.change.voxels).toBe(20 * 20 * 6);
    const down = analyseMap(
      makeVolume(dims, () => -1),
      { baselineVolumeMl: 1 },
    );
    expect(down.change.reductionVoxels).toBe(20 * 20 * 6);
    expect(down.change.ml).toBeCloseTo(-2.4, 12);
    expect(down.predictedFollowupMl).toBe(0);
    expect(down.modifiedRano.class).toBe('response');
  });

  it('removes components of exactly 30 voxels and keeps those of 31', () => {
    // 30-voxel growth block 5×3×2 and a 31-voxel reduction block (5×3×2 + one face neighbour)
    const map = makeVolume(dims, (x, y, z) => {
      if (inBox(12, 17, 12, 15, 2, 4)(x, y, z)) return 0.5;
      if (inBox(22, 27, 22, 25, 2, 4)(x, y, z) || (x === 27 && y === 22 && z === 2)) return -0.5;
      return 0;
    });
    const r = analyseMap(map, { baselineVolumeMl: 1 });
    expect(r.change.growthVoxels).toBe(0);
    expect(r.change.reductionVoxels).toBe(31);
    expect(r.components).toEqual({ kept: 1, removed: 1, removedVoxels: 30 });
    const lower = analyseMap(map, { config: { minComponentMl: 0.029 } });
    expect(lower.change.growthVoxels).toBe(30);
  });

  it('ignores change in the edge margin, also when it trims a component below the size limit', () => {
    // 8×8×1 = 64 voxels from x = 4: 2 columns inside x ≥ 10 → 16 voxels → removed as a small component
    const map = makeVolume(dims, (x, y, z) => (inBox(4, 12, 15, 23, 3, 4)(x, y, z) ? 1 : 0));
    expect(analyseMap(map, { config: noEdge }).change.growthVoxels).toBe(64);
    expect(analyseMap(map).change.growthVoxels).toBe(0);
    expect(analyseMap(map, { config: { minComponentMl: 0 } }).change.growthVoxels).toBe(16);
  });

  it('reports mL from the voxel size and keeps the grid', () => {
    const spacing: [number, number, number] = [0.5, 0.5, 2];
    const map = makeVolume(dims, (x, y, z) => (inBox(15, 25, 15, 25, 0, 4)(x, y, z) ? 0.3 : 0), spacing);
    // edge margin 5 mm = 10 voxels of 0.5 mm (the default 10 mm would cover the block)
    const r = analyseMap(map, { baselineVolumeMl: 0.8, config: { edgeMarginMm: 5 } });
    expect(r.change.voxels).toBe(400);
    expect(r.change.voxelVolumeMl).toBe(0.0005);
    expect(r.change.ml).toBeCloseTo(0.2, 12);
    expect(r.modifiedRano.class).toBe('progression'); // +25 %
    expect(r.rano2.class).toBe('stable');
    expect(r.ternary.dims).toEqual(dims);
    expect(r.ternary.affine).toEqual(map.affine);
    expect(new Set(r.ternary.data)).toEqual(new Set([0, 1]));
    expect(ReportVolumesSchema.parse(reportVolumes(r)).baselineSource).toBe('number');
  });

  it('calls new enhancement on a zero baseline progression above the noise floor only', () => {
    const empty = makeVolume(dims);
    const big = makeVolume(dims, (x, y, z) => (inBox(12, 28, 12, 28, 0, 6)(x, y, z) ? 1 : 0)); // 1536 vox = 1.5 mL
    const small = makeVolume(dims, (x, y, z) => (inBox(12, 20, 12, 20, 0, 1)(x, y, z) ? 1 : 0)); // 64 vox
    expect(analyseMap(big, { baselineTumourMask: empty }).modifiedRano.class).toBe('progression');
    expect(analyseMap(big, { baselineVolumeMl: 0 }).rano2.class).toBe('progression');
    expect(analyseMap(small, { baselineTumourMask: empty }).modifiedRano.class).toBe('stable');
  });

  it('prefers the mask over a number and rejects a mask of another grid or a bad number', () => {
    const map = makeVolume(dims);
    const mask = makeVolume(dims, (x) => (x === 20 ? 1 : 0));
    expect(analyseMap(map, { baselineTumourMask: mask, baselineVolumeMl: 99 }).baseline.source).toBe('mask');
    const wrong = makeVolume([40, 40, 5]);
    expect(() => analyseMap(map, { baselineTumourMask: wrong })).toThrow(
      expect.objectContaining({ code: 'MASK_GRID_MISMATCH' }),
    );
    expect(() => analyseMap(map, { baselineVolumeMl: -1 })).toThrow(AnetError);
    expect(() => analyseMap(map, { config: { connectivity: 4 as 6 } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });

  it('ignores change outside a region mask', () => {
    const map = makeVolume(dims, (x, y, z) =>
      inBox(12, 18, 12, 18, 0, 6)(x, y, z) ? 1 : inBox(22, 28, 22, 28, 0, 6)(x, y, z) ? -1 : 0,
    );
    const region = makeVolume(dims, (x) => (x < 20 ? 1 : 0));
    const r = analyseMap(map, { regionMask: region });
    expect(r.change.growthVoxels).toBe(216);
    expect(r.change.reductionVoxels).toBe(0);
    expect(analyseMap(map).change.reductionVoxels).toBe(216);
    expect(() => analyseMap(map, { regionMask: makeVolume([40, 40, 5]) })).toThrow(
      expect.objectContaining({ code: 'MASK_GRID_MISMATCH' }),
    );
  });
});

describe('erodedRegion / dilatedRegion', () => {
  const box = makeVolume([20, 20, 10], (x, y, z) => +inBox(5, 15, 5, 15, 3, 7)(x, y, z));
  const count = (m: Uint8Array) => m.reduce((s, v) => s + v, 0);
  it('erodes in-plane only, by whole mm', () => {
    expect(count(erodedRegion(box, 0))).toBe(10 * 10 * 4);
    expect(count(erodedRegion(box, 2))).toBe(6 * 6 * 4);
  });
  it('dilates in-plane and over the slices the margin spans', () => {
    const d = dilatedRegion(box, 1);
    // a 1 mm disc adds the 4-neighbours in-plane (12×12 − 4 corners), and one slice above and below
    expect(count(d)).toBe((12 * 12 - 4) * 6);
    expect(d[10 + 20 * (10 + 20 * 2)]).toBe(1);
    expect(d[10 + 20 * (10 + 20 * 1)]).toBe(0);
  });
});
