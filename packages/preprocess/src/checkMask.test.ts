import { describe, expect, it } from 'vitest';
import type { Volume } from '@anet/contracts';
import { checkMask } from './checkMask';
import { makePhantomPair } from './phantom';

const ph = makePhantomPair({ seed: 5, dims: [32, 32, 12], change: 1.5, noise: 0.01 });
const scan = ph.baseline;
const brain = ph.baselineBrainMask;
const opts = { part: 'baselineBrainMask', kind: 'brain' as const };
const code = (c: string, part = 'baselineBrainMask') =>
  expect.objectContaining({ code: c, details: { part }, message: expect.stringContaining(part) });

describe('checkMask', () => {
  it('accepts a 0/1 mask on its scan grid and returns it as 0/1', () => {
    const m = checkMask(brain, scan, opts);
    expect(m.dims).toEqual(scan.dims);
    expect(new Set(m.data)).toEqual(new Set([0, 1]));
  });

  it('refuses an MRI passed as a mask', () => {
    expect(() => checkMask(scan, scan, opts)).toThrow(code('MASK_INVALID'));
  });

  it('refuses a mask on another grid or with another affine', () => {
    const other: Volume = { ...brain, dims: [32, 12, 32] };
    expect(() => checkMask(other, scan, opts)).toThrow(code('MASK_GRID_MISMATCH'));
    const moved = { ...brain, affine: brain.affine.map((v, i) => (i === 3 ? v + 5 : v)) };
    expect(() => checkMask(moved, scan, opts)).toThrow(code('MASK_GRID_MISMATCH'));
    const flipped = { ...brain, affine: brain.affine.map((v, i) => (i === 0 ? -v : v)) };
    expect(() => checkMask(flipped, scan, opts)).toThrow(code('MASK_GRID_MISMATCH'));
  });

  it('refuses an empty brain mask and one that covers the whole field of view', () => {
    const empty = { ...brain, data: new Float32Array(brain.data.length) };
    expect(() => checkMask(empty, scan, opts)).toThrow(code('MASK_INVALID'));
    const full = { ...brain, data: new Float32Array(brain.data.length).fill(1) };
    expect(() => checkMask(full, scan, opts)).toThrow(code('MASK_INVALID'));
  });

  it('accepts an empty tumour mask (no enhancing tumour) but not a huge one', () => {
    const empty = { ...brain, data: new Float32Array(brain.data.length) };
    expect(checkMask(empty, scan, { part: 'baselineMask', kind: 'tumour' }).data.some((v) => v)).toBe(false);
    const third = { ...brain, data: brain.data.map((_, i) => (i % 3 === 0 ? 1 : 0)) };
    expect(() => checkMask(third, scan, { part: 'baselineMask', kind: 'tumour' })).toThrow(
      code('MASK_INVALID', 'baselineMask'),
    );
  });

  it('takes a label map only with a stated label', () => {
    const labels = { ...brain, data: brain.data.map((v, i) => (v ? 1 + (i % 3) : 0)) };
    expect(() => checkMask(labels, scan, opts)).toThrow(code('MASK_INVALID'));
    const m = checkMask(labels, scan, { ...opts, label: 2 });
    const n = m.data.reduce((s, v) => s + v, 0);
    expect(n).toBe(labels.data.filter((v) => v === 2).length);
    expect(n).toBeGreaterThan(0);
  });
});
