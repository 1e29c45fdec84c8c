import {
  AnetError,
  checkStudyPair,
  DISCLAIMER,
  KNOWN_LIMITATIONS,
  REPORT_SCHEMA_VERSION,
  ReportSchema,
  type JobStage,
  type Report,
  type ReportInput,
  type ReportAlignment,
  type Volume,
} from '@anet/contracts';
import { NIFTI_INTENT_LABEL, NIFTI_INTENT_NONE, readNifti, writeNifti, type NiftiVolume } from '@anet/nifti';
import {
  assertUsableAffine,
  checkMask,
  fromCanonical,
  harmonisedDifference,
  harmonisedScans,
  normalisedCrossCorrelation,
  orientationLetters,
  preprocessPair,
  registerRigid,
  resampleWorld,
  toNative,
  type PreprocessedPair,
} from '@anet/preprocess';
import { inferMap, selectBackend, trainGan, type LossHistory } from '@anet/model';
import {
  analyseMap,
  assessTrust,
  renderAlignmentQc,
  renderOverlayMontage,
  renderSliceOverlays,
  renderTrainingCurve,
  ternaryColourTable,
  ternaryItkSnapLabels,
  ternaryToLabels,
  type AnalysisResult,
} from '@anet/analysis';

import type { AnetConfig } from './resolveConfig';
import { sha256Hex } from './sha256';
import { overallFraction, StageClock } from './stageClock';

export const SOFTWARE = { name: 'anet', version: '0.1.0' } as const;

/** ± display window of map.nii.gz for viewers: 0.5 ≈ 3× the default threshold 0.15. */
const MAP_WINDOW = 0.5;

export interface PipelineInputs {
  baseline: Uint8Array;
  followup: Uint8Array;
  /** Baseline enhancing-tumour mask (NIfTI) in the baseline's grid. */
  baselineMask?: Uint8Array;
  /** Baseline enhancing-tumour volume in mL, when no mask is sent. */
  baselineVolumeMl?: number;
  /** Brain masks (NIfTI, 0/1 or a label map with label 1) in each scan's own grid; else computed. */
  baselineBrainMask?: Uint8Array;
  followupBrainMask?: Uint8Array;
  /** File names for the report (never paths with patient names: callers pass what the user chose). */
  names?: {
    baseline?: string;
    followup?: string;
    baselineMask?: string;
    baselineBrainMask?: string;
    followupBrainMask?: string;
  };
}

export interface PipelineProgress {
  stage: JobStage;
  /** Overall fraction 0…1 across all stages. */
  fraction: number;
  epoch?: number;
  totalEpochs?: number;
  etaSeconds?: number;
  losses?: { critic: number; generator: number; gp: number; wasserstein: number };
}

export interface PipelineHooks {
  signal?: AbortSignal;
  /** Graceful stop: training finishes its epoch and checkpoints first (see TrainHooks.stopSignal). */
  stopSignal?: AbortSignal;
  onProgress?(p: PipelineProgress): void;
  /** The latest training checkpoint of an earlier attempt, if any: training resumes from it. */
  loadCheckpoint?(): Promise<Uint8Array | undefined>;
  saveCheckpoint?(blob: Uint8Array, epoch: number): Promise<void>;
  /** Per-slice overlay PNGs (one per slice with change); on by default. */
  sliceOverlays?: boolean;
}

export interface PipelineArtifact {
  name: string;
  contentType: string;
  bytes: Uint8Array;
}

export interface PipelineResult {
  report: Report;
  artifacts: PipelineArtifact[];
  analysis: AnalysisResult;
  /** Training losses; null when the map did not use the network. */
  history: LossHistory | null;
}

function readInput(bytes: Uint8Array, what: string): NiftiVolume {
  try {
    return readNifti(bytes);
  } catch (err) {
    const e = AnetError.from(err);
    throw new AnetError(e.code, `${what}: ${e.message}`, { cause: err, details: { part: what } });
  }
}

function describeInput(name: string, bytes: Uint8Array, vol: NiftiVolume): ReportInput {
  return {
    name,
    sha256: sha256Hex(bytes),
    bytes: bytes.byteLength,
    dims: [...vol.dims],
    spacing: [...vol.spacing],
    datatype: vol.meta.datatype,
  };
}

