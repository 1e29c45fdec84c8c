import {
  AnetError,
  resolveAnalysisConfig,
  type AnalysisConfig,
  type AnalysisConfigInput,
  type RanoAssessment,
  type Volume,
} from '@anet/contracts';
import { fromCanonical, morphDisc, reorientationOf, toCanonical } from '@anet/preprocess';
import { removeSmallComponents } from './components';
import { classifyRano } from './rano';
import { ternarize } from './ternary';
import { countTernary, maskVoxels, voxelVolumeMl } from './volumes';

export interface AnalyseMapOptions {
  /** Analysis settings (resolved or partial; missing fields take the paper's defaults). */
  config?: AnalysisConfig | AnalysisConfigInput;
  /** Baseline enhancing-tumour mask in the map's grid (same dims); wins over baselineVolumeMl. */
  baselineTumourMask?: Volume;
  /** Baseline enhancing-tumour volume in mL, when no mask is available. */
  baselineVolumeMl?: number;
  /**
   * Voxels to analyse (> 0.5 = inside), e.g. the baseline brain mask in the map's grid: change outside it
   * is ignored before components are counted. Not in the paper (it only drops the in-plane edge).
   */
  regionMask?: Volume;
  /**
   * Both scans on the map's grid in the same intensity units (the aligned, harmonised pair), for
   * `countOnlyEnhancing`; without them that setting has no effect.
   */
  scans?: { baseline: Volume; followup: Volume };
}

export interface AnalysisResult {
  /** −1 reduction, 0 none, +1 growth; same grid as the map. */
  ternary: Volume;
  change: {
    /** Net change Σ ternary (growth − reduction). */
    voxels: number;
    ml: number;
    growthVoxels: number;
    reductionVoxels: number;
    growthMl: number;
    reductionMl: number;
    voxelVolumeMl: number;
  };
  components: { kept: number; removed: number; removedVoxels: number };
  /** How the follow-up volume behind the classes was estimated (config.volumeEstimate), with its counts. */
  volumeEstimate:
    | { method: 'ternary' }
    | { method: 'enhancing-ratio'; level: number; baselineVoxels: number; followupVoxels: number };
  /** The enhancement level the counting used (countOnlyEnhancing), with where it came from; null when not used. */
  enhancement: { level: number; source: 'tumour-mask' | 'brain-percentile' } | null;
  baseline: { ml: number | null; voxels: number | null; source: 'mask' | 'number' | 'none' };
  /** Baseline + change (Σ ternary, or the volume estimate's), clamped at 0; null without a baseline volume. */
  predictedFollowupMl: number | null;
  modifiedRano: RanoAssessment;
  rano2: RanoAssessment;
  config: AnalysisConfig;
}

/**
 * The edge margin in voxels per stored axis: the margin (mm) over the voxel size along the two stored
 * axes that run closest to R–L and A–P (in-plane for an axial scan, whatever the storage order), 0
 * along the one closest to S–I.
 */
export function edgeMarginVoxels(
  map: Pick<Volume, 'dims' | 'affine' | 'spacing'>,
  mm: number,
): [number, number, number] {
  const r = reorientationOf(map);
  const out: [number, number, number] = [0, 0, 0];
  for (const w of [0, 1]) {
    const j = r.axis[w];
    out[j] = Math.round(mm / (map.spacing[j] || 1));
  }
  return out;
}

/**
 * The intensity that separates enhancing tumour from brain in this patient's baseline: halfway between
 * the brain's median and the median inside the baseline tumour mask; without a (non-empty) mask, the
 * brain's 99th percentile.
 */
export function enhancementLevel(
  baseline: Volume,
  brain: Volume | undefined,
  tumour: Volume | undefined,
): { level: number; source: 'tumour-mask' | 'brain-percentile' } {
  const pick = (inside: (i: number) => boolean) => {
    const out: number[] = [];
    for (let i = 0; i < baseline.data.length; i++) if (inside(i)) out.push(baseline.data[i]!);
    return out.sort((a, b) => a - b);
  };
  const q = (v: number[], p: number) =>
    v[Math.min(v.length - 1, Math.max(0, Math.round(p * (v.length - 1))))]!;
  const brainVals = pick((i) => (brain ? brain.data[i]! > 0.5 : baseline.data[i]! > 0));
  const tumourVals = tumour ? pick((i) => tumour.data[i]! > 0.5) : [];
  if (tumourVals.length > 0 && brainVals.length > 0) {
    return { level: (q(brainVals, 0.5) + q(tumourVals, 0.5)) / 2, source: 'tumour-mask' };
  }
  return { level: brainVals.length ? q(brainVals, 0.99) : 0.5, source: 'brain-percentile' };
}

