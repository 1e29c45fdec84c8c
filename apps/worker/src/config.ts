import { z } from 'zod';
import { exposureEnvFields, logLevelField, parseEnv, serviceEnvFields } from '@anet/api/config';

/** Worker environment. Shared by the main thread and the sandboxed processor (same process.env). */
export const WorkerEnvSchema = z.object({
  ...serviceEnvFields,
  ...exposureEnvFields,
  LOG_LEVEL: logLevelField,
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
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
  /**
   * End a job's sandbox thread when the job ends, so the next job starts in a fresh one: what a job
   * allocated (native-grid volumes, tfjs's WebAssembly heap) goes back to the OS instead of staying
   * with an idle worker. Costs a few seconds of thread start-up per job.
   */
  WORKER_SANDBOX_PER_JOB: z
    .enum(['true', 'false', '1', '0'])
    .transform((v) => v === 'true' || v === '1')
    .default(true),
  /** Forces a tfjs backend (else the model package picks the best available). */
  ANET_TF_BACKEND: z.string().optional(),
});
export type WorkerConfig = z.infer<typeof WorkerEnvSchema>;

export function loadWorkerConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  return parseEnv(WorkerEnvSchema, env);
}
