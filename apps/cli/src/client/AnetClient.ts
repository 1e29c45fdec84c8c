import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { z } from 'zod';
import {
  ArtifactListResponseSchema,
  ErrorBodySchema,
  IDEMPOTENCY_KEY_MAX,
  JobListResponseSchema,
  JobViewSchema,
  ViewerLinkSchema,
  type ArtifactView,
  type JobListResponse,
  type JobOptions,
  type JobStatus,
  type JobView,
  type ViewerLink,
} from '@anet/contracts';
import { AnetHttpError } from './AnetHttpError';
import { ArtifactChecksumError } from './ArtifactChecksumError';
import { AnetNetworkError } from './AnetNetworkError';
import { multipartBody, type MultipartBody, type MultipartPart } from './multipartBody';
import { redactSecret } from './redactSecret';
import { sleep } from './sleep';
import { streamingPost } from './streamingPost';
import {
  computeBackoffMs,
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  parseRetryAfter,
  type RetryPolicy,
} from './retryPolicy';

export interface RetryNotice {
  method: string;
  path: string;
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface AnetClientOptions {
  baseUrl: string;
  token: string;
  retry?: Partial<RetryPolicy>;
  /** Per-request timeout for everything except uploads and downloads. */
  requestTimeoutMs?: number;
  onRetry?: (notice: RetryNotice) => void;
  random?: () => number;
}

export interface SubmitJobInput {
  baseline: string;
  followup: string;
  baselineMask?: string;
  /** Brain masks (0/1 NIfTI), each in its own scan's grid; the service computes them when absent. */
  baselineBrainMask?: string;
  followupBrainMask?: string;
  options?: JobOptions;
  /** Makes retries (and re-runs) safe; generated when absent so a retried POST never duplicates a job. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface SubmitJobResult {
  job: JobView;
  /** 202 = newly created; 200 = an earlier submission with the same Idempotency-Key. */
  httpStatus: number;
  retryAfterMs?: number;
  idempotencyKey: string;
}

export interface ListJobsQuery {
  status?: JobStatus;
  clientReference?: string;
  createdAfter?: string;
  createdBefore?: string;
  limit?: number;
  cursor?: string;
}

export interface DownloadedArtifact {
  name: string;
  path: string;
  bytes: number;
  sha256: string;
}

interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  /** A streamed multipart body (sent with node:http, see streamingPost); re-opened per attempt. */
  upload?: MultipartBody;
  signal?: AbortSignal;
  /** false for uploads/downloads, whose duration depends on size. */
  timeout?: boolean;
  redirect?: RequestInit['redirect'];
  auth?: boolean;
}

/**
 * The typed HTTP client of the anet REST API — the one place that knows the contract
 * (see packages/contracts job.ts/api.ts). Retries 5xx, 429 (honouring Retry-After) and connection
 * errors with bounded exponential backoff; never puts the token in an error message.
 */
export class AnetClient {
  readonly baseUrl: string;
  readonly #token: string;
  readonly #policy: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #onRetry?: (notice: RetryNotice) => void;
  readonly #random: () => number;

