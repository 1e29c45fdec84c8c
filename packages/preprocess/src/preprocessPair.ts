import type { Volume } from '@anet/contracts';
import { AnetError } from '@anet/contracts';
import { applyMask, computeBrainMask } from './brainMask';
import { centringShift, shiftVolume } from './centre';
import { DEFAULT_HISTOGRAM_MATCH, histogramMatch, type HistogramMatchTable } from './histogramMatch';
import { DEFAULT_NORMALIZE, percentiles, scaleIntensityRange } from './normalize';
import {
  invertAxisMap,
  resampleAxisAligned,
  resampleToGrid,
  type AxisMap,
  type Interpolation,
} from './resample';

type Vec3 = [number, number, number];

export interface PreprocessOptions {
  /** Working grid (the paper: 256×256×128). */
  grid: Vec3;
  /** 0/1 brain masks in each scan's own native grid; without one our own mask is computed. */
  baselineBrainMask?: Volume;
  followupBrainMask?: Volume;
  matchPoints?: number;
  histogramLevels?: number;
  lowerPercentile?: number;
  upperPercentile?: number;
  /** Opening radius of our own brain mask (see `computeBrainMask`). */
  openingRadiusMm?: number;
}

/** How one scan went into the working grid. */
export interface ScanRecord {
  dims: Vec3;
  spacing: Vec3;
  affine: number[];
  /** Working voxel → native voxel, centring shift included. */
  map: AxisMap;
  /** Integer centring shift applied in the working grid. */
  shift: Vec3;
  mask: 'supplied' | 'computed';
}

/** Everything needed to map working-grid volumes back to native grids. Plain JSON. */
export interface Preprocessed {
  version: 1;
  grid: Vec3;
  baseline: ScanRecord;
  followup: ScanRecord;
  /** Follow-up → baseline intensity map (ITK HistogramMatchingImageFilter semantics). */
  histogramMatch: HistogramMatchTable;
  /** The baseline's robust percentiles (of its native or working voxels, whichever are fewer), mapped to
   * 0 and 1 in both scans (the follow-up is matched to the baseline). */
  intensity: { lo: number; hi: number; lowerPercentile: number; upperPercentile: number };
}

export interface PreprocessedPair {
  baseline: Volume;
  followup: Volume;
  baselineBrainMask: Volume;
  followupBrainMask: Volume;
  record: Preprocessed;
}

/** A native-grid 0/1 mask into the working grid, exactly as its scan was resampled. */
function maskToGrid(mask: Volume, scan: Volume, grid: Vec3, which: string): Volume {
  if (mask.dims.some((d, a) => d !== scan.dims[a])) {
    throw new AnetError(
      'MASK_GRID_MISMATCH',
      `${which} brain mask is ${mask.dims.join('×')}, its scan is ${scan.dims.join('×')}`,
    );
  }
  // Linear then ≥ 0.5: smoother borders than nearest when the slices are upsampled.
  const r = resampleToGrid(mask, grid, { interpolation: 'linear' }).volume;
  for (let i = 0; i < r.data.length; i++) r.data[i] = r.data[i] >= 0.5 ? 1 : 0;
  return r;
}

/**
 * The paper's preprocessing (DESIGN.md §1), in its order: resample both scans to the working grid
 * (trilinear) → histogram-match follow-up to baseline → normalise to [0, 1] (the baseline's 0.5/99.5
 * percentiles, used for both so the match survives) → centre each brain (its mask's centre of mass to
 * the grid centre, integer shift applied to scan and mask alike) → skull-strip (× mask).
 * Masks (supplied or our own, both in the native grid) are resampled exactly like their scans and
 * shifted with them, so mask and centring share one transform.
 */
