import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  ErrorBodySchema,
  HealthResponseSchema,
  ReadyResponseSchema,
  type ReadyResponse,
} from '@anet/contracts';
import { metricsFor, withTimeout } from '../metricsAccess';

/**
 * Liveness (process), readiness (Postgres, Redis, S3 reachable; each probe bounded by
 * HEALTH_PROBE_TIMEOUT_MS) and Prometheus metrics (job figures only with METRICS_TOKEN).
 */
export const healthRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/healthz',
    { schema: { tags: ['health'], response: { 200: HealthResponseSchema } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    { schema: { tags: ['health'], response: { 200: ReadyResponseSchema, 503: ReadyResponseSchema } } },
    async (_req, reply) => {
      const probes: Record<string, () => Promise<unknown>> = {
        postgres: () => app.prisma.$queryRaw`SELECT 1`,
        redis: () => app.redis.ping(),
        s3: () => app.store.ping(),
      };
      const checks: ReadyResponse['checks'] = {};
      await Promise.all(
        Object.entries(probes).map(async ([name, probe]) => {
          try {
            await withTimeout(probe(), app.config.HEALTH_PROBE_TIMEOUT_MS);
            checks[name] = { ok: true };
          } catch (err) {
            checks[name] = { ok: false, error: (err as Error).message };
          }
        }),
      );
      const ok = Object.values(checks).every((c) => c.ok);
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks });
    },
  );

  app.get(
    '/metrics',
    { schema: { tags: ['health'], response: { 200: z.string(), 401: ErrorBodySchema } } },
    async (req, reply) => {
      const m = await metricsFor(
        app.config.METRICS_TOKEN,
        req.headers.authorization,
        app.metrics,
        app.privateMetrics,
      );
      if (m.status === 401)
        return reply.code(401).send({
          error: { code: 'UNAUTHORIZED', message: 'metrics need Authorization: Bearer <METRICS_TOKEN>' },
        });
      return reply.header('Content-Type', m.contentType).send(m.text);
    },
  );
};
