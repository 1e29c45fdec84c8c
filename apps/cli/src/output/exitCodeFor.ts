import { CommanderError } from 'commander';
import { AnetError, isInputError } from '@anet/contracts';
import { AnetHttpError, AnetNetworkError, ArtifactChecksumError } from '../client';
import { EXIT, type ExitCode } from '../exitCodes';
import { InterruptedError } from './InterruptedError';
import { JobFailedError } from './JobFailedError';
import { UsageError } from './UsageError';

const INTERRUPTED = 130;

/**
 * The one mapping from errors to the documented exit codes: 2 usage, 3 local input,
 * 4 the server rejected the request (4xx), 5 the job failed/was cancelled, 6 network/server
 * unavailable (connection errors, 5xx or 429 after all retries, corrupted transfer), 1 anything else,
 * 130 interrupted by Ctrl-C (the shell convention).
 */
export function exitCodeFor(err: unknown): ExitCode | typeof INTERRUPTED {
  if (err instanceof InterruptedError) return INTERRUPTED;
  if (err instanceof UsageError) return EXIT.USAGE;
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  if (err instanceof JobFailedError) return EXIT.JOB_FAILED;
  if (err instanceof AnetNetworkError || err instanceof ArtifactChecksumError) return EXIT.NETWORK;
  if (err instanceof AnetHttpError) {
    return err.status >= 500 || err.status === 429 ? EXIT.NETWORK : EXIT.SERVER_REJECTED;
  }
  // a service we depend on (the database for `keys`) could not be reached: like an unreachable API
  if (err instanceof AnetError && err.code === 'DEPENDENCY_UNAVAILABLE') return EXIT.NETWORK;
  if (err instanceof AnetError) return isInputError(err.code) ? EXIT.INPUT : EXIT.INTERNAL;
  return EXIT.INTERNAL;
}
