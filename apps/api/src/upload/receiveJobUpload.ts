import { createHash } from 'node:crypto';
import { Transform, pipeline, type Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type {} from '@fastify/multipart';
import { AnetError, affinesAgree, checkStudyPair, JobOptionsSchema, type JobOptions } from '@anet/contracts';
import { isMalformedMultipart } from './isMalformedMultipart';
import { estimateJobBytes, idleWatchdog, isClientAbort, type IdleWatchdog } from './uploadGuards';
import { INPUT_PARTS, inputKey, jobPrefix, type InputPart, type ObjectStore } from '../storage';

/** What a streaming NIfTI validator gives back (the subset the API uses). */
export interface InputSummary {
  dims: number[];
  spacing?: number[];
  /** Row-major 4×4 voxel→world affine. */
  affine?: number[];
}
/** `push` may be async (gzip inflation off the event loop): it is awaited before the next chunk (backpressure). */
export interface StreamingValidator {
  push(chunk: Uint8Array): void | Promise<void>;
  finish(): InputSummary | Promise<InputSummary>;
}
export type ValidatorFactory = () => StreamingValidator;

export interface StoredInput {
  key: string;
  sha256: string;
  bytes: number;
  summary: InputSummary;
}
export interface ReceivedUpload {
  inputs: {
    baseline: StoredInput;
    followup: StoredInput;
    baselineMask?: StoredInput;
    baselineBrainMask?: StoredInput;
    followupBrainMask?: StoredInput;
  };
  options: JobOptions;
}

/** Each mask part and the scan whose grid it must be on. */
const MASK_SCANS = {
  baselineMask: 'baseline',
  baselineBrainMask: 'baseline',
  followupBrainMask: 'followup',
} as const satisfies Partial<Record<InputPart, 'baseline' | 'followup'>>;
const MASK_PARTS = Object.keys(MASK_SCANS) as (keyof typeof MASK_SCANS)[];

export interface ReceiveContext {
  store: ObjectStore;
  tenantId: string;
  jobId: string;
  maxFileBytes: number;
  createValidator: ValidatorFactory;
  /** No byte of body for this long → 408 REQUEST_TIMEOUT. */
  idleTimeoutMs: number;
  /** Estimated working memory of the job (from both headers) above this → 413 JOB_TOO_LARGE. */
  maxJobWorkingBytes: number;
}

/**
 * Streams each file part straight to S3 through a tap that hashes it and feeds the NIfTI
 * validator, so nothing is buffered and a bad header fails the upload early. On ANY failure
 * every object stored under this job's prefix is deleted before the error propagates.
 */
export async function receiveJobUpload(req: FastifyRequest, ctx: ReceiveContext): Promise<ReceivedUpload> {
  if (!req.isMultipart())
    throw new AnetError('UNSUPPORTED_MEDIA_TYPE', 'POST /v1/jobs takes multipart/form-data');
  const inputs: Partial<Record<InputPart, StoredInput>> = {};
  let options: JobOptions | undefined;
  let touched = false;
  const watchdog = idleWatchdog(req, ctx.idleTimeoutMs);
  try {
    const parts = req.parts({
      limits: {
        fileSize: ctx.maxFileBytes,
        files: INPUT_PARTS.length,
        fields: 4,
        parts: INPUT_PARTS.length + 5,
        fieldSize: 64 * 1024,
      },
    });
    // Iterated by hand so that waiting for the next part also gives up when the body goes idle.
    const it = parts[Symbol.asyncIterator]();
    for (;;) {
      const next = await watchdog.race(it.next());
      if (next.done) break;
      const part = next.value;
      if (part.type === 'file') {
        const name = part.fieldname as InputPart;
        if (!INPUT_PARTS.includes(name) || inputs[name]) {
          part.file.resume();
          throw new AnetError('PART_UNEXPECTED', `unexpected file part '${part.fieldname}'`);
        }
        touched = true;
        inputs[name] = await storePart(part.file, name, ctx, watchdog);
      } else {
        if (part.fieldname !== 'options' || options)
          throw new AnetError('PART_UNEXPECTED', `unexpected field '${part.fieldname}'`);
        if ((part as { valueTruncated?: boolean }).valueTruncated)
          throw new AnetError('OPTIONS_INVALID', 'options is longer than the 64 KiB field limit');
        options = parseOptions(String(part.value));
      }
    }
    if (!inputs.baseline) throw new AnetError('PART_MISSING', "file part 'baseline' is required");
    if (!inputs.followup) throw new AnetError('PART_MISSING', "file part 'followup' is required");
    const b = inputs.baseline.summary;
    const f = inputs.followup.summary;
    // Headers are enough to refuse a pair that cannot be one head imaged twice, before 202.
    if (b.spacing && f.spacing)
      checkStudyPair(
        { dims: b.dims, spacing: b.spacing, affine: b.affine },
        { dims: f.dims, spacing: f.spacing, affine: f.affine },
      );
    const need = estimateJobBytes(b.dims, f.dims);
    if (need > ctx.maxJobWorkingBytes)
      throw new AnetError(
        'JOB_TOO_LARGE',
        `the pair needs about ${gib(need)} GiB of working memory (${b.dims.join('×')} and ${f.dims.join('×')} voxels); this service allows ${gib(ctx.maxJobWorkingBytes)} GiB: send scans on a coarser grid`,
        { details: { estimatedBytes: need, limitBytes: ctx.maxJobWorkingBytes } },
      );
    const scans = { baseline: b, followup: f };
    for (const part of MASK_PARTS) {
      const mask = inputs[part];
      if (mask) checkMaskGrid(part, mask.summary, MASK_SCANS[part], scans[MASK_SCANS[part]]);
    }
    return {
      inputs: {
        baseline: inputs.baseline,
        followup: inputs.followup,
        baselineMask: inputs.baselineMask,
        baselineBrainMask: inputs.baselineBrainMask,
        followupBrainMask: inputs.followupBrainMask,
      },
      options: options ?? {},
    };
  } catch (err) {
    if (touched) await ctx.store.deletePrefix(jobPrefix(ctx.tenantId, ctx.jobId)).catch(() => undefined);
    throw classifyUploadError(req, err, watchdog);
  } finally {
    watchdog.stop();
  }
}

const gib = (n: number) => (n / 1024 ** 3).toFixed(1);

/** An idle body is the client's timeout and a vanished client its abort, whatever S3 said about it. */
function classifyUploadError(req: FastifyRequest, err: unknown, watchdog: IdleWatchdog): unknown {
  if (watchdog.fired) return watchdog.fired;
  if (err instanceof AnetError && err.httpStatus < 500) return err;
  if (isClientAbort(req, err))
    return new AnetError(
      'REQUEST_ABORTED',
      'the client closed the connection before the upload was complete',
      {
        cause: err,
      },
    );
  return err;
}

async function storePart(
  file: Readable & { truncated?: boolean },
  name: InputPart,
  ctx: ReceiveContext,
  watchdog: IdleWatchdog,
): Promise<StoredInput> {
  // An idle body ends this part's stream, so the S3 upload stops and is cleaned up like any failure.
  watchdog.onFire((err) => file.destroy(err));
  const hash = createHash('sha256');
  const validator = ctx.createValidator();
  let bytes = 0;
  let tapError: unknown;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      Promise.resolve()
        .then(() => validator.push(chunk))
        .then(
          () => cb(null, chunk),
          (err) => {
            tapError = err;
            cb(err as Error);
          },
        );
    },
  });
  const key = inputKey(ctx.tenantId, ctx.jobId, name);
  pipeline(file, tap, () => undefined);
  try {
    await ctx.store.putStream(key, tap);
  } catch (err) {
    // The client's body ended early or is malformed: its fault, although it surfaces through S3.
    if (!tapError && isMalformedMultipart(err))
      throw new AnetError('MULTIPART_INVALID', `${name}: the multipart body is malformed or ended early`, {
        cause: err,
        details: { part: name },
      });
    throw tagPart(tapError ?? err, name);
  }
  if (file.truncated)
    throw new AnetError('PAYLOAD_TOO_LARGE', `'${name}' is larger than ${ctx.maxFileBytes} bytes`);
  if (bytes === 0) throw new AnetError('PART_EMPTY', `'${name}' is empty`);
  let summary: InputSummary;
  try {
    summary = await validator.finish();
  } catch (err) {
    throw tagPart(err, name);
  }
  return { key, sha256: hash.digest('hex'), bytes, summary };
}

