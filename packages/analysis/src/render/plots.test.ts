import { describe, expect, it } from 'vitest';
import { decodePng } from './canvas';
import { dataRange, formatTick, niceTicks } from './plotPanel';
import { renderRocCurve } from './renderRocCurve';
import { movingAverage, renderTrainingCurve } from './renderTrainingCurve';

function countColour(png: Uint8Array, pred: (r: number, g: number, b: number) => boolean): number {
  const img = decodePng(png);
  let n = 0;
  for (let i = 0; i < img.data.length; i += 4) if (pred(img.data[i], img.data[i + 1], img.data[i + 2])) n++;
  return n;
}

describe('plot helpers', () => {
  it('picks 1-2-5 ticks covering the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-4.8, 0.3)).toEqual([-4, -2, 0]);
    expect(niceTicks(3, 3)).toEqual([3]);
    expect(formatTick(0.30000000000000004)).toBe('0.3');
    expect(formatTick(25000)).toBe('3E4');
  });
  it('pads the finite data range and ignores NaN', () => {
    expect(dataRange([{ xs: [0, 1, 2], ys: [0, NaN, 10], colour: [0, 0, 0] }])).toEqual([-0.5, 10.5]);
    expect(dataRange([])).toEqual([0, 1]);
  });
  it('averages over a centred window', () => {
    expect(Array.from(movingAverage([1, 2, 3, 4, 5], 3))).toEqual([1.5, 2, 3, 4, 4.5]);
    expect(Array.from(movingAverage([1, NaN, 3], 3))).toEqual([1, 2, 3]);
  });
});

describe('renderTrainingCurve', () => {
  it('draws the four loss panels in their colours', () => {
    const epoch = Array.from({ length: 120 }, (_, i) => i + 1);
    const png = renderTrainingCurve({
      epoch,
      critic: epoch.map((e) => -5 / e),
      generator: epoch.map((e) => 1 + 1 / e),
      gp: epoch.map((e) => Math.exp(-e / 20)),
      wasserstein: epoch.map((e) => 5 / e),
    });
    const img = decodePng(png);
    expect(img.width).toBeGreaterThan(1000);
    expect(countColour(png, (r, g, b) => r > 180 && g < 80 && b < 80)).toBeGreaterThan(100); // critic red
    expect(countColour(png, (r, g, b) => b > 180 && r < 60 && g < 120)).toBeGreaterThan(100); // generator blue
  });
  it('copes with an empty or one-epoch history', () => {
    expect(
      decodePng(renderTrainingCurve({ epoch: [], critic: [], generator: [], gp: [], wasserstein: [] })).width,
    ).toBeGreaterThan(0);
    expect(
      decodePng(renderTrainingCurve({ epoch: [1], critic: [1], generator: [2], gp: [0], wasserstein: [NaN] }))
        .width,
    ).toBeGreaterThan(0);
  });
});

describe('renderRocCurve', () => {
  it('draws each curve and its legend', () => {
    const fpr = [0, 0.1, 0.5, 1];
    const png = renderRocCurve([
      { label: 'GROWTH', fpr, tpr: [0, 0.5, 0.9, 1], auc: 0.8 },
      { label: 'REDUCTION', fpr, tpr: [0, 0.3, 0.7, 1] },
    ]);
    expect(decodePng(png).height).toBeGreaterThan(640);
    expect(countColour(png, (r, g, b) => r > 200 && g < 90 && b < 60)).toBeGreaterThan(200);
    expect(countColour(png, (r, g, b) => b > 200 && r < 60)).toBeGreaterThan(200);
  });
});