/**
 * A mask (> ½ = inside) as 0/1 in its own grid, eroded or dilated by `mm` in the axial plane of the
 * canonical orientation; a dilation also reaches the slices within `mm` above and below.
 */
function morphRegion(mask: Volume, mm: number, op: 'erode' | 'dilate'): Uint8Array {
  if (!(mm > 0)) return Uint8Array.from(mask.data, (v) => (v > 0.5 ? 1 : 0));
  const c = toCanonical(mask);
  const m = Uint8Array.from(c.volume.data, (v) => (v > 0.5 ? 1 : 0));
  morphDisc(m, c.volume.dims, c.volume.spacing, mm, op);
  let out = m;
  if (op === 'dilate') {
    const [X, Y, Z] = c.volume.dims;
    const dz = Math.floor(mm / (c.volume.spacing[2] || 1));
    const plane = X * Y;
    out = new Uint8Array(m.length);
    for (let z = 0; z < Z; z++)
      for (let k = Math.max(0, z - dz); k <= Math.min(Z - 1, z + dz); k++)
        for (let i = 0; i < plane; i++) if (m[k * plane + i]) out[z * plane + i] = 1;
  }
  const back = fromCanonical({ ...c.volume, data: Float32Array.from(out) }, c.reorientation, mask.affine);
  return Uint8Array.from(back.data, (v) => (v > 0.5 ? 1 : 0));
}

/** The mask dilated by `mm` (in-plane, and over the slices `mm` spans), 0/1 in the mask's own grid. */
export function dilatedRegion(mask: Volume, mm: number): Uint8Array {
  return morphRegion(mask, mm, 'dilate');
}

/** The region (> ½ = inside) eroded in-plane by `mm`, 0/1 in the region's own grid. */
export function erodedRegion(region: Volume, mm: number): Uint8Array {
  return morphRegion(region, mm, 'erode');
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
}

/**
 * Map → answer (docs/method.md "Analysis"): threshold to a ternary map with the in-plane edge margin
 * (mm) zeroed, then remove growth/reduction components of ≤ minComponentMl (edge first, so every kept
 * component really has more voxels than that), then Σ ternary as the change in voxels and mL (from the
 * map's voxel size: pass the map in the baseline's native grid), predicted follow-up volume and the
 * modified-RANO (Strack 2023) and RANO 2.0 volumetric classes.
 */
