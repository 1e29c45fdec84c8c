import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

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
  const status =
    err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  log?.debug({ code: err.code, status }, 'client error');
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
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
