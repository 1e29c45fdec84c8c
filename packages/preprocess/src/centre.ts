import type { Volume } from '@anet/contracts';

type Vec3 = [number, number, number];

/** Centre of mass (voxel coordinates) of the non-negative weights in `vol`; null when all zero. */
export function centreOfMass(vol: Volume): Vec3 | null {
  const [X, Y, Z] = vol.dims;
  const d = vol.data;
  let sw = 0;
  let sx = 0;
  let sy = 0;
  let sz = 0;
  let i = 0;
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++, i++) {
        const w = d[i];
        if (w <= 0) continue;
        sw += w;
        sx += w * x;
        sy += w * y;
        sz += w * z;
      }
  return sw > 0 ? [sx / sw, sy / sw, sz / sw] : null;
}

/** The integer shift that moves the foreground's centre of mass nearest to the grid centre. */
export function centringShift(foreground: Volume): Vec3 {
  const com = centreOfMass(foreground);
  if (!com) return [0, 0, 0];
  return [0, 1, 2].map((a) => Math.round((foreground.dims[a] - 1) / 2 - com[a]) + 0) as Vec3;
}

/**
 * Integer shift with zero fill: out[p] = in[p − shift]. Lossless (no interpolation) and undone by the
 * opposite shift wherever nothing left the grid.
 */
export function shiftVolume(vol: Volume, shift: Vec3): Volume {
  const [X, Y, Z] = vol.dims;
  const [sx, sy, sz] = shift;
  const out = new Float32Array(vol.data.length);
  const x0 = Math.max(0, sx);
  const x1 = Math.min(X, X + sx);
  if (x1 > x0) {
    for (let z = Math.max(0, sz); z < Math.min(Z, Z + sz); z++)
      for (let y = Math.max(0, sy); y < Math.min(Y, Y + sy); y++) {
        const dst = X * (y + Y * z);
        const src = X * (y - sy + Y * (z - sz));
        out.set(vol.data.subarray(src + x0 - sx, src + x1 - sx), dst + x0);
      }
  }
  // Voxel p of the output shows what voxel p − shift showed: fold that into the affine.
  const a = vol.affine;
  const affine = a.slice();
  for (let r = 0; r < 3; r++)
    affine[r * 4 + 3] = a[r * 4 + 3] - (a[r * 4] * sx + a[r * 4 + 1] * sy + a[r * 4 + 2] * sz);
  return { ...vol, data: out, affine };
}

/** Moves the foreground's centre of mass to the grid centre (integer shift); returns the shift. */
export function centreVolume(vol: Volume, foreground: Volume): { volume: Volume; shift: Vec3 } {
  const shift = centringShift(foreground);
  return { volume: shiftVolume(vol, shift), shift };
}
