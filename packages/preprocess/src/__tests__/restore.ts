import type { Volume } from '@anet/contracts';

type V3 = [number, number, number];

/**
 * The same image stored another way: `perm[n]` = which original axis becomes stored axis n, `flip[n]`
 * reverses it. Voxel values and world positions are unchanged; only the storage order and affine differ.
 */
export function restore(v: Volume, perm: V3, flip: [boolean, boolean, boolean]): Volume {
  const dims = perm.map((p) => v.dims[p]!) as V3;
  const [X, Y] = v.dims;
  const data = new Float32Array(v.data.length);
  const src = [0, 0, 0];
  let o = 0;
  for (let k = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++, o++) {
        const idx = [i, j, k];
        for (let n = 0; n < 3; n++) src[perm[n]] = flip[n] ? dims[n] - 1 - idx[n]! : idx[n]!;
        data[o] = v.data[src[0]! + X * (src[1]! + Y * src[2]!)]!;
      }
  // stored (i,j,k) → original index → world: A · P, P[perm[n]][n] = ±1 with offset for flips.
  const P = new Array<number>(16).fill(0);
  P[15] = 1;
  for (let n = 0; n < 3; n++) {
    P[perm[n] * 4 + n] = flip[n] ? -1 : 1;
    if (flip[n]) P[perm[n] * 4 + 3] = dims[n] - 1;
  }
  const affine = new Array<number>(16).fill(0);
  for (let r = 0; r < 4; r++)
    for (let c = 0; c < 4; c++)
      for (let q = 0; q < 4; q++) affine[r * 4 + c]! += v.affine[r * 4 + q]! * P[q * 4 + c]!;
  const spacing = [0, 1, 2].map((j) => Math.hypot(affine[j]!, affine[4 + j]!, affine[8 + j]!)) as V3;
  return { data, dims, spacing, affine };
}
