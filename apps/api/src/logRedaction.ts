import type { FastifyServerOptions } from 'fastify';
import { redactUrl } from './auth/keyInQuery';
import { redactTokenInUrl } from './auth/viewerLinks';

/**
 * Every place a request's Authorization header (the API key) can reach a log line: the request
 * serializer, @fastify/multipart's trace of its busboy options, and a client error's raw packet.
 */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'busboyOptions.headers.authorization',
  'err.rawPacket',
] as const;

/** The request as logged: no headers, and a URL whose credential parameters are redacted. */
function serializeRequest(req: {
  method?: string;
  url?: string;
  hostname?: string;
  ip?: string;
  socket?: { remotePort?: number };
}) {
  return {
    method: req.method,
    // keys in the query and viewer-link tokens never reach a log line
    url: redactTokenInUrl(redactUrl(req.url ?? '')),
    host: req.hostname,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/**
 * Adds LOG_REDACT_PATHS and the redacting request serializer to a logger configuration (any level,
 * any destination); `false` stays off.
 */
export function withRedaction(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return logger;
  const cfg =
    logger === true
      ? {}
      : (logger as { redact?: string[] | { paths: string[] }; serializers?: Record<string, unknown> });
  const given = Array.isArray(cfg.redact) ? cfg.redact : (cfg.redact?.paths ?? []);
  const paths = [...new Set([...given, ...LOG_REDACT_PATHS])];
  const redact = Array.isArray(cfg.redact) || !cfg.redact ? paths : { ...cfg.redact, paths };
  const serializers = { ...cfg.serializers, req: serializeRequest };
  return { ...cfg, redact, serializers } as FastifyServerOptions['logger'];
}
