import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AnetError, isTerminalStatus, type JobOptions, type JobView } from '@anet/contracts';
import { AnetHttpError, fetchArtifacts, waitForJob, type AnetClient } from '../client';
import { resolveInputVolume, type InputVolume } from '../dicom';
import { describeError } from '../output/describeError';
import { BatchState, type RowState } from './BatchState';
import { parseManifest, type ManifestRow } from './parseManifest';
import { writeSummaryCsv, type SummaryRow } from './writeSummaryCsv';

export interface BatchEvent {
  line: number;
  ref?: string;
  event: 'invalid' | 'submitted' | 'resumed' | 'progress' | 'finished' | 'rejected' | 'error';
  jobId?: string | null;
  status?: string;
  errorCode?: string | null;
  message?: string;
}

export interface BatchOptions {
  client: AnetClient;
  manifestPath: string;
  outDir: string;
  concurrency?: number;
  /** Applied to every row (profile, overrides); part of each row's idempotency key. */
  jobOptions?: Omit<JobOptions, 'clientReference' | 'baselineVolumeMl'>;
  signal?: AbortSignal;
  onEvent?: (e: BatchEvent) => void;
  /** Poll interval when the server sends no Retry-After. */
  pollIntervalMs?: number;
}

export interface BatchResult {
  summaryPath: string;
  statePath: string;
  rows: Array<SummaryRow & { line: number }>;
}

/**
 * Runs a manifest: submits each valid row (Idempotency-Key from the row), follows the jobs with at
 * most `concurrency` in flight, fetches each result into OUT/<ref>/ as it finishes, and writes
 * OUT/summary.csv. Progress lives in MANIFEST.state.json, so a re-run after an interruption resumes
 * the jobs it knows and never submits a row twice (the server's idempotency guards the gap between a
 * submit and the state write).
 */
