import { z } from 'zod';
import { AnetError } from '@anet/contracts';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Worker environment. Shared by the main thread and the sandboxed processor (same process.env). */
export const WorkerEnvSchema = z.object({
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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** One job per GPU: training is compute-bound, concurrency above 1 only helps I/O. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).default(1),
  /** Port of the small health server (/healthz, /readyz with backend+device, /metrics); 0 = any free port. */
  WORKER_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  /**
   * Lock settings for long jobs. The processor runs in a worker thread, so the main thread keeps
   * renewing the lock (every lockDuration/2) however busy training is; a lock that does expire means
   * the process died, and the stall checker hands the job to another worker, which resumes from the
   * latest checkpoint.
   */
  LOCK_DURATION_MS: z.coerce.number().int().positive().default(120_000),
  STALLED_INTERVAL_MS: z.coerce.number().int().positive().default(60_000),
  MAX_STALLED_COUNT: z.coerce.number().int().min(0).default(3),
  /** How often the processor checks the job row for a cancel request (and throttles progress writes). */
  CANCEL_POLL_MS: z.coerce.number().int().positive().default(1_000),
  /** Checkpoints kept per job (the latest N). */
  CHECKPOINTS_KEPT: z.coerce.number().int().min(1).default(2),
  /** Forces a tfjs backend (else the model package picks the best available). */
  ANET_TF_BACKEND: z.string().optional(),
});
export type WorkerConfig = z.infer<typeof WorkerEnvSchema>;

export function loadWorkerConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  const parsed = WorkerEnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? '?');
    throw new AnetError('CONFIG_INVALID', `environment variable ${name}: ${issue.message}`, {
      details: { variable: name },
    });
  }
  return parsed.data;
}
