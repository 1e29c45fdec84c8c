import { z } from 'zod';
import { JobStatusSchema, JobViewSchema } from './job';

/** The one error body of the REST API. 5xx bodies carry only the code and a generic message. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export const JobIdParamsSchema = z.object({ id: z.string().min(1).max(64) });
/** Text that reaches Postgres: no NUL (Postgres cannot store 0x00 in text). */
const pgText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !s.includes('\0'), 'must not contain a NUL character');

/** Longest artifact name (characters, decoded). */
export const ARTIFACT_NAME_MAX = 128;
export const ArtifactParamsSchema = z.object({
  id: z.string().min(1).max(64),
  name: pgText(ARTIFACT_NAME_MAX).pipe(z.string().min(1)),
});

/** Query of `GET /v1/jobs`. `cursor` is opaque (returned as `nextCursor`). */
export const JobListQuerySchema = z.object({
  status: JobStatusSchema.optional(),
  clientReference: pgText(64).optional(),
  createdAfter: z.iso.datetime({ offset: true }).optional(),
  createdBefore: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: pgText(200).optional(),
});
export type JobListQuery = z.infer<typeof JobListQuerySchema>;

export const JobListResponseSchema = z.object({
  items: z.array(JobViewSchema),
  nextCursor: z.string().nullable(),
});
export type JobListResponse = z.infer<typeof JobListResponseSchema>;

export const ArtifactViewSchema = z.object({
  name: z.string(),
  contentType: z.string(),
  bytes: z.int().min(0),
  sha256: z.string(),
  href: z.string(),
});
export type ArtifactView = z.infer<typeof ArtifactViewSchema>;

export const ArtifactListResponseSchema = z.object({ items: z.array(ArtifactViewSchema) });
export type ArtifactListResponse = z.infer<typeof ArtifactListResponseSchema>;

/** `?download=stream` streams through the API instead of redirecting to a presigned URL. */
export const ArtifactQuerySchema = z.object({ download: z.enum(['redirect', 'stream']).optional() });

/** Header of `POST /v1/jobs` that makes retries safe. */
export const IDEMPOTENCY_KEY_MAX = 128;

export const HealthResponseSchema = z.object({ status: z.literal('ok') });
export const ReadyResponseSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), error: z.string().optional() })),
});
export type ReadyResponse = z.infer<typeof ReadyResponseSchema>;

/** POST /v1/jobs/:id/viewer-links: a signed, expiring link to the job's browser viewer (relative to the API). */
export const ViewerLinkSchema = z.object({
  url: z.string().describe('the viewer page, relative to the API base URL; open it in a browser'),
  expiresAt: z.string(),
});
export type ViewerLink = z.infer<typeof ViewerLinkSchema>;
