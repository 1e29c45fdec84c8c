import { describe, expect, it } from 'vitest';
import type { Volume } from '@anet/contracts';
import {
  assertUsableAffine,
  fromCanonical,
  orientationLetters,
  reorientationOf,
  toCanonical,
} from './orientation';
import { makePhantomPair } from './phantom';
import { preprocessPair } from './preprocessPair';
import { restore } from './__tests__/restore';

type V3 = [number, number, number];

/** World position of voxel (i, j, k). */
function world(v: Pick<Volume, 'affine'>, i: number, j: number, k: number): V3 {
  const a = v.affine;
  return [0, 1, 2].map((r) => a[r * 4]! * i + a[r * 4 + 1]! * j + a[r * 4 + 2]! * k + a[r * 4 + 3]!) as V3;
}

const ph = makePhantomPair({ seed: 3, dims: [40, 36, 20], change: 1.8, noise: 0.01 });
// The phantom's own affine is a diagonal (RAS); make the baseline LPS as DICOM converters write it.
const lps = restore(ph.baseline, [0, 1, 2], [true, true, false]);

describe('orientation', () => {
  it('names the stored orientation from the affine', () => {
    expect(orientationLetters(ph.baseline)).toBe('RAS');
    expect(orientationLetters(lps)).toBe('LPS');
    expect(orientationLetters(restore(ph.baseline, [2, 0, 1], [false, true, false]))).toBe('SLA');
  });

  it('toCanonical keeps every voxel at its world position, and fromCanonical undoes it exactly', () => {
    for (const [perm, flip] of [
      [
        [0, 1, 2],
        [true, true, false],
      ],
      [
        [2, 0, 1],
        [false, true, true],
      ],
      [
        [1, 2, 0],
        [true, false, true],
      ],
    ] as Array<[V3, [boolean, boolean, boolean]]>) {
      const stored = restore(ph.baseline, perm, flip);
      const { volume: c, reorientation } = toCanonical(stored);
      expect(c.dims).toEqual(ph.baseline.dims);
      expect(Array.from(c.data)).toEqual(Array.from(ph.baseline.data));
      for (const [i, j, k] of [
        [0, 0, 0],
        [5, 7, 3],
        [39, 35, 19],
      ])
        expect(world(c, i!, j!, k!)).toEqual(world(ph.baseline, i!, j!, k!).map((x) => expect.closeTo(x, 9)));
      const back = fromCanonical(c, reorientation, stored.affine);
      expect(back.dims).toEqual(stored.dims);
      expect(Array.from(back.data)).toEqual(Array.from(stored.data));
      expect(reorientationOf(stored).axis).toEqual(reorientation.axis);
    }
  });

  it('refuses an affine that cannot place voxels in the world', () => {
    expect(() => assertUsableAffine([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 'followup')).toThrow(
      expect.objectContaining({ code: 'NIFTI_BAD_HEADER', message: expect.stringMatching(/^followup: /) }),
    );
    expect(() => assertUsableAffine([NaN, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], 'baseline')).toThrow(
      expect.objectContaining({ code: 'NIFTI_BAD_HEADER' }),
    );
  });

  it('the same pair stored LPS, RAS or with permuted axes preprocesses to the same working volumes', () => {
    const grid: V3 = [32, 32, 16];
    const ref = preprocessPair(ph.baseline, ph.followup, { grid });
    for (const [perm, flip] of [
      [
        [0, 1, 2],
        [true, true, false],
      ], // LPS
      [
        [1, 0, 2],
        [false, false, false],
      ], // x/y swapped
      [
        [2, 1, 0],
        [false, true, true],
      ], // slices first
    ] as Array<[V3, [boolean, boolean, boolean]]>) {
      // baseline and follow-up stored differently from each other too
      const b = restore(ph.baseline, perm, flip);
      const f = restore(ph.followup, [0, 1, 2], [true, false, false]);
      const p = preprocessPair(b, f, { grid });
      expect(Array.from(p.baseline.data)).toEqual(Array.from(ref.baseline.data));
      expect(Array.from(p.followup.data)).toEqual(Array.from(ref.followup.data));
    }
  });
});
