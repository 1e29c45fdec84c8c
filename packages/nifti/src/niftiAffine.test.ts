import { describe, expect, it } from 'vitest';
import { affineSpacing, affineToQuaternion, niftiAffine, quaternToAffine } from './niftiAffine';

/** Rotation matrix from Euler angles (x, then y, then z), row-major 3×3. */
function rotation(ax: number, ay: number, az: number): number[][] {
  const [cx, sx, cy, sy, cz, sz] = [
    Math.cos(ax),
    Math.sin(ax),
    Math.cos(ay),
    Math.sin(ay),
    Math.cos(az),
    Math.sin(az),
  ];
  const rx = [
    [1, 0, 0],
    [0, cx, -sx],
    [0, sx, cx],
  ];
  const ry = [
    [cy, 0, sy],
    [0, 1, 0],
    [-sy, 0, cy],
  ];
  const rz = [
    [cz, -sz, 0],
    [sz, cz, 0],
    [0, 0, 1],
  ];
  const mul = (a: number[][], b: number[][]) =>
    a.map((r) => [0, 1, 2].map((j) => r[0] * b[0][j] + r[1] * b[1][j] + r[2] * b[2][j]));
  return mul(rz, mul(ry, rx));
}

function affineOf(r: number[][], zooms: number[], flip: boolean, t: number[]): number[] {
  const z = [zooms[0], zooms[1], flip ? -zooms[2] : zooms[2]];
  return [0, 1, 2]
    .flatMap((i) => [r[i][0] * z[0], r[i][1] * z[1], r[i][2] * z[2], t[i]])
    .concat([0, 0, 0, 1]);
}

describe('qform quaternion ↔ affine', () => {
  it('identity quaternion is the pixdim diagonal plus offset', () => {
    expect(quaternToAffine([0, 0, 0], [1, 2, 3], [1, 0.5, 0.75, 2])).toEqual([
      0.5, 0, 0, 1, 0, 0.75, 0, 2, 0, 0, 2, 3, 0, 0, 0, 1,
    ]);
  });

  // Angles cover the a > 0.5 branch and the near-180° branches of nifti_mat44_to_quatern.
  const cases: Array<[number, number, number, boolean]> = [
    [0.1, -0.2, 0.3, false],
    [0.1, -0.2, 0.3, true],
    [Math.PI, 0, 0, false],
    [0, Math.PI, 0, true],
    [0, 0, Math.PI, false],
    [Math.PI * 0.9, 0.3, -2.8, true],
    [2.5, -2.9, 1.9, false],
  ];
  it.each(cases)(
    'affine → quaternion → affine is exact for rotation (%f, %f, %f), flip %s',
    (ax, ay, az, flip) => {
      const aff = affineOf(rotation(ax, ay, az), [0.9, 1.2, 3.3], flip, [10, -20, 30.5]);
      const q = affineToQuaternion(aff);
      expect(q.qfac).toBe(flip ? -1 : 1);
      q.pixdim.forEach((p, i) => expect(p).toBeCloseTo([0.9, 1.2, 3.3][i], 12));
      const back = quaternToAffine(q.quatern, q.qoffset, [q.qfac, ...q.pixdim]);
      back.forEach((x, i) => expect(x).toBeCloseTo(aff[i], 10));
    },
  );

  it('the closest rotation is kept for a slightly sheared affine', () => {
    const aff = affineOf(rotation(0.2, 0, 0), [1, 1, 1], false, [0, 0, 0]);
    aff[1] += 1e-4; // shear
    const q = affineToQuaternion(aff);
    const back = quaternToAffine(q.quatern, q.qoffset, [1, ...q.pixdim]);
    back.forEach((x, i) => expect(x).toBeCloseTo(aff[i], 3));
  });

  it('niftiAffine prefers sform, then qform, then pixdim', () => {
    const meta = {
      srow: [2, 0, 0, 1, 0, 2, 0, 2, 0, 0, 2, 3],
      quatern: [0, 0, 1] as [number, number, number], // 180° about z
      qoffset: [5, 6, 7] as [number, number, number],
      pixdim: [1, 1, 1, 1, 1, 1, 1, 1],
    };
    expect(niftiAffine({ ...meta, sformCode: 1, qformCode: 1 })).toEqual([...meta.srow, 0, 0, 0, 1]);
    expect(niftiAffine({ ...meta, sformCode: 0, qformCode: 1 })).toEqual([
      -1, 0, 0, 5, 0, -1, 0, 6, 0, 0, 1, 7, 0, 0, 0, 1,
    ]);
    expect(niftiAffine({ ...meta, sformCode: 0, qformCode: 0 })).toEqual([
      1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1,
    ]);
  });

  it('affineSpacing is the column norms', () => {
    expect(affineSpacing([0, -3, 0, 9, 4, 0, 0, 9, 0, 0, 2, 9, 0, 0, 0, 1])).toEqual([4, 3, 2]);
  });
});
