import type { FastifyError, FastifyInstance } from 'fastify';
import type { Counter } from 'prom-client';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AnetError, ERROR_CODES, type ErrorCode } from '@anet/contracts';
import { someCause } from './someCause';
import { isMalformedMultipart } from './upload/isMalformedMultipart';

declare module 'fastify' {
  interface FastifyInstance {
    /** Requests the client abandoned mid-body (set by the metrics plugin). */
    clientAborts?: Counter;
  }
}

/** Maps Fastify's own error codes onto ours so clients only ever see contract codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_REQ_FILE_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_FILES_LIMIT: 'PART_UNEXPECTED',
  FST_PARTS_LIMIT: 'MULTIPART_INVALID',
  FST_FIELDS_LIMIT: 'MULTIPART_INVALID',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
};

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'P1001',
  'P1017',
  'P2024',
]);

/** ioredis' ways of saying Redis is not there (offline queue full of retries, closed, timed out). */
const REDIS_DOWN =
  /Reached the max retries per request limit|Connection is closed|Stream isn't writeable|Command timed out|redis is not connected/i;

/** A database/Redis/driver error whose cause is an unreachable server (walks the `cause` chain). */
export function isConnectionFailure(err: unknown): boolean {
  return someCause(
    err,
    (x) =>
      (typeof x.code === 'string' && CONNECTION_CODES.has(x.code)) ||
      (x as { name?: unknown }).name === 'MaxRetriesPerRequestError' ||
      (typeof x.message === 'string' &&
        (/Connection terminated|connect ECONNREFUSED|Can't reach database server|connection timeout/i.test(
          x.message,
        ) ||
          REDIS_DOWN.test(x.message))),
  );
}

export function toAnetError(err: unknown): AnetError {
  if (err instanceof AnetError) return err;
  const fe = err as FastifyError;
  if (hasZodFastifySchemaValidationErrors(fe)) {
    return new AnetError('VALIDATION_FAILED', fe.message, {
      details: { issues: fe.validation.map((v) => ({ path: v.instancePath, message: v.message })) },
    });
  }
  if (fe && typeof fe.code === 'string') {
    const mapped = FASTIFY_CODES[fe.code];
    if (mapped) return new AnetError(mapped, fe.message, { cause: err });
    if (fe.code === 'FST_ERR_VALIDATION')
      return new AnetError('VALIDATION_FAILED', fe.message, { cause: err });
    if (fe.code in ERROR_CODES) return new AnetError(fe.code as ErrorCode, fe.message, { cause: err });
  }
  // busboy's own errors (no boundary, body ended early, bad part header) are the client's malformed body.
  if (isMalformedMultipart(err))
    return new AnetError('MULTIPART_INVALID', `malformed multipart body: ${fe.message}`, { cause: err });
  if (isConnectionFailure(err))
    return new AnetError('DEPENDENCY_UNAVAILABLE', 'a backing service is unreachable; retry later', {
      cause: err,
    });
  if (fe && fe.statusCode === 429) return new AnetError('RATE_LIMITED', 'too many requests', { cause: err });
  return AnetError.from(err);
}

/**
 * One error handler: log with request context; 4xx send code+message(+details); 5xx only the code.
 * A dependency outage (503) says when to come back (Retry-After) and is logged as a warning, not as
 * our failure; a client that went away mid-request is logged at info and counted.
 */
export function registerErrorHandler(app: FastifyInstance, opts: { retryAfterSeconds: number }): void {
  app.setErrorHandler((err, req, reply) => {
    const e = toAnetError(err);
    const status = e.httpStatus;
    if (e.code === 'REQUEST_ABORTED') {
      req.log.info({ code: e.code }, 'client aborted the request');
      app.clientAborts?.inc();
      return reply.code(status).send({ error: { code: e.code, message: e.message } });
    }
    if (status === 503) {
      req.log.warn({ err, code: e.code }, 'dependency unavailable');
      reply.header('Retry-After', String(opts.retryAfterSeconds));
      const message = e.code === 'DEPENDENCY_UNAVAILABLE' ? e.message : 'internal error';
      return reply.code(status).send({ error: { code: e.code, message } });
    }
    if (status >= 500) {
      req.log.error({ err, code: e.code }, 'request failed');
      return reply.code(status).send({ error: { code: e.code, message: 'internal error' } });
    }
    if (status === 408 || status === 413) reply.header('Connection', 'close');
    req.log.info({ code: e.code, reason: e.message }, 'request rejected');
    return reply
      .code(status)
      .send({ error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({
      error: { code: 'ROUTE_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` },
    }),
  );
}
