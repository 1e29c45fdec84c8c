/**
 * true when axial slice z of an image holds one value only: zero padding (or a slice the resampled
 * follow-up does not reach) that shows nothing worth a tile.
 */
export function isBlankSlice(image: ArrayLike<number>, dims: readonly [number, number, number], z: number): boolean {
  const plane = dims[0] * dims[1];
  const first = image[z * plane];
  for (let i = z * plane + 1, end = (z + 1) * plane; i < end; i++) if (image[i] !== first) return false;
  return true;
}

/**
 * Axial slice indices that contain change (non-zero ternary voxels), ascending; slices blank in any of
 * `images` (padding) are left out.
 */
export function slicesWithChange(
  ternary: Float32Array,
  dims: readonly [number, number, number],
  images: ReadonlyArray<ArrayLike<number>> = [],
): number[] {
  const plane = dims[0] * dims[1];
  const out: number[] = [];
  for (let z = 0; z < dims[2]; z++) {
    if (images.some((im) => isBlankSlice(im, dims, z))) continue;
    const end = (z + 1) * plane;
    for (let i = z * plane; i < end; i++) {
      if (ternary[i] !== 0) {
        out.push(z);
        break;
      }
    }
  }
  return out;
}

/**
 * Up to `max` slices for an overview: evenly spread over the slices with change, or, without change,
 * over the central 80 % of the volume; slices blank in any of `images` are skipped.
 */
export function selectSlices(
  ternary: Float32Array,
  dims: readonly [number, number, number],
  max: number,
  images: ReadonlyArray<ArrayLike<number>> = [],
): number[] {
  const changed = slicesWithChange(ternary, dims, images);
  const pool =
    changed.length > 0
      ? changed
      : Array.from({ length: dims[2] }, (_, z) => z)
          .slice(Math.floor(dims[2] * 0.1), Math.ceil(dims[2] * 0.9))
          .filter((z) => !images.some((im) => isBlankSlice(im, dims, z)));
  const candidates = pool.length > 0 ? pool : [Math.floor(dims[2] / 2)];
  if (candidates.length <= max) return candidates;
  const picked = new Set<number>();
  for (let k = 0; k < max; k++)
    picked.add(candidates[Math.round((k * (candidates.length - 1)) / (max - 1 || 1))]);
  return [...picked].sort((a, b) => a - b);
}
