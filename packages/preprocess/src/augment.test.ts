import { describe, expect, it } from 'vitest';
import type { Volume } from '@anet/contracts';
import {
  randRigidTransform,
  rotationMatrix,
  sampleAugmentedSlice,
  sampleTransformedSlice,
  type RigidTransform,
} from './augment';
import { createRng } from './rng';

function makeVolume(dims: [number, number, number], f: (x: number, y: number, z: number) => number): Volume {
  const [X, Y, Z] = dims;
  const data = new Float32Array(X * Y * Z);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++) for (let x = 0; x < X; x++) data[x + X * (y + Y * z)] = f(x, y, z);
  return { data, dims, spacing: [1, 1, 1], affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] };
}

const identity = (dims: [number, number, number]): RigidTransform => ({
  rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  shift: [0, 0, 0],
  centre: [(dims[0] - 1) / 2, (dims[1] - 1) / 2, (dims[2] - 1) / 2],
});

describe('sampleTransformedSlice', () => {
  const dims: [number, number, number] = [12, 10, 8];
  const vol = makeVolume(dims, (x, y, z) => Math.sin(x) + 10 * y + 100 * z);

  it('with the identity returns the axial slice itself', () => {
    const s = sampleTransformedSlice(vol, identity(dims), 5);
    expect(Array.from(s)).toEqual(Array.from(vol.data.subarray(5 * 120, 6 * 120)));
  });

  it('with an integer shift moves content by that shift and zero-fills', () => {
    const t = { ...identity(dims), shift: [2, 3, 1] as [number, number, number] };
    const s = sampleTransformedSlice(vol, t, 4);
    for (let y = 0; y < 10; y++)
      for (let x = 0; x < 12; x++) {
        const sx = x - 2;
        const sy = y - 3;
        const expected = sx >= 0 && sy >= 0 ? vol.data[sx + 12 * (sy + 10 * 3)] : 0;
        expect(s[x + 12 * y]).toBeCloseTo(expected, 4);
      }
  });

  it('with a 90° rotation about z permutes x and y around the centre', () => {
    const sq: [number, number, number] = [9, 9, 5];
    const v = makeVolume(sq, (x, y, z) => x + 20 * y + 400 * z);
    const t = { ...identity(sq), rotation: rotationMatrix(0, 0, Math.PI / 2) };
    const s = sampleTransformedSlice(v, t, 2);
    // R = [[0,-1,0],[1,0,0],[0,0,1]]: p_src = Rᵀ(p_out − c) + c → (y, 8 − x).
    for (let y = 0; y < 9; y++)
      for (let x = 0; x < 9; x++) expect(s[x + 9 * y]).toBeCloseTo(y + 20 * (8 - x) + 400 * 2, 3);
  });

  it('reproduces a linear field exactly under any rigid transform (trilinear is exact on linear data)', () => {
    const big: [number, number, number] = [24, 20, 16];
    const f = (x: number, y: number, z: number) => 0.5 * x - 0.25 * y + 2 * z + 3;
    const v = makeVolume(big, f);
    const rng = createRng(5);
    for (let trial = 0; trial < 5; trial++) {
      const t = randRigidTransform(big, rng, { maxRotationDeg: 15, maxShiftVox: 3 });
      const zOut = 8;
      const s = sampleTransformedSlice(v, t, zOut);
      const R = t.rotation;
      let checked = 0;
      for (let y = 0; y < big[1]; y++)
        for (let x = 0; x < big[0]; x++) {
          const q = [
            x - t.centre[0] - t.shift[0],
            y - t.centre[1] - t.shift[1],
            zOut - t.centre[2] - t.shift[2],
          ];
          const px = R[0] * q[0] + R[3] * q[1] + R[6] * q[2] + t.centre[0];
          const py = R[1] * q[0] + R[4] * q[1] + R[7] * q[2] + t.centre[1];
          const pz = R[2] * q[0] + R[5] * q[1] + R[8] * q[2] + t.centre[2];
          const inside =
            px >= 0 && py >= 0 && pz >= 0 && px <= big[0] - 1 && py <= big[1] - 1 && pz <= big[2] - 1;
          if (!inside) continue;
          expect(s[x + big[0] * y]).toBeCloseTo(f(px, py, pz), 3);
          checked++;
        }
      expect(checked).toBeGreaterThan(200);
    }
  });

  it('fills an out buffer and rejects a wrong-sized one', () => {
    const out = new Float32Array(120);
    expect(sampleTransformedSlice(vol, identity(dims), 0, out)).toBe(out);
    expect(() => sampleTransformedSlice(vol, identity(dims), 0, new Float32Array(3))).toThrow();
  });
});

