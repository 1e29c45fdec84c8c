import type { Volume } from '@anet/contracts';
import { AnetError } from '@anet/contracts';
import { applyMask, computeBrainMask } from './brainMask';
import { centringShift, shiftVolume } from './centre';
import { DEFAULT_HISTOGRAM_MATCH, histogramMatch, type HistogramMatchTable } from './histogramMatch';
import { DEFAULT_NORMALIZE, percentiles, scaleIntensityRange } from './normalize';
import { assertUsableAffine, fromCanonical, toCanonical, type Reorientation } from './orientation';
import {
  invertAxisMap,
  resampleAxisAligned,
  resampleToGrid,
  type AxisMap,
  type Interpolation,
} from './resample';
import { invertAffine, resampleWorld } from './resampleWorld';

type Vec3 = [number, number, number];

export interface PreprocessOptions {
  /** Working grid (the paper: 256×256×128). */
  grid: Vec3;
  /** 0/1 brain masks in each scan's own stored grid (checked with checkMask first); without one our own mask is computed. */
  baselineBrainMask?: Volume;
  followupBrainMask?: Volume;
  /**
   * Rigid world transform baseline world → follow-up world (registerRigid(baseline, followup).matrix).
   * When given, the follow-up is resampled into the baseline's grid and both scans share one working
   * transform and one centring shift, so voxel i of both working volumes is the same point of the head.
   * Without it each scan is fitted and centred on its own (the paper's registration-free method).
   */
  alignment?: number[];
  matchPoints?: number;
  histogramLevels?: number;
  lowerPercentile?: number;
  upperPercentile?: number;
  /** Opening radius of our own brain mask (see `computeBrainMask`). */
  openingRadiusMm?: number;
}

/** How one scan went into the working grid. */
export interface ScanRecord {
  /** The stored (file) grid. */
  dims: Vec3;
  spacing: Vec3;
  affine: number[];
  /** Stored grid → canonical RAS+ grid (axis permutation and flips, exact). */
  reorientation: Reorientation;
  /** Working voxel → canonical voxel of the BASELINE when the pair is aligned, else of this scan; centring shift included. */
  map: AxisMap;
  /** Integer centring shift applied in the working grid. */
  shift: Vec3;
  mask: 'supplied' | 'computed';
}

/** Everything needed to map working-grid volumes back to native grids. Plain JSON. */
export interface Preprocessed {
  version: 2;
  grid: Vec3;
  /**
   * Baseline world → follow-up world (RAS+ mm, row-major 4×4) when the follow-up was resampled into the
   * baseline's grid through it before anything else; null for an unaligned pair.
   */
  alignment: number[] | null;
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
  /**
   * The scans at native resolution on the baseline's CANONICAL (RAS+) grid, raw intensities, with
   * their brain masks: the baseline, and with alignment the follow-up resampled onto it (null without
   * alignment). For subtraction, overlays and the analysis region.
   */
  canonical: {
    baseline: Volume;
    baselineBrainMask: Volume;
    followup: Volume | null;
    followupBrainMask: Volume | null;
  };
  record: Preprocessed;
}

/** A 0/1 mask through `resample`, thresholded at ½ (linear then ≥ ½: smoother borders than nearest). */
function binarised(v: Volume): Volume {
  const data = new Float32Array(v.data.length);
  for (let i = 0; i < data.length; i++) data[i] = v.data[i] >= 0.5 ? 1 : 0;
  return { ...v, data };
}

/**
 * The preprocessing (docs/method.md), in the paper's order after two geometric steps of ours:
 * 0. every scan and mask to the canonical RAS+ voxel order from its affine (exact, no interpolation);
 *    with `alignment`, the follow-up (and its mask) resampled into the baseline's canonical grid through
 *    world coordinates (trilinear);
 * 1. resample both to the working grid (trilinear, the baseline's field of view for an aligned pair);
 * 2. histogram-match follow-up to baseline; 3. normalise both with the baseline's 0.5/99.5 percentiles;
 * 4. centre (the baseline mask's centre of mass to the grid centre: one shift for an aligned pair, one
 *    per scan otherwise); 5. skull-strip (× mask).
 * Masks (supplied or our own, computed on the canonical scan) are resampled and shifted exactly like
 * their scans.
 */
