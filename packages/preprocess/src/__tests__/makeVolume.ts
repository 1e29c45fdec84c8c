import type { Volume } from '@anet/contracts';

export type V3 = [number, number, number];

/** A synthetic volume from a formula (x fastest), identity-scaled affine. */
export function makeVolume(
  dims: V3,
  f: (x: number, y: number, z: number) => number,
  spacing: V3 = [1, 1, 1],
): Volume {
  const [X, Y, Z] = dims;
  const data = new Float32Array(X * Y * Z);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++) for (let x = 0; x < X; x++) data[x + X * (y + Y * z)] = f(x, y, z);
  const affine = [spacing[0], 0, 0, -7, 0, spacing[1], 0, 3, 0, 0, spacing[2], 11, 0, 0, 0, 1];
  return { data, dims, spacing, affine };
}

export const at = (v: Volume, x: number, y: number, z: number): number =>
  v.data[x + v.dims[0] * (y + v.dims[1] * z)];