describe('randRigidTransform', () => {
  it('draws proper rotations within ±max about each axis and shifts within [0, max]', () => {
    const rng = createRng(1);
    const maxRad = (15 * Math.PI) / 180;
    let maxShift = 0;
    for (let i = 0; i < 500; i++) {
      const t = randRigidTransform([32, 32, 16], rng);
      const R = t.rotation;
      // Orthonormal with determinant +1.
      for (let a = 0; a < 3; a++)
        for (let b = 0; b < 3; b++) {
          const dot = R[a] * R[b] + R[3 + a] * R[3 + b] + R[6 + a] * R[6 + b];
          expect(dot).toBeCloseTo(a === b ? 1 : 0, 10);
        }
      // R = Rz·Ry·Rx: ay = −asin(R[6]), ax = atan2(R[7], R[8]), az = atan2(R[3], R[0]).
      expect(Math.abs(Math.asin(R[6]))).toBeLessThanOrEqual(maxRad + 1e-12);
      expect(Math.abs(Math.atan2(R[7], R[8]))).toBeLessThanOrEqual(maxRad + 1e-12);
      expect(Math.abs(Math.atan2(R[3], R[0]))).toBeLessThanOrEqual(maxRad + 1e-12);
      for (const s of t.shift) {
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThan(10);
        maxShift = Math.max(maxShift, s);
      }
    }
    expect(maxShift).toBeGreaterThan(9.5);
  });
});

describe('sampleAugmentedSlice', () => {
  const dims: [number, number, number] = [32, 28, 12];
  const vol = makeVolume(dims, (x, y, z) => Math.cos(x / 3) * Math.sin(y / 4) + z / 12);

  it('is reproducible for a seed and differs between seeds', () => {
    const a = sampleAugmentedSlice(vol, createRng(123));
    const b = sampleAugmentedSlice(vol, createRng(123));
    const c = sampleAugmentedSlice(vol, createRng(124));
    expect(a.length).toBe(32 * 28);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('with all ranges zero returns the chosen slice exactly', () => {
    const s = sampleAugmentedSlice(vol, createRng(9), {
      maxRotationDeg: 0,
      maxShiftVox: 0,
      maxNoiseSigma: 0,
      sliceIndex: 7,
    });
    expect(Array.from(s)).toEqual(Array.from(vol.data.subarray(7 * 32 * 28, 8 * 32 * 28)));
  });

  it('adds zero-mean Gaussian noise with σ spread over U(0, max) (batchgenerators semantics)', () => {
    const flat = makeVolume([64, 64, 4], () => 0.5);
    const rng = createRng(77);
    const sigmas: number[] = [];
    const out = new Float32Array(64 * 64);
    for (let i = 0; i < 200; i++) {
      sampleAugmentedSlice(flat, rng, { maxRotationDeg: 0, maxShiftVox: 0, maxNoiseSigma: 0.1 }, out);
      let s = 0;
      let s2 = 0;
      for (const v of out) {
        s += v - 0.5;
        s2 += (v - 0.5) ** 2;
      }
      const mean = s / out.length;
      sigmas.push(Math.sqrt(s2 / out.length - mean * mean));
      expect(Math.abs(mean)).toBeLessThan(0.02);
    }
    const meanSigma = sigmas.reduce((p, v) => p + v, 0) / sigmas.length;
    expect(Math.max(...sigmas)).toBeLessThan(0.1 * 1.05);
    expect(Math.min(...sigmas)).toBeLessThan(0.01);
    // E[U(0, 0.1)] = 0.05; the sd of the mean of 200 draws is 0.1/sqrt(12·200) ≈ 0.002.
    expect(Math.abs(meanSigma - 0.05)).toBeLessThan(0.01);
  });

  it('rejects a slice index outside the volume', () => {
    expect(() => sampleAugmentedSlice(vol, createRng(1), { sliceIndex: 12 })).toThrow();
  });
});
