import { isTerminalStatus, type JobView } from '@anet/contracts';
import type { AnetClient } from './AnetClient';
import { AnetHttpError } from './AnetHttpError';
import { AnetNetworkError } from './AnetNetworkError';
import { sleep } from './sleep';

export interface WaitOptions {
  signal?: AbortSignal;
  /** Called on every poll whose status/stage/progress differs from the previous one. */
  onUpdate?: (job: JobView) => void;
  /** Called when a poll fails transiently and polling goes on. */
  onOutage?: (err: Error, outageMs: number) => void;
  /** Poll interval when the server sends no Retry-After. */
  defaultIntervalMs?: number;
  minIntervalMs?: number;
  maxIntervalMs?: number;
  /** How long the API may stay unreachable before we give up (the job goes on regardless). */
  maxOutageMs?: number;
  /** Poll result from an earlier call (e.g. the 202 of submit): saves one request. */
  initial?: { job: JobView; retryAfterMs?: number };
}

/**
 * Polls a job until it is terminal, honouring the server's Retry-After. Resumable: the job lives on
 * the server, so a failed poll (API restarting, network blip) only delays the next one, up to
 * `maxOutageMs`, and a later `anet watch ID` picks up where this left off.
 */
export async function waitForJob(client: AnetClient, id: string, opts: WaitOptions = {}): Promise<JobView> {
  const defaultMs = opts.defaultIntervalMs ?? 2000;
  const minMs = opts.minIntervalMs ?? 250;
  const maxMs = opts.maxIntervalMs ?? 30_000;
  const maxOutageMs = opts.maxOutageMs ?? 15 * 60_000;
  let last = '';
  let outageSince: number | undefined;
  let next = opts.initial;
  for (;;) {
    if (!next) {
      try {
        next = await client.getJob(id, opts.signal);
        outageSince = undefined;
      } catch (err) {
        if (opts.signal?.aborted || !isTransient(err)) throw err;
        outageSince ??= Date.now();
        const outage = Date.now() - outageSince;
        if (outage > maxOutageMs) throw err;
        opts.onOutage?.(err as Error, outage);
        await sleep(Math.min(maxMs, defaultMs * 2), opts.signal);
        continue;
      }
    }
    const { job, retryAfterMs } = next;
    next = undefined;
    const fingerprint = JSON.stringify([job.status, job.stage, job.progress, job.attempts]);
    if (fingerprint !== last) {
      last = fingerprint;
      opts.onUpdate?.(job);
    }
    if (isTerminalStatus(job.status)) return job;
    await sleep(Math.min(maxMs, Math.max(minMs, retryAfterMs ?? defaultMs)), opts.signal);
  }
}

function isTransient(err: unknown): boolean {
  if (err instanceof AnetNetworkError) return true;
  return err instanceof AnetHttpError && (err.status >= 500 || err.status === 429);
}
