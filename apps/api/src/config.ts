import { z } from 'zod';
import { AnetError } from '@anet/contracts';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/**
 * The variables the API and the worker share (Postgres, Redis/queue, S3), spread first into both
 * schemas; the worker imports them from `@anet/api/config`.
 */
export const serviceEnvFields = {
  DATABASE_URL: z.string().min(1),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z.string().default('bull'),
  QUEUE_NAME: z.string().default('anet-analyse'),
  S3_ENDPOINT: z.string().url().optional(),
  S3_REGION: z.string().default('us-east-1'),
  S3_BUCKET: z.string().default('anet'),
  S3_ACCESS_KEY_ID: z.string().default('S3RVER'),
  S3_SECRET_ACCESS_KEY: z.string().default('S3RVER'),
  S3_FORCE_PATH_STYLE: bool.default(true),
};

/** LOG_LEVEL of both services (placed by each schema where it has always been). */
export const logLevelField = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

/** Environment of the API. Fails naming the bad variable. */
export const ApiEnvSchema = z.object({
  ...serviceEnvFields,
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: logLevelField,
  /** Per-file upload limit (bytes), default 1 GiB → 413 PAYLOAD_TOO_LARGE above it. */
  MAX_FILE_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 ** 3),
  /** Decompressed-size bound given to the NIfTI validator (gzip bombs). */
  MAX_DECOMPRESSED_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(2 * 1024 ** 3),
  RATE_LIMIT_MAX: z.coerce.number().int().positive().default(600),
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().positive().default(60_000),
  PRESIGN_TTL_SECONDS: z.coerce.number().int().positive().default(300),
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
  ORPHAN_UPLOAD_AGE_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(6 * 3600_000),
  /** How long a resolved API key is cached in-process; revocation takes effect within this. */
  AUTH_CACHE_TTL_MS: z.coerce.number().int().min(0).default(5_000),
  /** First retry delay of a failed attempt (doubles each time); infrastructure errors only. */
  JOB_BACKOFF_MS: z.coerce.number().int().positive().default(10_000),
  JOB_ATTEMPTS: z.coerce.number().int().min(1).default(5),
  /** Whole-request limit (a 1 GiB upload at 2 MB/s needs ~9 min): a trickling client is cut off. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(3_600_000),
  /** Seconds suggested to pollers in Retry-After. */
  RETRY_AFTER_SECONDS: z.coerce.number().int().positive().default(5),
  /** HMAC key of browser viewer links (≥ 32 chars; shared by all API replicas). Unset: a random one per process. */
  VIEWER_LINK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Lifetime of a viewer link (default 1 h, at most 24 h). */
  VIEWER_LINK_TTL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(3600),
});
export type ApiConfig = z.infer<typeof ApiEnvSchema>;

export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<ApiConfig> = {},
): ApiConfig {
  return { ...parseEnv(ApiEnvSchema, env), ...overrides };
}

/** Parses `env` with `schema`; the first bad variable → CONFIG_INVALID naming it. */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? '?');
    throw new AnetError('CONFIG_INVALID', `environment variable ${name}: ${issue.message}`, {
      details: { variable: name },
    });
  }
  return parsed.data;
}
