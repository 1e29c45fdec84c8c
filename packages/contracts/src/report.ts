import { z } from 'zod';
import { RanoThresholdsSchema } from './analysisConfig';
import { RanoClassSchema } from './job';

/** Bump on any change to the report's shape; readers check it before trusting fields. */
export const REPORT_SCHEMA_VERSION = '2.1.0';

export const DISCLAIMER =
  'Research software, not a medical device. Not for diagnosis or treatment decisions; every result must be reviewed by a qualified radiologist.';

/** The method's known blind spots (Strack et al. 2023), stated in every report. */
export const KNOWN_LIMITATIONS: readonly string[] = [
  'The map shows any structural change between the scans, not only tumour: oedema, resection cavities, haemorrhage, treatment effects and different contrast timing all appear as change.',
  "Noise and false change concentrate at the brain's edge and next to the ventricles; the outer in-plane voxels are ignored for that reason.",
  'The class depends on the baseline enhancing-tumour volume supplied (mask or number); without it the class is indeterminate.',
  'Validated on small public cohorts only (paper: 17 + 32 patients).',
];

// RanoClassSchema lives in job.ts (the API's job result uses it too): one definition.
export type RanoClass = z.infer<typeof RanoClassSchema>;

export const RANO_SCHEMES = ['modified-rano-strack-2023', 'rano-2.0-volumetric'] as const;
export const RANO_LABELS: Record<(typeof RANO_SCHEMES)[number], string> = {
  'modified-rano-strack-2023': 'modified RANO (Strack 2023)',
  'rano-2.0-volumetric': 'RANO 2.0 volumetric',
};

/** One class under one scheme, with the cut-offs it used; percentChange is null when undefined. */
export const RanoAssessmentSchema = z
  .object({
    scheme: z.enum(RANO_SCHEMES),
    label: z.string(),
    class: RanoClassSchema,
    percentChange: z.number().nullable(),
    thresholds: RanoThresholdsSchema,
    reason: z.string().optional(),
  })
  .strict();
export type RanoAssessment = z.infer<typeof RanoAssessmentSchema>;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'lower-case hex sha256');
const vec3 = z.tuple([z.number(), z.number(), z.number()]);
const dims3 = z.tuple([
  z.number().int().positive(),
  z.number().int().positive(),
  z.number().int().positive(),
]);

export const ReportInputSchema = z
  .object({
    name: z.string(),
    sha256,
    bytes: z.number().int().nonnegative().optional(),
    dims: dims3,
    spacing: vec3,
    datatype: z.string(),
  })
  .strict();
export type ReportInput = z.infer<typeof ReportInputSchema>;

export const ReportVolumesSchema = z
  .object({
    voxelVolumeMl: z.number().positive(),
    changeVoxels: z.number().int(),
    changeMl: z.number(),
    growthVoxels: z.number().int().nonnegative(),
    growthMl: z.number().nonnegative(),
    reductionVoxels: z.number().int().nonnegative(),
    reductionMl: z.number().nonnegative(),
    baselineMl: z.number().nonnegative().nullable(),
    baselineSource: z.enum(['mask', 'number', 'none']),
    predictedFollowupMl: z.number().nonnegative().nullable(),
  })
  .strict();
export type ReportVolumes = z.infer<typeof ReportVolumesSchema>;

export const SnapshotStatsSchema = z
  .object({
    snapshot: z.number().int().nonnegative(),
    mean: z.number(),
    std: z.number().nonnegative(),
    min: z.number(),
    max: z.number(),
  })
  .strict();

export const ReportArtifactSchema = z
  .object({
    name: z.string().min(1),
    contentType: z.string().min(1),
    bytes: z.number().int().nonnegative(),
    sha256,
  })
  .strict();
export type ReportArtifact = z.infer<typeof ReportArtifactSchema>;

const ms = z.number().nonnegative();