export function preprocessPair(
  baseline: Volume,
  followup: Volume,
  opts: PreprocessOptions,
): PreprocessedPair {
  const grid = opts.grid;
  const lowerPercentile = opts.lowerPercentile ?? DEFAULT_NORMALIZE.lowerPercentile;
  const upperPercentile = opts.upperPercentile ?? DEFAULT_NORMALIZE.upperPercentile;
  assertUsableAffine(baseline.affine, 'baseline');
  assertUsableAffine(followup.affine, 'followup');

  const cb = toCanonical(baseline);
  const cf = toCanonical(followup);
  const maskOpts = { openingRadiusMm: opts.openingRadiusMm };
  const canonMask = (m: Volume | undefined, scan: Volume, canon: Volume, which: string) => {
    if (!m) return computeBrainMask(canon, maskOpts);
    if (m.dims.some((d, a) => d !== scan.dims[a])) {
      throw new AnetError(
        'MASK_GRID_MISMATCH',
        `${which} brain mask is ${m.dims.join('×')}, its scan is ${scan.dims.join('×')}`,
        { details: { part: `${which}BrainMask` } },
      );
    }
    // checkMask has already compared the affines; the scan's is the one to trust.
    return toCanonical({ ...m, affine: scan.affine }).volume;
  };
  const mbCanon = canonMask(opts.baselineBrainMask, baseline, cb.volume, 'baseline');
  let fScan = cf.volume;
  let mfCanon = canonMask(opts.followupBrainMask, followup, cf.volume, 'followup');
  if (opts.alignment) {
    const target = { dims: cb.volume.dims, affine: cb.volume.affine };
    fScan = resampleWorld(cf.volume, target, { worldTransform: opts.alignment });
    mfCanon = binarised(resampleWorld(mfCanon, target, { worldTransform: opts.alignment }));
  }

  const rb = resampleToGrid(cb.volume, grid);
  const rf = resampleToGrid(fScan, grid);
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

  let mb = binarised(resampleToGrid(mbCanon, grid, { interpolation: 'linear' }).volume);
  let mf = binarised(resampleToGrid(mfCanon, grid, { interpolation: 'linear' }).volume);
  if (opts.alignment) {
    // One head in one frame: both scans are skull-stripped with the union of their masks, so a
    // difference between two computed masks is not presented to the network as change at the rim.
    const union = new Float32Array(mb.data.length);
    for (let i = 0; i < union.length; i++) union[i] = mb.data[i]! > 0 || mf.data[i]! > 0 ? 1 : 0;
    mb = { ...mb, data: union };
    mf = { ...mf, data: union.slice() };
  }
  for (const [m, which] of [
    [mb, 'baseline'],
    [mf, 'followup'],
  ] as const) {
    // Skull-stripping with an empty mask would train on zeros.
    if (!m.data.some((v) => v > 0))
      throw new AnetError('MASK_INVALID', `the ${which} brain mask is empty in the working grid`, {
        details: { part: `${which}BrainMask` },
      });
  }
  const baselineShift = centringShift(mb);

  const scan = (
    native: Volume,
    reorientation: Reorientation,
    resampled: { map: AxisMap },
    norm: Volume,
    mask: Volume,
    supplied: boolean,
    shift: Vec3,
  ) => {
    const m = shiftVolume(mask, shift);
    const v = applyMask(shiftVolume(norm, shift), m);
    // w → (w − shift) → canonical: scale·w + (offset − scale·shift).
    const map: AxisMap = {
      scale: [...resampled.map.scale] as Vec3,
      offset: [0, 1, 2].map((a) => resampled.map.offset[a] - resampled.map.scale[a] * shift[a]) as Vec3,
    };
    const record: ScanRecord = {
      dims: [...native.dims] as Vec3,
      spacing: [...native.spacing] as Vec3,
      affine: [...native.affine],
      reorientation,
      map,
      shift,
      mask: supplied ? 'supplied' : 'computed',
    };
    return { volume: v, mask: m, record };
  };
  const b = scan(baseline, cb.reorientation, rb, nb, mb, !!opts.baselineBrainMask, baselineShift);
  const f = scan(
    followup,
    cf.reorientation,
    rf,
    nf,
    mf,
    !!opts.followupBrainMask,
    opts.alignment ? baselineShift : centringShift(mf),
  );

  return {
    baseline: b.volume,
    followup: f.volume,
    baselineBrainMask: b.mask,
    followupBrainMask: f.mask,
    canonical: {
      baseline: cb.volume,
      baselineBrainMask: mbCanon,
      followup: opts.alignment ? fScan : null,
      followupBrainMask: opts.alignment ? mfCanon : null,
    },
    record: {
      version: 2,
      grid: [...grid] as Vec3,
      alignment: opts.alignment ? [...opts.alignment] : null,
      baseline: b.record,
      followup: f.record,
      histogramMatch: matched.table,
      intensity: { lo, hi, lowerPercentile, upperPercentile },
    },
  };
}

/**
 * Maps a working-grid volume (a preprocessed scan, a difference map, a mask…) back into the
 * BASELINE's stored grid: same dims, spacing and affine as the baseline file. Use 'nearest' for
 * label volumes. `target: 'followup'` brings it into the follow-up's stored grid instead (through the
 * alignment when the pair was aligned, else by undoing the follow-up's own resampling and centring).
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
  const toFollowup = opts.target === 'followup';
  const viaBaseline = !toFollowup || record.alignment !== null;
  const r = viaBaseline ? record.baseline : record.followup;
  const canonDims = [0, 1, 2].map((w) => r.dims[r.reorientation.axis[w]]) as Vec3;
  const canon = resampleAxisAligned(working, canonDims, invertAxisMap(r.map), {
    interpolation: opts.interpolation,
  });
  const stored = fromCanonical(canon, r.reorientation, r.affine);
  if (!toFollowup || record.alignment === null) return stored;
  const fu = record.followup;
  return resampleWorld(
    stored,
    { dims: fu.dims, affine: fu.affine },
    { worldTransform: invertAffine(record.alignment), interpolation: opts.interpolation },
  );
}
