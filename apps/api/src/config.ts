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

/**
 * Settings both services have in their own schema: the interface they listen on, how long one
 * health probe may take, and the token a Prometheus scraper must present.
 */
export const exposureEnvFields = {
  /** 127.0.0.1 by default (a dev machine); the containers set 0.0.0.0. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Each dependency check of /readyz gives up after this long (a dead Redis must not hang it). */
  HEALTH_PROBE_TIMEOUT_MS: z.coerce.number().int().positive().default(2_000),
  /**
   * Bearer token for /metrics. Unset: /metrics serves process and HTTP figures only; set: it requires
   * `Authorization: Bearer <token>` and adds job and queue figures.
   */
  METRICS_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16).optional()),
};

/** LOG_LEVEL of both services (placed by each schema where it has always been). */
export const logLevelField = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

/** Environment of the API. Fails naming the bad variable. */
export const ApiEnvSchema = z.object({
  ...serviceEnvFields,
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  ...exposureEnvFields,
  LOG_LEVEL: logLevelField,
  /** `pretty`: one readable line per entry (the dev stack on a terminal); `json` otherwise. */
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
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
  /**
   * Whole-request limit. Unset: derived from MAX_FILE_BYTES and MIN_UPLOAD_BYTES_PER_SECOND (two scans
   * of the largest size at the slowest rate we serve, plus a minute), see `requestTimeoutMs`.
   */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  /** The slowest upload rate the total request timeout allows for (default 2 MiB/s). */
  MIN_UPLOAD_BYTES_PER_SECOND: z.coerce
    .number()
    .int()
    .positive()
    .default(2 * 1024 ** 2),
  /** An upload body that sends no byte for this long is answered 408 REQUEST_TIMEOUT and closed. */
  UPLOAD_IDLE_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** Uploads one tenant may have in flight on one API process; more → 429 TOO_MANY_UPLOADS. */
  MAX_CONCURRENT_UPLOADS_PER_TENANT: z.coerce.number().int().positive().default(4),
  /** Requests with a missing, malformed or unknown key one client address may make per window, then 429. */
  AUTH_FAILURES_MAX: z.coerce.number().int().positive().default(30),
  AUTH_FAILURES_WINDOW_MS: z.coerce.number().int().positive().default(60_000),
  /** Redis commands of the API give up after this long (an unreachable Redis answers fast). */
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().positive().default(1_000),
  /**
   * Largest scan accepted, in voxels (x·y·z·t): a 3D T1 is at most 512×512×400. Checked from the
   * header, before anything is decompressed or stored beyond the header → 413 NIFTI_TOO_LARGE.
   */
  MAX_VOXELS_PER_SCAN: z.coerce
    .number()
    .int()
    .positive()
    .default(512 * 512 * 400),
  /**
   * Working memory a job may need, estimated from both headers (see `estimateJobBytes`), checked
   * before 202 → 413 JOB_TOO_LARGE. Default 6 GiB: a pair of 512×512×400 scans fits.
   */
  MAX_JOB_WORKING_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(6 * 1024 ** 3),
  /** Seconds suggested to pollers in Retry-After. */
  RETRY_AFTER_SECONDS: z.coerce.number().int().positive().default(5),
  /** HMAC key of browser viewer links (≥ 32 chars; shared by all API replicas). Unset: a random one per process. */
  VIEWER_LINK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Lifetime of a viewer link (default 1 h, at most 24 h). */
  VIEWER_LINK_TTL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(3600),
});
export type ApiConfig = z.infer<typeof ApiEnvSchema>;

/**
 * The whole-request limit: REQUEST_TIMEOUT_MS when set, else two files of MAX_FILE_BYTES at
 * MIN_UPLOAD_BYTES_PER_SECOND plus a minute (1 GiB files at 2 MiB/s: about 18 min).
 */
export function requestTimeoutMs(c: ApiConfig): number {
  return (
    c.REQUEST_TIMEOUT_MS ??
    Math.ceil(((2 * c.MAX_FILE_BYTES) / c.MIN_UPLOAD_BYTES_PER_SECOND) * 1000) + 60_000
  );
}

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
