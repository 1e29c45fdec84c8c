import type { FastifyRequest, FastifyServerOptions } from 'fastify';
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

/** Adds LOG_REDACT_PATHS to a logger configuration (any level, any destination); `false` stays off. */
export function withRedaction(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return logger;
  const cfg = logger === true ? {} : (logger as { redact?: string[] | { paths: string[] } });
  const given = Array.isArray(cfg.redact) ? cfg.redact : (cfg.redact?.paths ?? []);
  const paths = [...new Set([...given, ...LOG_REDACT_PATHS])];
  const redact = Array.isArray(cfg.redact) || !cfg.redact ? paths : { ...cfg.redact, paths };
  // Fastify's request fields, with a viewer link's token taken out of the logged URL.
  const req = (r: FastifyRequest) => ({
    method: r.method,
    url: redactTokenInUrl(r.url),
    host: r.host,
    remoteAddress: r.ip,
    remotePort: r.socket?.remotePort,
  });
  const serializers = { ...(cfg as { serializers?: object }).serializers, req };
  return { ...cfg, redact, serializers } as FastifyServerOptions['logger'];
}