/** How the follow-up was brought onto the baseline (null when the method ran registration-free). */
export const ReportAlignmentSchema = z
  .object({
    method: z.literal('rigid-mutual-information'),
    /** Row-major 4×4 RAS+ world transform baseline world → follow-up world (mm). */
    matrix: z.array(z.number()).length(16),
    rotationDeg: vec3,
    translationMm: vec3,
    /** Normalised cross-correlation of the two scans inside the baseline brain, before (as stored, world coordinates) and after alignment. */
    quality: z.object({ nccBefore: z.number(), nccAfter: z.number() }).strict(),
    seconds: z.number().nonnegative(),
  })
  .strict();
export type ReportAlignment = z.infer<typeof ReportAlignmentSchema>;

/** Where each brain mask came from, and the stored orientation of each scan. */
export const ReportGeometrySchema = z
  .object({
    orientation: z.object({ baseline: z.string(), followup: z.string() }).strict(),
    brainMasks: z
      .object({ baseline: z.enum(['supplied', 'computed']), followup: z.enum(['supplied', 'computed']) })
      .strict(),
  })
  .strict();

/**
 * How far to trust the numbers: mL come from the header's voxel spacing, which research files often
 * get wrong; the modified-RANO class is a ratio and survives a wrong spacing. A change bigger than the
 * baseline lesion plus a margin is flagged for review rather than classed silently.
 */
export const ReportTrustSchema = z
  .object({
    headerSpacing: z
      .object({
        plausible: z.boolean(),
        spacingMm: vec3,
        brainExtentMm: vec3.nullable(),
        reasons: z.array(z.string()),
      })
      .strict(),
    /** 'mL' when the header spacing is plausible; 'ratio' (the modified-RANO class) when it is not. */
    trustworthyFigure: z.enum(['mL', 'ratio']),
    suspiciousChange: z.object({ flagged: z.boolean(), reason: z.string().nullable() }).strict(),
    /** Plain-language warnings for the reader, also printed by the CLI and drawn on the overlay. */
    warnings: z.array(z.string()),
  })
  .strict();
export type ReportTrust = z.infer<typeof ReportTrustSchema>;

/** report.json: everything needed to read, trust and reproduce one analysis. */
export const ReportSchema = z
  .object({
    schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
    software: z.object({ name: z.string(), version: z.string() }).strict(),
    disclaimer: z.string().min(1),
    knownLimitations: z.array(z.string()).min(1),
    inputs: z
      .object({
        baseline: ReportInputSchema,
        followup: ReportInputSchema,
        baselineMask: ReportInputSchema.nullable(),
        baselineBrainMask: ReportInputSchema.nullable(),
        followupBrainMask: ReportInputSchema.nullable(),
        baselineVolumeMl: z.number().nonnegative().nullable(),
      })
      .strict(),
    /** The full resolved configuration it ran with (train + analysis + preprocessing), any JSON. */
    configuration: z.record(z.string(), z.unknown()),
    profile: z.string(),
    /** Which method variant ran, e.g. 'paper' or an improved variant's name. */
    variant: z.string(),
    /** The components that produced the map (align, map, smoothing, gate), as run. */
    method: z.record(z.string(), z.unknown()),
    alignment: ReportAlignmentSchema.nullable(),
    geometry: ReportGeometrySchema,
    backend: z.object({ name: z.string(), device: z.string() }).strict(),
    seed: z.number().int(),
    timingsMs: z
      .object({ preprocessing: ms, training: ms, inferring: ms, analysing: ms, total: ms })
      .catchall(ms),
    volumes: ReportVolumesSchema,
    trust: ReportTrustSchema,
    classes: z.object({ modifiedRano: RanoAssessmentSchema, rano2: RanoAssessmentSchema }).strict(),
    /** How the follow-up volume behind the classes was estimated (analysis.volumeEstimate) and its counts. */
    volumeEstimate: z.record(z.string(), z.unknown()),
    perSnapshot: z.array(SnapshotStatsSchema),
    artifacts: z.array(ReportArtifactSchema),
    createdAt: z.iso.datetime(),
  })
  .strict();

export type Report = z.infer<typeof ReportSchema>;
