import { z } from 'zod';

/** Lifecycle of a job (docs/service.md): queued → stages → one terminal state. */
export const JOB_STATUSES = [
  'queued',
  'preprocessing',
  'training',
  'inferring',
  'analysing',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export const JobStatusSchema = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof JobStatusSchema>;

export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];
export function isTerminalStatus(s: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(s);
}

/** The pipeline stages a running job moves through, in order. */
export const JOB_STAGES = ['preprocessing', 'training', 'inferring', 'analysing'] as const;
export const JobStageSchema = z.enum(JOB_STAGES);
export type JobStage = z.infer<typeof JobStageSchema>;

export const JobProfileSchema = z.enum(['paper', 'cpu', 'smoke']);
export type JobProfile = z.infer<typeof JobProfileSchema>;

/** A pseudonym chosen by the hospital; never a patient name (it ends up in logs and listings). */
export const ClientReferenceSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'clientReference must match [A-Za-z0-9._-]{1,64}');

/** The subset of the training config a tenant may override per job; anything else → OVERRIDE_NOT_ALLOWED. */
export const JobOverridesSchema = z
  .object({
    epochs: z.int().min(1).max(100_000).optional(),
    seed: z
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .optional(),
    checkpointEvery: z.int().min(1).max(100_000).optional(),
  })
  .strict();
export type JobOverrides = z.infer<typeof JobOverridesSchema>;

/** The JSON `options` part of `POST /v1/jobs`. */
export const JobOptionsSchema = z
  .object({
    profile: JobProfileSchema.optional(),
    baselineVolumeMl: z.number().positive().max(10_000).optional(),
    clientReference: ClientReferenceSchema.optional(),
    overrides: JobOverridesSchema.optional(),
  })
  .strict();
export type JobOptions = z.infer<typeof JobOptionsSchema>;

export const RanoClassSchema = z.enum(['response', 'stable', 'progression', 'indeterminate']);

export const JobProgressSchema = z.object({
  fraction: z.number().min(0).max(1),
  epoch: z.int().nullable(),
  totalEpochs: z.int().nullable(),
  etaSeconds: z.number().nullable(),
});
export type JobProgress = z.infer<typeof JobProgressSchema>;

export const JobResultSchema = z.object({
  changeMl: z.number(),
  baselineMl: z.number().nullable(),
  predictedFollowupMl: z.number().nullable(),
  modifiedRano: z.object({ class: RanoClassSchema, percentChange: z.number().nullable() }),
  rano2: z.object({ class: RanoClassSchema, percentChange: z.number().nullable() }),
  /** 'ratio' when the header's voxel spacing looks wrong, so mL are approximate (report.json trust). Absent on jobs from before 2.1. */
  trustworthyFigure: z.enum(['mL', 'ratio']).optional(),
  /** The report's trust warnings (implausible header spacing, suspiciously large change). */
  warnings: z.array(z.string()).optional(),
});
export type JobResult = z.infer<typeof JobResultSchema>;

export const JobErrorSchema = z.object({ code: z.string(), message: z.string() });

/** What the API returns for a job (GET /v1/jobs/:id, list items, POST 202 body). */
export const JobViewSchema = z.object({
  id: z.string(),
  status: JobStatusSchema,
  stage: z.string().nullable(),
  progress: JobProgressSchema,
  profile: JobProfileSchema,
  clientReference: z.string().nullable(),
  attempts: z.int().min(0),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: JobErrorSchema.nullable(),
  result: JobResultSchema.nullable(),
  links: z.object({
    self: z.string(),
    artifacts: z.string(),
    /** Once succeeded: POST here (authenticated) for a short-lived browser viewer link. */
    viewerLinks: z.string().optional(),
  }),
});
export type JobView = z.infer<typeof JobViewSchema>;

/** BullMQ job data: ids only — Redis stores it in clear text, so no patient data. */
export const AnalyseJobDataSchema = z.object({ jobId: z.string().min(1) });
export type AnalyseJobData = z.infer<typeof AnalyseJobDataSchema>;
