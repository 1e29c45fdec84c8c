import type { Volume } from '@anet/contracts';

/** Volume of one voxel in mL (spacing in mm: mm³ / 1000). */
export function voxelVolumeMl(spacing: readonly [number, number, number]): number {
  return (Math.abs(spacing[0]) * Math.abs(spacing[1]) * Math.abs(spacing[2])) / 1000;
}

export interface TernaryCounts {
  growthVoxels: number;
  reductionVoxels: number;
  /** Net change Σ ternary = growth − reduction. */
  voxels: number;
}

export function countTernary(ternary: Int8Array): TernaryCounts {
  let growth = 0;
  let reduction = 0;
  for (let i = 0; i < ternary.length; i++) {
    const v = ternary[i];
    if (v > 0) growth++;
    else if (v < 0) reduction++;
  }
  return { growthVoxels: growth, reductionVoxels: reduction, voxels: growth - reduction };
}

/** Voxels of a 0/1 mask (anything > 0.5 counts; label maps with several labels count every label). */
export function maskVoxels(mask: Volume): number {
  let n = 0;
  const d = mask.data;
  for (let i = 0; i < d.length; i++) if (d[i] > 0.5) n++;
  return n;
}
