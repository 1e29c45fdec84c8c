import { MODIFIED_RANO_THRESHOLDS, RANO2_VOLUMETRIC_THRESHOLDS } from '@anet/contracts';
import { describe, expect, it } from 'vitest';
import { classifyRano } from './rano';

const mod = (baselineMl: number | null, changeMl: number, growthMl = Math.max(changeMl, 0)) =>
  classifyRano(
    { baselineMl, changeMl, growthMl },
    MODIFIED_RANO_THRESHOLDS,
    'modified-rano-strack-2023',
    0.1,
  );
const r2 = (baselineMl: number, changeMl: number) =>
  classifyRano(
    { baselineMl, changeMl, growthMl: 0 },
    RANO2_VOLUMETRIC_THRESHOLDS,
    'rano-2.0-volumetric',
    0.1,
  );

describe('classifyRano', () => {
  it('applies the modified-RANO cut-offs: < −50 % response, ≥ +25 % progression', () => {
    expect(mod(8, 2).class).toBe('progression'); // exactly +25 %
    expect(mod(8, 2).percentChange).toBe(25);
    expect(mod(8, 1.99).class).toBe('stable');
    expect(mod(8, -4).class).toBe('stable'); // exactly −50 %
    expect(mod(8, -4.01).class).toBe('response');
    expect(mod(0.003, 0.00075).class).toBe('progression'); // +25 % through float products
  });
  it('applies RANO 2.0 volumetric cut-offs and labels them', () => {
    expect(r2(10, 3.9).class).toBe('stable');
    expect(r2(10, 4).class).toBe('progression');
    expect(r2(10, -6.5).class).toBe('stable');
    expect(r2(10, -6.6).class).toBe('response');
    expect(r2(10, 0).label).toBe('RANO 2.0 volumetric');
    expect(r2(10, 0).thresholds).toEqual({ responseBelowPercent: -65, progressionAtLeastPercent: 40 });
  });
  it('is indeterminate without a baseline volume', () => {
    const a = mod(null, 5);
    expect(a.class).toBe('indeterminate');
    expect(a.percentChange).toBeNull();
    expect(a.reason).toMatch(/baseline/);
  });
  it('calls new enhancement on a zero baseline progression only above the noise floor', () => {
    expect(mod(0, 0.5).class).toBe('progression');
    expect(mod(0, 0.5).percentChange).toBeNull();
    expect(mod(0, 0.05).class).toBe('stable');
    expect(mod(0, 0.1).class).toBe('stable');
  });
  it('clamps a reduction larger than the baseline at −100 %', () => {
    const a = mod(2, -5, 0);
    expect(a.percentChange).toBe(-100);
    expect(a.class).toBe('response');
    expect(a.reason).toMatch(/set to 0/);
  });
});
