import { describe, expect, it } from 'vitest';
import { AnetError } from './AnetError';
import { PROFILES, resolveTrainConfig, TrainConfigSchema } from './trainConfig';

describe('resolveTrainConfig', () => {
  it('validates every profile and keeps paper = the published method', () => {
    for (const p of Object.values(PROFILES)) expect(TrainConfigSchema.safeParse(p).success).toBe(true);
    const c = resolveTrainConfig('paper');
    expect(c.grid).toEqual([256, 256, 128]);
    expect(c.epochs).toBe(1000);
    expect(c.schedule).toEqual({ criticIters: 5, criticItersBoost: 100, warmupEpochs: 25, boostEvery: 100 });
    expect(c.generatorAdam).toMatchObject({ lr: 1e-4, beta1: 0, beta2: 0.9 });
    expect(c.gpWeight).toBe(10);
    expect(c.noiseSquare.phases.map((p) => p.untilFraction)).toEqual([0.4, 0.6, 0.8]);
  });
  it('deep-merges overrides without touching the preset', () => {
    const c = resolveTrainConfig('cpu', {
      epochs: 7,
      generator: { base: 8 },
      noiseSquare: { enabled: false },
    });
    expect(c.epochs).toBe(7);
    expect(c.generator.base).toBe(8);
    expect(c.generator.levels).toBe(PROFILES.cpu.generator.levels);
    expect(c.noiseSquare.enabled).toBe(false);
    expect(c.noiseSquare.size).toBe(PROFILES.cpu.noiseSquare.size);
    expect(PROFILES.cpu.generator.base).not.toBe(8);
  });
  it('throws PROFILE_UNKNOWN and CONFIG_INVALID', () => {
    expect(() => resolveTrainConfig('gpu')).toThrow(AnetError);
    try {
      resolveTrainConfig('gpu');
    } catch (e) {
      expect((e as AnetError).code).toBe('PROFILE_UNKNOWN');
    }
    const bad = [
      { epochs: 0 },
      { grid: [30, 32, 8] as [number, number, number] },
      { batch: 1.5 },
      { critic: { widths: [4, 8] } },
    ];
    for (const o of bad) {
      try {
        resolveTrainConfig('smoke', o);
        expect.unreachable();
      } catch (e) {
        expect((e as AnetError).code).toBe('CONFIG_INVALID');
      }
    }
    expect(() => resolveTrainConfig('smoke', { nope: 1 } as never)).toThrow(/nope|unrecognized/i);
  });
});