  constructor(opts: AnetClientOptions) {
    // A trailing slash makes relative resolution keep any path prefix (https://host/anet/).
    this.baseUrl = opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`;
    this.#token = opts.token;
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
    this.#timeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.#onRetry = opts.onRetry;
    this.#random = opts.random ?? Math.random;
  }

  /** Resolves an API path ('/v1/jobs') or an absolute URL against the base URL. */
  url(path: string): URL {
    if (/^https?:\/\//i.test(path)) return new URL(path);
    return new URL(path.replace(/^\/+/, ''), this.baseUrl);
  }

  async submitJob(input: SubmitJobInput): Promise<SubmitJobResult> {
    const idempotencyKey = input.idempotencyKey ?? `anet-cli-${randomUUID()}`;
    if (idempotencyKey.length > IDEMPOTENCY_KEY_MAX) {
      throw new Error(`Idempotency-Key longer than ${IDEMPOTENCY_KEY_MAX} characters`);
    }
    // options first, so the server can validate them before it streams the files.
    const parts: MultipartPart[] = [];
    if (input.options) parts.push({ name: 'options', value: JSON.stringify(input.options) });
    parts.push({ name: 'baseline', path: input.baseline }, { name: 'followup', path: input.followup });
    if (input.baselineMask) parts.push({ name: 'baselineMask', path: input.baselineMask });
    if (input.baselineBrainMask) parts.push({ name: 'baselineBrainMask', path: input.baselineBrainMask });
    if (input.followupBrainMask) parts.push({ name: 'followupBrainMask', path: input.followupBrainMask });
    const upload = await multipartBody(parts);
    const res = await this.#request('POST', '/v1/jobs', {
      upload,
      headers: { 'idempotency-key': idempotencyKey },
      signal: input.signal,
      timeout: false,
    });
    return {
      job: await this.#json(res, JobViewSchema, 'POST', '/v1/jobs'),
      httpStatus: res.status,
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
      idempotencyKey,
    };
  }

  async getJob(id: string, signal?: AbortSignal): Promise<{ job: JobView; retryAfterMs?: number }> {
    const path = `/v1/jobs/${encodeURIComponent(id)}`;
    const res = await this.#request('GET', path, { signal });
    return {
      job: await this.#json(res, JobViewSchema, 'GET', path),
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
    };
  }

  async listJobs(query: ListJobsQuery = {}, signal?: AbortSignal): Promise<JobListResponse> {
    const res = await this.#request('GET', '/v1/jobs', { query: { ...query }, signal });
    return this.#json(res, JobListResponseSchema, 'GET', '/v1/jobs');
  }

  async cancelJob(id: string, signal?: AbortSignal): Promise<JobView> {
    const path = `/v1/jobs/${encodeURIComponent(id)}/cancel`;
    const res = await this.#request('POST', path, { signal });
    return this.#json(res, JobViewSchema, 'POST', path);
  }

  async deleteJob(id: string, signal?: AbortSignal): Promise<void> {
    const path = `/v1/jobs/${encodeURIComponent(id)}`;
    const res = await this.#request('DELETE', path, { signal });
    await res.body?.cancel();
  }

  /** A short-lived browser link to the job's viewer, as an absolute URL (the API answers a relative one). */
  async createViewerLink(id: string, signal?: AbortSignal): Promise<ViewerLink> {
    const path = `/v1/jobs/${encodeURIComponent(id)}/viewer-links`;
    const res = await this.#request('POST', path, { signal });
    const link = await this.#json(res, ViewerLinkSchema, 'POST', path);
    return { ...link, url: this.url(link.url).toString() };
  }

  async listArtifacts(id: string, signal?: AbortSignal): Promise<ArtifactView[]> {
    const path = `/v1/jobs/${encodeURIComponent(id)}/artifacts`;
    const res = await this.#request('GET', path, { signal });
    return (await this.#json(res, ArtifactListResponseSchema, 'GET', path)).items;
  }

  /**
   * Downloads one artifact to `destPath` (via `destPath.part`, renamed when complete), hashing while
   * writing; throws when size or sha256 differ from the listing. Follows the API's 302 to the
   * presigned URL without our token; if that URL is unreachable from here (internal S3 host), falls
   * back to streaming through the API.
   */
  async downloadArtifact(
    jobId: string,
    artifact: ArtifactView,
    destPath: string,
    signal?: AbortSignal,
  ): Promise<DownloadedArtifact> {
    const path = `/v1/jobs/${encodeURIComponent(jobId)}/artifacts/${encodeURIComponent(artifact.name)}`;
    const first = await this.#request('GET', path, { signal, timeout: false, redirect: 'manual' });
    let res: Response | undefined = first;
    if (first.status >= 300 && first.status < 400) {
      await first.body?.cancel();
      const location = first.headers.get('location');
      res = undefined;
      if (location) {
        try {
          const direct = await fetch(this.url(location), { signal, redirect: 'follow' });
          if (direct.ok) res = direct;
          else await direct.body?.cancel();
        } catch (err) {
          if (signal?.aborted) throw err;
        }
      }
      res ??= await this.#request('GET', path, { query: { download: 'stream' }, signal, timeout: false });
    }
    if (!res.body) throw new Error(`empty body for artifact ${artifact.name}`);
    const part = `${destPath}.part`;
    const hash = createHash('sha256');
    let bytes = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        bytes += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      await pipeline(
        Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>),
        tap,
        createWriteStream(part),
        { signal },
      );
      const sha256 = hash.digest('hex');
      if (sha256 !== artifact.sha256.toLowerCase() || bytes !== artifact.bytes) {
        throw new ArtifactChecksumError(artifact.name, artifact, { bytes, sha256 });
      }
      await rename(part, destPath);
      return { name: artifact.name, path: destPath, bytes, sha256 };
    } catch (err) {
      await rm(part, { force: true });
      throw err;
    }
  }

  async #json<S extends z.ZodType>(
    res: Response,
    schema: S,
    method: string,
    path: string,
  ): Promise<z.infer<S>> {
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`${method} ${path}: server sent HTTP ${res.status} with a body that is not JSON`);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new Error(
        `${method} ${path}: unexpected response shape from server (${parsed.error.issues[0]?.message})`,
      );
    }
    return parsed.data;
  }

  async #request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const url = this.url(path);
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (opts.auth !== false) headers.authorization = `Bearer ${this.#token}`;
    const policy = this.#policy;
    for (let attempt = 1; ; attempt++) {
      const signals = [
        opts.signal,
        opts.timeout === false ? undefined : AbortSignal.timeout(this.#timeoutMs),
      ];
      const signal = AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
      let res: Response;
      try {
        res = opts.upload
          ? await streamingPost(
              url,
              {
                ...headers,
                'content-type': opts.upload.contentType,
                'content-length': String(opts.upload.contentLength),
              },
              opts.upload.open(),
              { signal: opts.signal },
            )
          : await fetch(url, { method, headers, signal, redirect: opts.redirect ?? 'follow' });
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        const reason = this.#describe(err);
        if (attempt >= policy.maxAttempts) {
          throw new AnetNetworkError(
            `${method} ${url.pathname}: cannot reach ${url.origin} after ${attempt} attempts (${reason})`,
            { attempts: attempt, cause: err },
          );
        }
        await this.#wait(
          method,
          url.pathname,
          attempt,
          computeBackoffMs(attempt, policy, this.#random),
          reason,
          opts.signal,
        );
        continue;
      }
      if (res.status < 400) return res;
      if (isRetryableStatus(res.status) && attempt < policy.maxAttempts) {
        const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
        await res.body?.cancel();
        const delay =
          retryAfter !== undefined
            ? Math.min(retryAfter, policy.maxRetryAfterMs)
            : computeBackoffMs(attempt, policy, this.#random);
        await this.#wait(method, url.pathname, attempt, delay, `HTTP ${res.status}`, opts.signal);
        continue;
      }
      throw await this.#httpError(res, method, url.pathname);
    }
  }

  async #httpError(res: Response, method: string, path: string): Promise<AnetHttpError> {
    const text = await res.text().catch(() => '');
    let code = `HTTP_${res.status}`;
    let message = res.statusText || 'request failed';
    let details: Record<string, unknown> | undefined;
    try {
      const parsed = ErrorBodySchema.safeParse(JSON.parse(text));
      if (parsed.success) ({ code, message, details } = parsed.data.error);
    } catch {
      // Not JSON (a proxy's HTML page): keep the status line.
    }
    return new AnetHttpError({
      status: res.status,
      code,
      message: redactSecret(message, this.#token),
      method,
      path,
      details,
    });
  }

  #describe(err: unknown): string {
    const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    const text =
      e?.name === 'TimeoutError'
        ? `no answer within ${Math.round(this.#timeoutMs / 1000)} s`
        : (e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err));
    return redactSecret(text, this.#token);
  }

  async #wait(
    method: string,
    path: string,
    attempt: number,
    delayMs: number,
    reason: string,
    signal?: AbortSignal,
  ) {
    this.#onRetry?.({ method, path, attempt, delayMs, reason });
    await sleep(delayMs, signal);
  }
}
