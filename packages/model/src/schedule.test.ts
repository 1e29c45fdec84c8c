import { describe, expect, it } from 'vitest';
import { resolveTrainConfig } from '@anet/contracts';
import { criticItersFor, noiseCentreFor, snapshotEpochs, totalCriticIters } from './schedule';

describe('paper schedule', () => {
  const paper = resolveTrainConfig('paper');
  it('gives 965×5 + 35×100 critic updates over 1000 epochs', () => {
    let boosted = 0;
    for (let e = 1; e <= 1000; e++) if (criticItersFor(e, paper) === 100) boosted++;
    expect(boosted).toBe(35);
    expect(totalCriticIters(paper)).toBe(965 * 5 + 35 * 100);
    expect(criticItersFor(25, paper)).toBe(100);
    expect(criticItersFor(26, paper)).toBe(5);
    expect(criticItersFor(100, paper)).toBe(100);
    expect(criticItersFor(101, paper)).toBe(5);
  });
  it('moves the noise square 50% → 35% at 40% → 65% at 60% → off at 80%, snapshots at each change and the end', () => {
    expect(noiseCentreFor(1, paper)).toEqual([0.5, 0.5]);
    expect(noiseCentreFor(400, paper)).toEqual([0.5, 0.5]);
    expect(noiseCentreFor(401, paper)).toEqual([0.35, 0.35]);
    expect(noiseCentreFor(601, paper)).toEqual([0.65, 0.65]);
    expect(noiseCentreFor(800, paper)).toEqual([0.65, 0.65]);
    expect(noiseCentreFor(801, paper)).toBeNull();
    expect(snapshotEpochs(paper)).toEqual([400, 600, 800, 1000]);
  });
  it('scales with the epoch count and drops the square when disabled', () => {
    const c = resolveTrainConfig('cpu', { epochs: 50 });
    expect(snapshotEpochs(c)).toEqual([20, 30, 40, 50]);
    const off = resolveTrainConfig('cpu', { epochs: 50, noiseSquare: { enabled: false } });
    expect(snapshotEpochs(off)).toEqual([50]);
    expect(noiseCentreFor(1, off)).toBeNull();
  });
});
