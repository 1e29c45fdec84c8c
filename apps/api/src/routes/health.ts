import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HealthResponseSchema, ReadyResponseSchema, type ReadyResponse } from '@anet/contracts';

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> =>
  Promise.race([
    p,
    new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`timed out after ${ms} ms`)), ms).unref()),
  ]);

/** Liveness (process), readiness (Postgres, Redis, S3 reachable) and Prometheus metrics; no auth. */
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
            await withTimeout(probe(), 2000);
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
    { schema: { tags: ['health'], response: { 200: z.string() } } },
    async (_req, reply) => {
      const text = await app.metrics.metrics();
      return reply.header('Content-Type', app.metrics.contentType).send(text);
    },
  );
};
