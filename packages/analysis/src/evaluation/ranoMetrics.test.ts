import { describe, expect, it } from 'vitest';
import { ranoMetrics } from './ranoMetrics';

describe('ranoMetrics', () => {
  it('is perfect when every class is right', () => {
    const m = ranoMetrics(['response', 'stable', 'progression'], ['response', 'stable', 'progression']);
    expect(m).toMatchObject({ n: 3, accuracy: 1, sensitivity: 1, specificity: 1 });
  });
  it('micro-averages one-vs-rest: specificity = (1 + a) / 2 for accuracy a with three classes', () => {
    // 2 of 4 right: a = 0.5 → sensitivity 0.5, specificity 0.75
    const m = ranoMetrics(
      ['stable', 'progression', 'progression', 'response'],
      ['stable', 'progression', 'stable', 'progression'],
    );
    expect(m.accuracy).toBe(0.5);
    expect(m.sensitivity).toBe(0.5);
    expect(m.specificity).toBe(0.75);
    expect(m.confusion.progression).toEqual({ progression: 1, stable: 1 });
  });
  it('counts indeterminate as wrong without a false positive', () => {
    const m = ranoMetrics(['stable'], ['indeterminate']);
    expect(m.accuracy).toBe(0);
    expect(m.sensitivity).toBe(0);
    expect(m.specificity).toBe(1);
  });
});
