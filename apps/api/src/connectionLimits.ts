import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HTTP_STATUS_BY_CODE, type ErrorCode } from '@anet/contracts';

/** Node's HTTP parser errors → our codes (the contract's body shape holds for these too). */
function clientErrorCode(code: string | undefined): { code: ErrorCode; message: string } {
  if (code === 'HPE_HEADER_OVERFLOW')
    return { code: 'HEADERS_TOO_LARGE', message: 'the request headers are too large' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'ERR_HTTP_HEADERS_TIMEOUT')
    return { code: 'REQUEST_TIMEOUT', message: 'the request was not received in time' };
  return { code: 'VALIDATION_FAILED', message: 'malformed HTTP request' };
}

/**
 * Answers a malformed request (bad or oversize headers) and logs only its code: the raw packet that
 * Fastify's default handler logs holds the Authorization header, i.e. the API key.
 */
export function handleClientError(
  log: FastifyBaseLogger | undefined,
  err: Error & { code?: string },
  socket: Socket,
): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const { code, message } = clientErrorCode(err.code);
  const status = HTTP_STATUS_BY_CODE[code];
  log?.debug({ code: err.code, status }, 'client error');
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * Fastify's router errors (a malformed percent-encoding, a path parameter over `maxParamLength`)
 * in the contract's error shape instead of Fastify's own. The URL is not echoed: it may hold a key.
 */
export function frameworkErrorHandler(
  err: Error & { code?: string },
  req: FastifyRequest,
  reply: FastifyReply,
): void {
  const [code, message]: [ErrorCode, string] =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? ['URL_TOO_LONG', 'a path segment is longer than the API allows (artifact names: 128 characters)']
      : err.code === 'FST_ERR_BAD_URL'
        ? ['URL_INVALID', 'the URL has a malformed percent-encoding']
        : ['VALIDATION_FAILED', 'the request could not be routed'];
  req.log.info({ code, fastifyCode: err.code }, 'request rejected');
  void reply.code(HTTP_STATUS_BY_CODE[code]).send({ error: { code, message } });
}

/**
 * A request still being received or answered after `ms` is cut off (slow-loris uploads): its socket
 * is destroyed, so the upload stream errors and the upload code removes whatever it stored.
 */
export function cutOffSlowRequests(app: FastifyInstance, ms: number): void {
  app.addHook('onRequest', (req, reply, done) => {
    const timer = setTimeout(() => {
      req.log.info({ timeoutMs: ms }, 'request timed out: connection closed');
      req.raw.destroy();
    }, ms);
    timer.unref();
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  });
}
