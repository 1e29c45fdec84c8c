import type { Volume } from '@anet/contracts';

/** A volume whose voxel (x, y, z) holds f(x, y, z); diagonal affine from the spacing. */
export function makeVolume(
  dims: [number, number, number],
  f: (x: number, y: number, z: number) => number = () => 0,
  spacing: [number, number, number] = [1, 1, 1],
): Volume {
  const [X, Y, Z] = dims;
  const data = new Float32Array(X * Y * Z);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++) for (let x = 0; x < X; x++) data[x + X * (y + Y * z)] = f(x, y, z);
  const affine = [spacing[0], 0, 0, 0, 0, spacing[1], 0, 0, 0, 0, spacing[2], 0, 0, 0, 0, 1];
  return { data, dims, spacing, affine };
}

/** 1 inside the axis-aligned box [x0, x1) × [y0, y1) × [z0, z1), else 0. */
export function inBox(x0: number, x1: number, y0: number, y1: number, z0: number, z1: number) {
  return (x: number, y: number, z: number): boolean =>
    x >= x0 && x < x1 && y >= y0 && y < y1 && z >= z0 && z < z1;
}

/** Small deterministic generator for tests (not for imaging code: that uses @anet/preprocess createRng). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
