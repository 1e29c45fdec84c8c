/**
 * A 3D scalar volume. `data` is x-fastest (NIfTI order): index = x + dims[0]*(y + dims[1]*z).
 * `affine` is the 4×4 voxel→world (RAS+ mm) matrix, row-major, 16 numbers.
 */
export interface Volume {
  data: Float32Array;
  dims: [number, number, number];
  spacing: [number, number, number];
  affine: number[];
}

export type Vec3 = [number, number, number];
