import { ClientReferenceSchema, JobProfileSchema, type JobOptions } from '@anet/contracts';
import { UsageError } from '../output/UsageError';

/** Command-line values → the `options` part of POST /v1/jobs, checked locally (exit 2 before any upload). */
export function parseJobOptions(raw: {
  profile?: string;
  ref?: string;
  baselineVolumeMl?: string;
  epochs?: string;
  seed?: string;
}): JobOptions {
  const options: JobOptions = {};
  if (raw.profile !== undefined) {
    const p = JobProfileSchema.safeParse(raw.profile);
    if (!p.success) throw new UsageError(`--profile must be one of ${JobProfileSchema.options.join(', ')}`);
    options.profile = p.data;
  }
  if (raw.ref !== undefined) {
    if (!ClientReferenceSchema.safeParse(raw.ref).success) {
      throw new UsageError(
        '--ref must be a pseudonym of 1-64 characters from [A-Za-z0-9._-] (never a patient name)',
      );
    }
    options.clientReference = raw.ref;
  }
  if (raw.baselineVolumeMl !== undefined) {
    options.baselineVolumeMl = parsePositive('--baseline-volume-ml', raw.baselineVolumeMl, false);
  }
  const overrides: NonNullable<JobOptions['overrides']> = {};
  if (raw.epochs !== undefined) overrides.epochs = parsePositive('--epochs', raw.epochs, true);
  if (raw.seed !== undefined) {
    const seed = Number(raw.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new UsageError('--seed must be a non-negative integer');
    overrides.seed = seed;
  }
  if (Object.keys(overrides).length > 0) options.overrides = overrides;
  return options;
}

export function parsePositive(flag: string, value: string, integer: boolean): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(
      `${flag} must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}