function throwIfAborted(hooks: Pick<PipelineHooks, 'signal' | 'stopSignal'>): void {
  if (hooks.signal?.aborted || hooks.stopSignal?.aborted)
    throw new AnetError('JOB_CANCELLED', 'the analysis was cancelled or stopped');
}

/**
 * NCC inside the baseline brain of the follow-up as stored (world coordinates, no alignment) and as
 * aligned, and the QC image that shows both over the baseline.
 */
function alignmentQc(
  pp: PreprocessedPair,
  followup: Volume,
  t: { rotationDeg: number[]; translationMm: number[] },
): { quality: { nccBefore: number; nccAfter: number }; png: Uint8Array } {
  const c = pp.canonical;
  const before = resampleWorld(followup, { dims: c.baseline.dims, affine: c.baseline.affine });
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  const quality = {
    nccBefore: round(normalisedCrossCorrelation(c.baseline.data, before.data, c.baselineBrainMask.data)),
    nccAfter: round(normalisedCrossCorrelation(c.baseline.data, c.followup!.data, c.baselineBrainMask.data)),
  };
  const png = renderAlignmentQc({
    baseline: c.baseline,
    before,
    after: c.followup!,
    brainMask: c.baselineBrainMask,
    lines: [
      `rotation ${Math.hypot(...t.rotationDeg).toFixed(1)}°, translation ${Math.hypot(...t.translationMm).toFixed(1)} mm; NCC in the brain ${quality.nccBefore.toFixed(2)} → ${quality.nccAfter.toFixed(2)}`,
    ],
  });
  return { quality, png };
}

/** The subtraction where the network's map agrees with it in sign, else 0 (the network vetoes). */
function refineBySign(sub: Volume, gan: Volume): Volume {
  const data = new Float32Array(sub.data.length);
  for (let i = 0; i < data.length; i++) data[i] = sub.data[i]! * gan.data[i]! > 0 ? sub.data[i]! : 0;
  return { ...sub, data };
}

const fmt = (x: number | null, d = 1) => (x === null ? 'n/a' : x.toFixed(d));

/**
 * The whole method in one process (docs/method.md): read → preprocess → train the per-patient WGAN →
 * infer the map → back into the baseline's native grid → analyse → artifacts + report.json.
 * Storage-agnostic: bytes in, bytes out; checkpoints go through the hooks.
 */