export function preprocessPair(
  baseline: Volume,
  followup: Volume,
  opts: PreprocessOptions,
): PreprocessedPair {
  const grid = opts.grid;
  const lowerPercentile = opts.lowerPercentile ?? DEFAULT_NORMALIZE.lowerPercentile;
  const upperPercentile = opts.upperPercentile ?? DEFAULT_NORMALIZE.upperPercentile;

  const rb = resampleToGrid(baseline, grid);
  const rf = resampleToGrid(followup, grid);
  const matched = histogramMatch(rf.volume, rb.volume, {
    histogramLevels: opts.histogramLevels ?? DEFAULT_HISTOGRAM_MATCH.histogramLevels,
    matchPoints: opts.matchPoints ?? DEFAULT_HISTOGRAM_MATCH.matchPoints,
    thresholdAtMeanIntensity: true,
  });
  // Percentiles of the scan itself: the trilinear working copy has the same distribution up to
  // interpolation, so take whichever has fewer voxels (thick-slice natives are ~5× smaller).
  const pctSource = baseline.data.length < rb.volume.data.length ? baseline.data : rb.volume.data;
  const [lo, hi] = percentiles(pctSource, [lowerPercentile, upperPercentile]);
  const nb = scaleIntensityRange(rb.volume, lo, hi);
  const nf = scaleIntensityRange(matched.volume, lo, hi);

  // Our own masks are computed in the native grid (Otsu is intensity-scale free; ~5× fewer voxels than
  // the working grid for thick-slice scans) and then take the supplied masks' path.
  const maskOpts = { openingRadiusMm: opts.openingRadiusMm };
  const mb = maskToGrid(
    opts.baselineBrainMask ?? computeBrainMask(baseline, maskOpts),
    baseline,
    grid,
    'baseline',
  );
  const mf = maskToGrid(
    opts.followupBrainMask ?? computeBrainMask(followup, maskOpts),
    followup,
    grid,
    'follow-up',
  );

  const scan = (
    native: Volume,
    resampled: { map: AxisMap },
    norm: Volume,
    mask: Volume,
    supplied: boolean,
  ) => {
    if (!mask.data.some((v) => v > 0)) {
      // Skull-stripping with an empty mask would train on zeros.
      const which = native === baseline ? 'baseline' : 'follow-up';
      throw new AnetError('VALIDATION_FAILED', `the ${which} brain mask is empty in the working grid`);
    }
    const shift = centringShift(mask);
    const m = shiftVolume(mask, shift);
    const v = applyMask(shiftVolume(norm, shift), m);
    // w → (w − shift) → native: scale·w + (offset − scale·shift).
    const map: AxisMap = {
      scale: [...resampled.map.scale] as Vec3,
      offset: [0, 1, 2].map((a) => resampled.map.offset[a] - resampled.map.scale[a] * shift[a]) as Vec3,
    };
    const record: ScanRecord = {
      dims: [...native.dims] as Vec3,
      spacing: [...native.spacing] as Vec3,
      affine: [...native.affine],
      map,
      shift,
      mask: supplied ? 'supplied' : 'computed',
    };
    return { volume: v, mask: m, record };
  };
  const b = scan(baseline, rb, nb, mb, !!opts.baselineBrainMask);
  const f = scan(followup, rf, nf, mf, !!opts.followupBrainMask);

  return {
    baseline: b.volume,
    followup: f.volume,
    baselineBrainMask: b.mask,
    followupBrainMask: f.mask,
    record: {
      version: 1,
      grid: [...grid] as Vec3,
      baseline: b.record,
      followup: f.record,
      histogramMatch: matched.table,
      intensity: { lo, hi, lowerPercentile, upperPercentile },
    },
  };
}

/**
 * Maps a working-grid volume (a preprocessed scan, a difference map, a mask…) back into the
 * BASELINE's native grid: same dims, spacing and affine as the baseline file. Use 'nearest' for
 * label volumes. `target: 'followup'` instead undoes the follow-up's own resampling and centring
 * (for the preprocessed follow-up itself; the map lives in the baseline's frame).
 */
export function toNative(
  working: Volume,
  record: Preprocessed,
  opts: { interpolation?: Interpolation; target?: 'baseline' | 'followup' } = {},
): Volume {
  if (working.dims.some((d, a) => d !== record.grid[a])) {
    throw new AnetError(
      'VALIDATION_FAILED',
      `volume is ${working.dims.join('×')}, the working grid is ${record.grid.join('×')}`,
    );
  }
  const b = opts.target === 'followup' ? record.followup : record.baseline;
  const out = resampleAxisAligned(working, b.dims, invertAxisMap(b.map), {
    interpolation: opts.interpolation,
  });
  return {
    data: out.data,
    dims: [...b.dims] as Vec3,
    spacing: [...b.spacing] as Vec3,
    affine: [...b.affine],
  };
}