export function analyseMap(map: Volume, opts: AnalyseMapOptions = {}): AnalysisResult {
  const config = resolveAnalysisConfig(opts.config ?? {});
  const [X, Y, Z] = map.dims;
  if (map.data.length !== X * Y * Z) {
    throw new AnetError('INTERNAL', `map has ${map.data.length} voxels but dims ${map.dims.join('×')}`);
  }
  const vv = voxelVolumeMl(map.spacing);
  // inputs are checked before the heavy work, so bad input fails fast
  let baseline: AnalysisResult['baseline'] = { ml: null, voxels: null, source: 'none' };
  if (opts.baselineTumourMask) {
    const mask = opts.baselineTumourMask;
    if (!sameDims(mask.dims, map.dims)) {
      throw new AnetError(
        'MASK_GRID_MISMATCH',
        `baseline mask dims ${mask.dims.join('×')} differ from the baseline's ${map.dims.join('×')}`,
      );
    }
    const voxels = maskVoxels(mask);
    baseline = { ml: voxels * vv, voxels, source: 'mask' };
  } else if (opts.baselineVolumeMl !== undefined) {
    const ml = opts.baselineVolumeMl;
    if (!Number.isFinite(ml) || ml < 0) {
      throw new AnetError('OPTIONS_INVALID', `baseline volume must be a finite number ≥ 0 mL, got ${ml}`);
    }
    baseline = { ml, voxels: null, source: 'number' };
  }

  const raw = ternarize(map.data, map.dims, config.threshold, edgeMarginVoxels(map, config.edgeMarginMm));
  if (opts.regionMask) {
    const region = opts.regionMask;
    if (!sameDims(region.dims, map.dims)) {
      throw new AnetError(
        'MASK_GRID_MISMATCH',
        `region mask dims ${region.dims.join('×')} differ from the map's ${map.dims.join('×')}`,
      );
    }
    const inside = erodedRegion(region, config.brainMarginMm);
    for (let i = 0; i < raw.length; i++) if (!inside[i]) raw[i] = 0;
  }
  if (config.lesionMarginMm > 0 && opts.baselineTumourMask && maskVoxels(opts.baselineTumourMask) > 0) {
    const near = dilatedRegion(opts.baselineTumourMask, config.lesionMarginMm);
    for (let i = 0; i < raw.length; i++) if (!near[i]) raw[i] = 0;
  }
  let enhancement: AnalysisResult['enhancement'] = null;
  if (config.countOnlyEnhancing && opts.scans) {
    enhancement = enhancementLevel(opts.scans.baseline, opts.regionMask, opts.baselineTumourMask);
    const b = opts.scans.baseline.data;
    const f = opts.scans.followup.data;
    const t = enhancement.level;
    for (let i = 0; i < raw.length; i++) {
      if (raw[i] === 1 && !(f[i]! >= t && b[i]! < t)) raw[i] = 0;
      else if (raw[i] === -1 && !(b[i]! >= t && f[i]! < t)) raw[i] = 0;
    }
  }
  // ≤ minComponentMl removed; the small epsilon keeps "30 voxels of 1 mm³ = 0.03 mL" removed despite rounding.
  const minVoxels = Math.floor(config.minComponentMl / vv + 1e-6);
  const cleaned = removeSmallComponents(raw, map.dims, minVoxels, config.connectivity, {
    inPlace: true,
  });
  const counts = countTernary(cleaned.values);

  const change = {
    voxels: counts.voxels,
    ml: counts.voxels * vv,
    growthVoxels: counts.growthVoxels,
    reductionVoxels: counts.reductionVoxels,
    growthMl: counts.growthVoxels * vv,
    reductionMl: counts.reductionVoxels * vv,
    voxelVolumeMl: vv,
  };
  let ranoInput = { baselineMl: baseline.ml, changeMl: change.ml, growthMl: change.growthMl };
  let volumeEstimate: AnalysisResult['volumeEstimate'] = { method: 'ternary' };
  const tumour = opts.baselineTumourMask;
  if (
    config.volumeEstimate === 'enhancing-ratio' &&
    opts.scans &&
    tumour &&
    baseline.ml !== null &&
    baseline.ml > 0
  ) {
    const level = enhancement ?? enhancementLevel(opts.scans.baseline, opts.regionMask, tumour);
    const near = dilatedRegion(tumour, config.lesionMarginMm > 0 ? config.lesionMarginMm : 15);
    const inside = opts.regionMask ? erodedRegion(opts.regionMask, 0) : undefined;
    let nb = 0;
    let nf = 0;
    const b = opts.scans.baseline.data;
    const f = opts.scans.followup.data;
    for (let i = 0; i < b.length; i++) {
      if (!near[i] || (inside && !inside[i])) continue;
      if (b[i]! >= level.level) nb++;
      if (f[i]! >= level.level) nf++;
    }
    if (nb > 0) {
      const followupMl = (baseline.ml * nf) / nb;
      ranoInput = {
        baselineMl: baseline.ml,
        changeMl: followupMl - baseline.ml,
        growthMl: Math.max(0, followupMl - baseline.ml),
      };
      volumeEstimate = {
        method: 'enhancing-ratio',
        level: level.level,
        baselineVoxels: nb,
        followupVoxels: nf,
      };
    }
  }
  const floor = config.zeroBaselineNoiseFloorMl;
  return {
    ternary: {
      data: new Float32Array(cleaned.values),
      dims: [X, Y, Z],
      spacing: [...map.spacing],
      affine: [...map.affine],
    },
    change,
    enhancement,
    components: {
      kept: cleaned.keptComponents,
      removed: cleaned.removedComponents,
      removedVoxels: cleaned.removedVoxels,
    },
    baseline,
    predictedFollowupMl: baseline.ml === null ? null : Math.max(0, baseline.ml + ranoInput.changeMl),
    volumeEstimate,
    modifiedRano: classifyRano(ranoInput, config.modifiedRano, 'modified-rano-strack-2023', floor),
    rano2: classifyRano(ranoInput, config.rano2, 'rano-2.0-volumetric', floor),
    config,
  };
}