export async function runBatch(opts: BatchOptions): Promise<BatchResult> {
  const { client, signal } = opts;
  const emit = opts.onEvent ?? (() => {});
  const statePath = `${opts.manifestPath}.state.json`;
  let text: string;
  try {
    text = await readFile(opts.manifestPath, 'utf8');
  } catch (err) {
    throw new AnetError(
      'VALIDATION_FAILED',
      `cannot read manifest ${opts.manifestPath}: ${(err as Error).message}`,
    );
  }
  const { rows, problems } = parseManifest(text, dirname(opts.manifestPath));
  const state = await BatchState.load(statePath);
  for (const p of problems)
    emit({ line: p.line, ref: p.ref, event: 'invalid', errorCode: 'VALIDATION_FAILED', message: p.message });

  const keyOf = (row: ManifestRow) =>
    `anet-batch-${createHash('sha256')
      .update(`${row.rowHash}|${JSON.stringify(opts.jobOptions ?? {})}`)
      .digest('hex')}`;

  const queue = [...rows];
  const worker = async () => {
    for (let row = queue.shift(); row && !signal?.aborted; row = queue.shift()) {
      await processRow(row, keyOf(row));
    }
  };

  const processRow = async (row: ManifestRow, key: string) => {
    const base = { line: row.line, ref: row.ref, idempotencyKey: key };
    const save = (patch: Partial<RowState>) => state.update(key, { ...base, ...patch });
    let current = state.get(key);
    if (current?.jobId && current.fetched && isTerminalStatus(current.status as JobView['status'])) return;
    try {
      let jobId = current?.jobId ?? null;
      let initial: { job: JobView; retryAfterMs?: number } | undefined;
      if (jobId) {
        emit({ line: row.line, ref: row.ref, event: 'resumed', jobId, status: current?.status });
      } else {
        const submitted = await submitRow(client, row, key, opts.jobOptions, signal);
        jobId = submitted.job.id;
        initial = { job: submitted.job, retryAfterMs: submitted.retryAfterMs };
        await save({
          jobId,
          status: submitted.job.status,
          errorCode: null,
          errorMessage: null,
          fetched: false,
        });
        emit({ line: row.line, ref: row.ref, event: 'submitted', jobId, status: submitted.job.status });
      }
      const job = await waitForJob(client, jobId, {
        signal,
        initial,
        defaultIntervalMs: opts.pollIntervalMs,
        onUpdate: (j) => {
          if (j.status !== current?.status) {
            current = { ...(current ?? ({} as RowState)), status: j.status };
            // Best effort: the outcome is saved (and awaited) when the job ends.
            save({ status: j.status }).catch(() => undefined);
            emit({ line: row.line, ref: row.ref, event: 'progress', jobId, status: j.status });
          }
        },
      });
      const outcome = {
        status: job.status,
        changeMl: job.result?.changeMl ?? null,
        rano: job.result?.modifiedRano.class ?? null,
        errorCode: job.error?.code ?? (job.status === 'cancelled' ? 'JOB_CANCELLED' : null),
        errorMessage: job.error?.message ?? null,
      };
      if (job.status === 'succeeded')
        await fetchArtifacts(client, job.id, join(opts.outDir, row.ref), { signal });
      await save({ ...outcome, fetched: true });
      emit({
        line: row.line,
        ref: row.ref,
        event: 'finished',
        jobId,
        status: job.status,
        errorCode: outcome.errorCode,
      });
    } catch (err) {
      if (signal?.aborted) return;
      const d = describeError(err);
      const rejected = err instanceof AnetHttpError && err.status < 500 && err.status !== 429;
      const local = err instanceof AnetError;
      const known = state.get(key)?.jobId ?? null;
      // A row without a job whose input or request was bad is final for this run; anything else stays pending.
      const status = known
        ? (state.get(key)?.status ?? 'pending')
        : rejected
          ? 'rejected'
          : local
            ? 'invalid'
            : 'pending';
      await save({ jobId: known, status, errorCode: d.code, errorMessage: d.message });
      emit({
        line: row.line,
        ref: row.ref,
        event: rejected ? 'rejected' : 'error',
        jobId: known,
        status,
        errorCode: d.code,
        message: d.message,
      });
    }
  };

  const n = Math.max(1, Math.min(opts.concurrency ?? 2, 16));
  await Promise.all(Array.from({ length: n }, worker));

  const summary: Array<SummaryRow & { line: number }> = [
    ...problems.map((p) => ({
      line: p.line,
      ref: p.ref ?? '',
      jobId: null,
      status: 'invalid',
      changeMl: null,
      rano: null,
      errorCode: 'VALIDATION_FAILED',
    })),
    ...rows.map((row) => {
      const s = state.get(keyOf(row));
      return {
        line: row.line,
        ref: row.ref,
        jobId: s?.jobId ?? null,
        status: s ? (s.fetched || !s.jobId ? s.status : 'pending') : 'pending',
        changeMl: s?.changeMl ?? null,
        rano: s?.rano ?? null,
        errorCode: s?.errorCode ?? null,
      };
    }),
  ].sort((a, b) => a.line - b.line);
  const summaryPath = join(opts.outDir, 'summary.csv');
  await mkdir(opts.outDir, { recursive: true });
  await writeSummaryCsv(summaryPath, summary);
  return { summaryPath, statePath, rows: summary };
}

async function submitRow(
  client: AnetClient,
  row: ManifestRow,
  idempotencyKey: string,
  jobOptions: BatchOptions['jobOptions'],
  signal?: AbortSignal,
) {
  const inputs: InputVolume[] = [];
  try {
    const get = async (label: string, path: string) => {
      const input = await resolveInputVolume(label, path);
      inputs.push(input);
      return input.path;
    };
    const baseline = await get('baseline', row.baseline);
    const followup = await get('followup', row.followup);
    const optional = (label: string, path: string | undefined) =>
      path ? get(label, path) : Promise.resolve(undefined);
    const baselineMask = await optional('baseline_mask', row.baselineMask);
    const baselineBrainMask = await optional('baseline_brain_mask', row.baselineBrainMask);
    const followupBrainMask = await optional('followup_brain_mask', row.followupBrainMask);
    return await client.submitJob({
      baseline,
      followup,
      baselineMask,
      baselineBrainMask,
      followupBrainMask,
      idempotencyKey,
      signal,
      options: {
        ...jobOptions,
        clientReference: row.ref,
        ...(row.baselineVolumeMl !== undefined ? { baselineVolumeMl: row.baselineVolumeMl } : {}),
      },
    });
  } finally {
    await Promise.all(inputs.map((i) => i.cleanup()));
  }
}