/** Says which part was bad: the validator's message alone does not. */
function tagPart(err: unknown, part: InputPart): unknown {
  if (err instanceof AnetError && err.code !== 'STORAGE_FAILED' && err.code !== 'INTERNAL')
    return new AnetError(err.code, `${part}: ${err.message}`, {
      cause: err,
      details: { ...err.details, part },
    });
  return err;
}

function parseOptions(raw: string): JobOptions {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new AnetError('OPTIONS_INVALID', 'options must be a JSON object', { cause: err });
  }
  const parsed = JobOptionsSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue.code === 'unrecognized_keys' && issue.path[0] === 'overrides')
    throw new AnetError('OVERRIDE_NOT_ALLOWED', `overrides not allowed: ${issue.keys.join(', ')}`, {
      details: { keys: issue.keys },
    });
  throw new AnetError('OPTIONS_INVALID', `options.${issue.path.join('.')}: ${issue.message}`, {
    details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
  });
}

/**
 * A mask must lie on its own scan's grid: same dims and the same voxel→world affine, within the
 * tolerance the pipeline's mask check uses (translation 0.1 mm, linear part 0.1 %), so a mask the
 * worker would refuse is refused here, before 202. Headers without an affine are compared by dims.
 */
function checkMaskGrid(part: InputPart, mask: InputSummary, scanPart: InputPart, scan: InputSummary): void {
  const details = { part, maskDims: mask.dims, scanDims: scan.dims };
  if (!sameDims(mask.dims, scan.dims))
    throw new AnetError(
      'MASK_GRID_MISMATCH',
      `${part}: the mask is ${mask.dims.join('×')} voxels, the ${scanPart} scan ${scan.dims.join('×')}: send the mask in its own scan's grid`,
      { details },
    );
  if (mask.affine && scan.affine && !affinesAgree(mask.affine, scan.affine))
    throw new AnetError(
      'MASK_GRID_MISMATCH',
      `${part}: the mask's voxel-to-world affine differs from the ${scanPart} scan's (another orientation or position): send the mask in its own scan's grid`,
      { details },
    );
}

function sameDims(a: number[], b: number[]): boolean {
  return a.length >= 3 && b.length >= 3 && a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
}
