import { describe, expect, it } from 'vitest';
import { lcg } from '../__tests__/volumes';
import { rocAuc, rocCurve } from './rocAuc';

/** O(P·N) definition: mean over all positive/negative pairs of [s⁺ > s⁻] + ½[s⁺ = s⁻]. */
function pairwiseAuc(s: ArrayLike<number>, l: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < s.length; i++)
    for (let j = 0; j < s.length; j++)
      if (l[i] && !l[j]) {
        sum += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
        n++;
      }
  return sum / n;
}

describe('rocAuc', () => {
  it('is 1 for perfect separation, 0 for inverted, 0.5 for all ties', () => {
    const l = Uint8Array.from([0, 0, 1, 1]);
    expect(rocAuc(Float32Array.from([0, 1, 2, 3]), l)).toBe(1);
    expect(rocAuc(Float32Array.from([3, 2, 1, 0]), l)).toBe(0);
    expect(rocAuc(Float32Array.from([5, 5, 5, 5]), l)).toBe(0.5);
  });
  it('counts ties as half (closed form)', () => {
    // positives 1, 2; negatives 1, 0 → pairs: (1>1? tie .5) (1>0 1) (2>1 1) (2>0 1) = 3.5/4
    expect(rocAuc(Float32Array.from([1, 2, 1, 0]), Uint8Array.from([1, 1, 0, 0]))).toBe(0.875);
  });
  it('matches the pairwise definition on random data with many ties', () => {
    const r = lcg(11);
    for (let t = 0; t < 5; t++) {
      const s = Float32Array.from({ length: 300 }, () => Math.round(r() * 20) / 4);
      const l = Uint8Array.from({ length: 300 }, () => (r() < 0.3 ? 1 : 0));
      expect(rocAuc(s, l)).toBeCloseTo(pairwiseAuc(s, l), 12);
    }
  });
  it('is NaN without positives or negatives', () => {
    expect(rocAuc(Float32Array.from([1, 2]), Uint8Array.from([0, 0]))).toBeNaN();
    expect(rocAuc(Float32Array.from([1, 2]), Uint8Array.from([1, 1]))).toBeNaN();
  });
});

describe('rocCurve', () => {
  it('runs from (0,0) to (1,1) and its trapezoid area equals the AUC', () => {
    const r = lcg(5);
    const s = Float32Array.from({ length: 500 }, () => Math.round(r() * 30));
    const l = Uint8Array.from(s, (v) => (r() < v / 40 ? 1 : 0));
    const c = rocCurve(s, l);
    expect([c.fpr[0], c.tpr[0]]).toEqual([0, 0]);
    expect([c.fpr[c.fpr.length - 1], c.tpr[c.tpr.length - 1]]).toEqual([1, 1]);
    let area = 0;
    for (let k = 1; k < c.fpr.length; k++)
      area += ((c.fpr[k] - c.fpr[k - 1]) * (c.tpr[k] + c.tpr[k - 1])) / 2;
    expect(area).toBeCloseTo(c.auc, 12);
    expect(c.auc).toBeCloseTo(rocAuc(s, l), 12);
  });
  it('thins long curves to maxPoints keeping both ends', () => {
    const s = Float32Array.from({ length: 5000 }, (_, i) => i);
    const l = Uint8Array.from(s, (_, i) => i % 2);
    const c = rocCurve(s, l, 101);
    expect(c.fpr).toHaveLength(101);
    expect(c.fpr[100]).toBe(1);
    expect(c.tpr[0]).toBe(0);
  });
});