export async function runPipeline(
  inputs: PipelineInputs,
  config: AnetConfig,
  hooks: PipelineHooks = {},
): Promise<PipelineResult> {
  const clock = new StageClock();
  const emit = (p: Omit<PipelineProgress, 'fraction'> & { within: number }) => {
    const { within, ...rest } = p;
    hooks.onProgress?.({ ...rest, fraction: overallFraction(p.stage, within) });
  };

  // 1. Preprocessing
  clock.start('preprocessing');
  emit({ stage: 'preprocessing', within: 0 });
  const baseline = readInput(inputs.baseline, 'baseline');
  const followup = readInput(inputs.followup, 'followup');
  assertUsableAffine(baseline.affine, 'baseline');
  assertUsableAffine(followup.affine, 'followup');
  checkStudyPair(baseline, followup);
  const names = inputs.names ?? {};
  // Every mask is checked against its own scan before any heavy work (codes name the part).
  const readMask = (
    bytes: Uint8Array | undefined,
    part: keyof NonNullable<PipelineInputs['names']>,
    scan: Volume,
    kind: 'brain' | 'tumour',
  ) => {
    if (!bytes) return { mask: undefined, input: null };
    const raw = readInput(bytes, part);
    const mask = checkMask(raw, scan, { part, kind });
    return { mask, input: describeInput(names[part] ?? `${part}.nii.gz`, bytes, raw) };
  };
  const tumour = readMask(inputs.baselineMask, 'baselineMask', baseline, 'tumour');
  const brainB = readMask(inputs.baselineBrainMask, 'baselineBrainMask', baseline, 'brain');
  const brainF = readMask(inputs.followupBrainMask, 'followupBrainMask', followup, 'brain');
  const mask = tumour.mask;
  const baselineInput = describeInput(names.baseline ?? 'baseline.nii.gz', inputs.baseline, baseline);
  const followupInput = describeInput(names.followup ?? 'followup.nii.gz', inputs.followup, followup);
  const method = config.method;
  if (method.map !== 'gan' && method.align !== 'rigid') {
    throw new AnetError('CONFIG_INVALID', `map '${method.map}' needs an aligned pair (method.align = rigid)`);
  }
  let alignment: ReportAlignment | null = null;
  let alignmentMatrix: number[] | undefined;
  if (method.align === 'rigid') {
    const t0 = performance.now();
    const t = await registerRigid(baseline, followup);
    alignmentMatrix = t.matrix;
    alignment = {
      method: 'rigid-mutual-information',
      matrix: t.matrix,
      rotationDeg: t.rotationDeg,
      translationMm: t.translationMm,
      quality: { nccBefore: 0, nccAfter: 0 },
      seconds: (performance.now() - t0) / 1000,
    };
    throwIfAborted(hooks);
  }
  const pp = preprocessPair(baseline, followup, {
    grid: config.train.grid,
    alignment: alignmentMatrix,
    baselineBrainMask: brainB.mask,
    followupBrainMask: brainF.mask,
  });
  let qcPng: Uint8Array | null = null;
  if (alignment) {
    const qc = alignmentQc(pp, followup, alignment);
    alignment.quality = qc.quality;
    qcPng = qc.png;
  }
  const ganNeeded = method.map !== 'subtraction';
  throwIfAborted(hooks);

  // 2. Training (only when the map uses the network)
  clock.start('training');
  const backend = await selectBackend();
  let trained: Awaited<ReturnType<typeof trainGan>> | null = null;
  if (ganNeeded) {
    emit({ stage: 'training', within: 0, epoch: 0, totalEpochs: config.train.epochs });
    const resumeFrom = await hooks.loadCheckpoint?.();
    trained = await trainGan(
      config.train,
      { baseline: pp.baseline, followup: pp.followup },
      {
        signal: hooks.signal,
        stopSignal: hooks.stopSignal,
        resumeFrom,
        onCheckpoint: hooks.saveCheckpoint,
        onProgress: (p) =>
          emit({
            stage: 'training',
            within: p.fraction,
            epoch: p.epoch,
            totalEpochs: p.totalEpochs,
            etaSeconds: p.etaSeconds,
            losses: p.losses,
          }),
      },
    );
    throwIfAborted(hooks);
  }

  // 3. Inference: the network's map and/or the aligned subtraction, in the baseline's stored grid
  clock.start('inferring');
  emit({ stage: 'inferring', within: 0 });
  let ganMap: Volume | null = null;
  let uncertainty: Volume | null = null;
  let perSnapshot: Array<{ mean: number; std: number; min: number; max: number }> = [];
  if (trained) {
    const inferred = await inferMap(trained.snapshots, pp.baseline, config.train);
    ganMap = toNative(inferred.map, pp.record, { interpolation: 'linear' });
    uncertainty = toNative(inferred.uncertainty, pp.record, { interpolation: 'linear' });
    perSnapshot = inferred.perSnapshot;
  }
  const stored = (v: Volume) => fromCanonical(v, pp.record.baseline.reorientation, baseline.affine);
  const harmonised = pp.canonical.followup ? harmonisedScans(pp) : null;
  let map: Volume;
  // The maps the result was made of, written beside it so that each can be scored on its own.
  const components: Array<{ name: string; map: Volume }> = [];
  const sub = harmonised ? stored(harmonisedDifference(harmonised, method)) : null;
  if (method.map === 'gan') map = ganMap!;
  else if (method.map === 'subtraction') map = sub!;
  else map = refineBySign(sub!, ganMap!);
  if (ganMap && map !== ganMap) components.push({ name: 'network', map: ganMap });
  if (sub && map !== sub) components.push({ name: 'subtraction', map: sub });
  throwIfAborted(hooks);

  // 4. Analysis
  clock.start('analysing');
  emit({ stage: 'analysing', within: 0 });
  const analysis = analyseMap(map, {
    config: config.analysis,
    baselineTumourMask: mask,
    baselineVolumeMl: inputs.baselineVolumeMl,
    // The method sees skull-stripped scans only, so change is counted inside the brain: the union of
    // both brain masks when the pair is aligned, else the baseline's.
    regionMask: stored(harmonised ? harmonised.brain : pp.canonical.baselineBrainMask),
    scans: harmonised
      ? { baseline: stored(harmonised.baseline), followup: stored(harmonised.followup) }
      : undefined,
  });
  throwIfAborted(hooks);
  const like = baseline.meta;
  const artifacts: PipelineArtifact[] = [
    {
      name: 'map.nii.gz',
      contentType: 'application/gzip',
      bytes: writeNifti(map, {
        datatype: 'float32',
        like,
        intent: NIFTI_INTENT_NONE,
        calMin: -MAP_WINDOW,
        calMax: MAP_WINDOW,
        descrip: 'anet change map: follow-up minus baseline, [0,1]-normalised intensity units',
      }),
    },
    {
      name: 'ternary.nii.gz',
      contentType: 'application/gzip',
      bytes: writeNifti(analysis.ternary, { datatype: 'int8', like }),
    },
    {
      // The same labels as non-negative values with a label intent and colour tables, for viewers.
      name: 'ternary_labels.nii.gz',
      contentType: 'application/gzip',
      bytes: writeNifti(
        { ...analysis.ternary, data: ternaryToLabels(analysis.ternary.data) },
        {
          datatype: 'uint8',
          like,
          intent: NIFTI_INTENT_LABEL,
          intentName: 'anet ternary',
          calMin: 0,
          calMax: 2,
          descrip: 'anet change labels: 0 no change, 1 growth, 2 reduction',
        },
      ),
    },
    {
      name: 'ternary_labels.ctbl',
      contentType: 'text/plain',
      bytes: new TextEncoder().encode(ternaryColourTable()),
    },
    {
      name: 'ternary_labels.itksnap.txt',
      contentType: 'text/plain',
      bytes: new TextEncoder().encode(ternaryItkSnapLabels()),
    },
  ];
  if (qcPng) artifacts.push({ name: 'alignment_qc.png', contentType: 'image/png', bytes: qcPng });
  for (const c of components) {
    artifacts.push({
      name: `component_${c.name}_map.nii.gz`,
      contentType: 'application/gzip',
      bytes: writeNifti(c.map, { datatype: 'float32', like }),
    });
  }
  if (uncertainty) {
    artifacts.push({
      name: 'uncertainty.nii.gz',
      contentType: 'application/gzip',
      bytes: writeNifti(uncertainty, { datatype: 'float32', like }),
    });
  }
  const trust = assessTrust(
    pp.canonical.baselineBrainMask,
    {
      changeMl: analysis.change.ml,
      growthMl: analysis.change.growthMl,
      reductionMl: analysis.change.reductionMl,
      baselineMl: analysis.baseline.ml,
    },
    config.analysis,
  );
  const mr = analysis.modifiedRano;
  const mlNote = trust.trustworthyFigure === 'ratio' ? ' (header-based, may be wrong: rely on the class)' : '';
  const lines = [
    `change ${fmt(analysis.change.ml, 2)} mL (growth ${fmt(analysis.change.growthMl, 2)}, reduction ${fmt(analysis.change.reductionMl, 2)})${mlNote}`,
    `baseline ${fmt(analysis.baseline.ml, 2)} mL → predicted follow-up ${fmt(analysis.predictedFollowupMl, 2)} mL`,
    `${mr.label}: ${mr.class}${mr.percentChange === null ? '' : ` (${mr.percentChange.toFixed(0)} %)`}; ${analysis.rano2.label}: ${analysis.rano2.class}`,
  ];
  // The follow-up as aligned onto the baseline's native grid: what the overlays show, and written out
  // so that a viewer can lay it on the baseline (and flip between the two) with no resampling of its own.
  const followupOnBaseline = pp.canonical.followup
    ? stored(pp.canonical.followup)
    : toNative(pp.followup, pp.record, { interpolation: 'linear' });
  artifacts.push({
    name: 'followup_aligned.nii.gz',
    contentType: 'application/gzip',
    bytes: writeNifti(followupOnBaseline, {
      datatype: 'float32',
      like,
      descrip: alignment
        ? 'anet follow-up, rigidly aligned to the baseline grid'
        : 'anet follow-up, resampled to the baseline grid (not aligned)',
    }),
  });
  const overlayInput = {
    followup: followupOnBaseline,
    // The native baseline is already in the map's grid and sharper than the working grid brought back.
    baseline: baseline as Volume,
    ternary: analysis.ternary,
    map,
    threshold: config.analysis.threshold,
    lines,
    warnings: trust.warnings,
  };
  artifacts.push({
    name: 'overlay.png',
    contentType: 'image/png',
    bytes: renderOverlayMontage(overlayInput),
  });
  if (hooks.sliceOverlays !== false) {
    for (const s of renderSliceOverlays(overlayInput)) {
      artifacts.push({ name: s.name, contentType: 'image/png', bytes: s.png });
    }
  }
  if (trained) {
    artifacts.push({
      name: 'training_curve.png',
      contentType: 'image/png',
      bytes: renderTrainingCurve(trained.history),
    });
  }
  clock.stop();

  const report: Report = ReportSchema.parse({
    schemaVersion: REPORT_SCHEMA_VERSION,
    software: { ...SOFTWARE },
    disclaimer: DISCLAIMER,
    knownLimitations: [...KNOWN_LIMITATIONS],
    inputs: {
      baseline: baselineInput,
      followup: followupInput,
      baselineMask: tumour.input,
      baselineBrainMask: brainB.input,
      followupBrainMask: brainF.input,
      baselineVolumeMl: inputs.baselineVolumeMl ?? null,
    },
    configuration: {
      train: config.train,
      analysis: config.analysis,
      preprocess: { grid: config.train.grid },
      method,
    },
    profile: config.profile,
    variant: config.variant,
    method: { ...method, network: ganNeeded ? 'personalized-wgan-gp' : null },
    alignment,
    geometry: {
      orientation: { baseline: orientationLetters(baseline), followup: orientationLetters(followup) },
      brainMasks: { baseline: pp.record.baseline.mask, followup: pp.record.followup.mask },
    },
    backend: { name: backend.name, device: backend.device },
    seed: config.train.seed,
    timingsMs: {
      preprocessing: clock.timings.preprocessing ?? 0,
      training: clock.timings.training ?? 0,
      inferring: clock.timings.inferring ?? 0,
      analysing: clock.timings.analysing ?? 0,
      total: clock.total(),
    },
    volumes: {
      voxelVolumeMl: analysis.change.voxelVolumeMl,
      changeVoxels: analysis.change.voxels,
      changeMl: analysis.change.ml,
      growthVoxels: analysis.change.growthVoxels,
      growthMl: analysis.change.growthMl,
      reductionVoxels: analysis.change.reductionVoxels,
      reductionMl: analysis.change.reductionMl,
      baselineMl: analysis.baseline.ml,
      baselineSource: analysis.baseline.source,
      predictedFollowupMl: analysis.predictedFollowupMl,
    },
    trust,
    classes: { modifiedRano: analysis.modifiedRano, rano2: analysis.rano2 },
    volumeEstimate: { ...analysis.volumeEstimate, enhancement: analysis.enhancement },
    perSnapshot: perSnapshot.map((s, i) => ({ snapshot: i, ...s })),
    artifacts: artifacts.map((a) => ({
      name: a.name,
      contentType: a.contentType,
      bytes: a.bytes.byteLength,
      sha256: sha256Hex(a.bytes),
    })),
    createdAt: new Date().toISOString(),
  });
  artifacts.push({
    name: 'report.json',
    contentType: 'application/json',
    bytes: new TextEncoder().encode(JSON.stringify(report, null, 2) + '\n'),
  });
  emit({ stage: 'analysing', within: 1 });
  return { report, artifacts, analysis, history: trained?.history ?? null };
}
