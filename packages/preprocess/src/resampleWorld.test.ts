import { describe, expect, it } from 'vitest';
import { makePhantomPair } from './phantom';
import { invertAffine, resampleWorld } from './resampleWorld';
import { matMul4 } from './orientation';

const ph = makePhantomPair({ seed: 9, dims: [24, 20, 10], change: 1, noise: 0.01 });
const v = ph.baseline;

describe('resampleWorld', () => {
  it('is the identity on the volume’s own grid', () => {
    expect(Array.from(resampleWorld(v, v).data)).toEqual(Array.from(v.data));
  });

  it('a world translation by whole voxels shifts the data exactly', () => {
    const sx = v.affine[0]!;
    const t = [1, 0, 0, 2 * sx, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]; // target world → source world: +2 voxels in x
    const out = resampleWorld(v, v, { worldTransform: t });
    const [X, Y] = v.dims;
    for (const [x, y, z] of [
      [3, 4, 5],
      [10, 10, 2],
    ])
      expect(out.data[x! + X * (y! + Y * z!)]).toBe(v.data[x! + 2 + X * (y! + Y * z!)]);
    // the last two columns came from outside the source (beyond half a voxel): 0
    expect(out.data[X - 1]).toBe(0);
  });

  it('inverts: there and back again equals the original away from the border (interpolation only)', () => {
    const th = (7 * Math.PI) / 180;
    // about the grid centre, in world coordinates
    const c = [0, 1].map((w) => v.affine[w * 4 + 3]! + v.affine[w * 4 + w]! * ((v.dims[w]! - 1) / 2));
    const R = [Math.cos(th), -Math.sin(th), Math.sin(th), Math.cos(th)];
    const t = [R[0]!, R[1]!, 0, 0, R[2]!, R[3]!, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
    t[3] = c[0]! - (R[0]! * c[0]! + R[1]! * c[1]!);
    t[7] = c[1]! - (R[2]! * c[0]! + R[3]! * c[1]!);
    const there = resampleWorld(v, v, { worldTransform: t });
    const back = resampleWorld(there, v, { worldTransform: invertAffine(t) });
    expect(matMul4(t, invertAffine(t))[3]).toBeCloseTo(0, 12);
    const [X, Y, Z] = v.dims;
    let err = 0;
    let n = 0;
    for (let z = 0; z < Z; z++)
      for (let y = 6; y < Y - 6; y++)
        for (let x = 6; x < X - 6; x++) {
          const i = x + X * (y + Y * z);
          err += Math.abs(back.data[i]! - v.data[i]!);
          n++;
        }
    let range = 0;
    for (const x of v.data) range = Math.max(range, Math.abs(x));
    expect(err / n / range).toBeLessThan(0.05);
  });
});
