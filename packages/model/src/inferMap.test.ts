import { describe, expect, it } from 'vitest';
import { resolveTrainConfig } from '@anet/contracts';
import { createRng } from '@anet/preprocess';
import { selectBackend } from './backend';
import { inferMap } from './inferMap';
import { buildGenerator } from './networks/generator';
import { disposeParams, paramsToData } from './networks/params';
import { squareOrigin } from './noiseSquare';
import type { Snapshot } from './types';
import { discVolume } from './__tests__/syntheticPair';

function snapshot(seed: number, square: Snapshot['noiseSquare']): Snapshot {
  const cfg = resolveTrainConfig('smoke');
  const g = buildGenerator(cfg, createRng(seed));
  const s: Snapshot = {
    epoch: seed,
    noiseSquare: square,
    generator: {
      base: cfg.generator.base,
      levels: cfg.generator.levels,
      params: paramsToData(g.params),
      stats: paramsToData(g.stats),
    },
  };
  disposeParams(g.params);
  disposeParams(g.stats);
  return s;
}

describe('inferMap', () => {
  it('averages snapshots, leaving each out inside its own noise square, with the spread as uncertainty', async () => {
    await selectBackend('wasm');
    const cfg = resolveTrainConfig('smoke', { inferBatch: 3 });
    const vol = discVolume([32, 32, 8], 4);
    const a = snapshot(1, { centre: [0.5, 0.5], size: 4, margin: 2 });
    const b = snapshot(2, null);
    const ra = await inferMap([a], vol, cfg);
    const rb = await inferMap([b], vol, cfg);
    expect(ra.uncertainty.data.every((v) => v === 0)).toBe(true);
    const both = await inferMap([a, b], vol, cfg);
    const [x0, y0] = squareOrigin([0.5, 0.5], 4, 32, 32);
    const n = 32 * 32;
    let inside = 0;
    for (let z = 0; z < 8; z++)
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++) {
          const i = z * n + y * 32 + x;
          const covered = x >= x0 - 2 && x < x0 + 6 && y >= y0 - 2 && y < y0 + 6;
          if (covered) {
            inside++;
            expect(both.map.data[i]).toBe(rb.map.data[i]);
            expect(both.uncertainty.data[i]).toBe(0);
          } else {
            expect(both.map.data[i]).toBeCloseTo((ra.map.data[i] + rb.map.data[i]) / 2, 5);
            expect(both.uncertainty.data[i]).toBeCloseTo(Math.abs(ra.map.data[i] - rb.map.data[i]) / 2, 4);
          }
        }
    expect(inside).toBe(8 * 64);
    expect(both.perSnapshot).toHaveLength(2);
    expect(both.map.affine).toEqual(vol.affine);
  });
  it('gives the same map whatever the inference batch size', async () => {
    await selectBackend('wasm');
    const vol = discVolume([32, 32, 8], 4);
    const s = [snapshot(3, null)];
    const m1 = await inferMap(s, vol, { inferBatch: 1 });
    const m8 = await inferMap(s, vol, { inferBatch: 8 });
    for (let i = 0; i < m1.map.data.length; i++) expect(m8.map.data[i]).toBeCloseTo(m1.map.data[i], 5);
  });
});
