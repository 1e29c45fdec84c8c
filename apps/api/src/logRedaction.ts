import type { FastifyServerOptions } from 'fastify';

/**
 * Every place a request's Authorization header (the API key) can reach a log line: the request
 * serializer, @fastify/multipart's trace of its busboy options, and a client error's raw packet.
 */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'busboyOptions.headers.authorization',
  'err.rawPacket',
] as const;

/** Adds LOG_REDACT_PATHS to a logger configuration (any level, any destination); `false` stays off. */
export function withRedaction(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return logger;
  const cfg = logger === true ? {} : (logger as { redact?: string[] | { paths: string[] } });
  const given = Array.isArray(cfg.redact) ? cfg.redact : (cfg.redact?.paths ?? []);
  const paths = [...new Set([...given, ...LOG_REDACT_PATHS])];
  const redact = Array.isArray(cfg.redact) || !cfg.redact ? paths : { ...cfg.redact, paths };
  return { ...cfg, redact } as FastifyServerOptions['logger'];
}
