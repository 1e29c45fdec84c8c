import { AnetError } from '@anet/contracts';
import { AnetHttpError, AnetNetworkError, ArtifactChecksumError } from '../client';
import { InterruptedError } from './InterruptedError';
import { JobFailedError } from './JobFailedError';
import { UsageError } from './UsageError';

/** What to tell a person for the statuses they will meet most. */
const HINTS: Record<number, string> = {
  401: 'the API token is missing, wrong or revoked: check ANET_TOKEN / --token / the config file',
  403: 'this token may not do that',
  404: 'no such job (or it belongs to another hospital account): check the id',
  409: 'the job is not in a state that allows this',
  413: 'an input file is larger than the server accepts',
  415: 'the server did not accept the upload format',
  422: 'the server could not use the input: see the code above',
  429: 'the server is rate limiting this account: try again later',
};

/** A stable, machine-readable shape for any error (printed as JSON with --json). */
export function describeError(err: unknown): {
  code: string;
  message: string;
  httpStatus?: number;
  hint?: string;
} {
  if (err instanceof AnetHttpError) {
    return {
      code: err.code,
      message: `${err.method} ${err.path} → HTTP ${err.status}: ${err.message}`,
      httpStatus: err.status,
      hint: HINTS[err.status] ?? (err.status >= 500 ? 'the server failed; try again later' : undefined),
    };
  }
  if (err instanceof AnetNetworkError) {
    return {
      code: 'NETWORK_UNREACHABLE',
      message: err.message,
      hint: 'check --url / ANET_URL and the network',
    };
  }
  if (err instanceof ArtifactChecksumError) {
    return {
      code: 'ARTIFACT_CHECKSUM_MISMATCH',
      message: err.message,
      hint: 'the download was corrupted twice: run `anet fetch` again',
    };
  }
  if (err instanceof JobFailedError) {
    return {
      code: err.job.error?.code ?? (err.job.status === 'cancelled' ? 'JOB_CANCELLED' : 'JOB_FAILED'),
      message: err.message,
    };
  }
  if (err instanceof InterruptedError) return { code: 'INTERRUPTED', message: err.message };
  if (err instanceof UsageError) return { code: 'USAGE', message: err.message, hint: 'see --help' };
  if (err instanceof AnetError) return { code: err.code, message: err.message };
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}
