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
  type Volume,
} from '@anet/contracts';
import { readNifti, writeNifti, type NiftiVolume } from '@anet/nifti';
import { preprocessPair, toNative } from '@anet/preprocess';
import { inferMap, selectBackend, trainGan, type LossHistory } from '@anet/model';
import {
  analyseMap,
  renderOverlayMontage,
  renderSliceOverlays,
  renderTrainingCurve,
  type AnalysisResult,
} from '@anet/analysis';

import type { AnetConfig } from './resolveConfig';
import { sha256Hex } from './sha256';
import { overallFraction, StageClock } from './stageClock';

export const SOFTWARE = { name: 'anet', version: '0.1.0' } as const;

export interface PipelineInputs {
  baseline: Uint8Array;
  followup: Uint8Array;
  /** Baseline enhancing-tumour mask (NIfTI) in the baseline's grid. */
  baselineMask?: Uint8Array;
  /** Baseline enhancing-tumour volume in mL, when no mask is sent. */
  baselineVolumeMl?: number;
  /** File names for the report (never paths with patient names: callers pass what the user chose). */
  names?: { baseline?: string; followup?: string; baselineMask?: string };
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
  history: LossHistory;
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

function binarize(v: Volume): Volume {
  const data = new Float32Array(v.data.length);
  for (let i = 0; i < data.length; i++) data[i] = v.data[i]! > 0.5 ? 1 : 0;
  return { ...v, data };
}

function throwIfAborted(hooks: Pick<PipelineHooks, 'signal' | 'stopSignal'>): void {
  if (hooks.signal?.aborted || hooks.stopSignal?.aborted)
    throw new AnetError('JOB_CANCELLED', 'the analysis was cancelled or stopped');
}

const fmt = (x: number | null, d = 1) => (x === null ? 'n/a' : x.toFixed(d));

/**
 * The whole method in one process (DESIGN.md §1): read → preprocess → train the per-patient WGAN →
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
  checkStudyPair(baseline, followup);
  let mask: Volume | undefined;
  let maskInput: ReportInput | null = null;
  if (inputs.baselineMask) {
    const m = readInput(inputs.baselineMask, 'baselineMask');
    if (m.dims.some((d, i) => d !== baseline.dims[i])) {
      throw new AnetError(
        'MASK_GRID_MISMATCH',
        `baseline mask dims ${m.dims.join('×')} differ from the baseline's ${baseline.dims.join('×')}: send the mask in the baseline scan's grid`,
      );
    }
    mask = binarize(m);
    maskInput = describeInput(inputs.names?.baselineMask ?? 'baseline_mask.nii.gz', inputs.baselineMask, m);
  }
  const names = inputs.names ?? {};
  const baselineInput = describeInput(names.baseline ?? 'baseline.nii.gz', inputs.baseline, baseline);
  const followupInput = describeInput(names.followup ?? 'followup.nii.gz', inputs.followup, followup);
  const pp = preprocessPair(baseline, followup, { grid: config.train.grid });
  throwIfAborted(hooks);

  // 2. Training
  clock.start('training');
  const backend = await selectBackend();
  emit({ stage: 'training', within: 0, epoch: 0, totalEpochs: config.train.epochs });
  const resumeFrom = await hooks.loadCheckpoint?.();
  const trained = await trainGan(
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

  // 3. Inference
  clock.start('inferring');
  emit({ stage: 'inferring', within: 0 });
  const inferred = await inferMap(trained.snapshots, pp.baseline, config.train);
  const map = toNative(inferred.map, pp.record, { interpolation: 'linear' });
  const uncertainty = toNative(inferred.uncertainty, pp.record, { interpolation: 'linear' });
  throwIfAborted(hooks);

  // 4. Analysis
  clock.start('analysing');
  emit({ stage: 'analysing', within: 0 });
  const analysis = analyseMap(map, {
    config: config.analysis,
    baselineTumourMask: mask,
    baselineVolumeMl: inputs.baselineVolumeMl,
    // The method sees skull-stripped scans only (DESIGN §1), so change is counted inside the brain.
    regionMask: toNative(pp.baselineBrainMask, pp.record, { interpolation: 'nearest' }),
  });
  throwIfAborted(hooks);
  const like = baseline.meta;
  const artifacts: PipelineArtifact[] = [
    {
      name: 'map.nii.gz',
      contentType: 'application/gzip',
      bytes: writeNifti(map, { datatype: 'float32', like }),
    },
    {
      name: 'ternary.nii.gz',
      contentType: 'application/gzip',
      bytes: writeNifti(analysis.ternary, { datatype: 'int8', like }),
    },
    {
      name: 'uncertainty.nii.gz',
      contentType: 'application/gzip',
      bytes: writeNifti(uncertainty, { datatype: 'float32', like }),
    },
  ];
  const mr = analysis.modifiedRano;
  const lines = [
    `change ${fmt(analysis.change.ml, 2)} mL (growth ${fmt(analysis.change.growthMl, 2)}, reduction ${fmt(analysis.change.reductionMl, 2)})`,
    `baseline ${fmt(analysis.baseline.ml, 2)} mL -> predicted follow-up ${fmt(analysis.predictedFollowupMl, 2)} mL`,
    `${mr.label}: ${mr.class}${mr.percentChange === null ? '' : ` (${mr.percentChange.toFixed(0)} %)`}; ${analysis.rano2.label}: ${analysis.rano2.class}`,
  ];
  const overlayInput = {
    followup: toNative(pp.followup, pp.record, { interpolation: 'linear' }),
    // The native baseline is already in the map's grid and sharper than the working grid brought back.
    baseline: baseline as Volume,
    ternary: analysis.ternary,
    map,
    threshold: config.analysis.threshold,
    lines,
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
  artifacts.push({
    name: 'training_curve.png',
    contentType: 'image/png',
    bytes: renderTrainingCurve(trained.history),
  });
  clock.stop();

  const report: Report = ReportSchema.parse({
    schemaVersion: REPORT_SCHEMA_VERSION,
    software: { ...SOFTWARE },
    disclaimer: DISCLAIMER,
    knownLimitations: [...KNOWN_LIMITATIONS],
    inputs: {
      baseline: baselineInput,
      followup: followupInput,
      baselineMask: maskInput,
      baselineVolumeMl: inputs.baselineVolumeMl ?? null,
    },
    configuration: {
      train: config.train,
      analysis: config.analysis,
      preprocess: { grid: config.train.grid },
    },
    profile: config.profile,
    variant: config.variant,
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
    classes: { modifiedRano: analysis.modifiedRano, rano2: analysis.rano2 },
    perSnapshot: inferred.perSnapshot.map((s, i) => ({ snapshot: i, ...s })),
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
  return { report, artifacts, analysis, history: trained.history };
}
