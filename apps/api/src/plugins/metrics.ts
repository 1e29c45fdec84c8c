import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { JOB_STATUSES } from '@anet/contracts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Process and HTTP figures: served on /metrics to anyone who can reach it. */
    metrics: Registry;
    /** Job and queue figures (the business's volume): served only with METRICS_TOKEN. */
    privateMetrics: Registry;
    rateLimitFallbacks: Counter;
    authThrottled: Counter;
  }
}

/**
 * Prometheus metrics on per-app registries (tests build several apps in one process): request
 * counts and latencies, requests counted in memory while Redis was down, aborted uploads and
 * throttled invalid-key requests (public); queue depth and jobs by state (behind METRICS_TOKEN).
 * Stage durations are a histogram of the worker, observed when a stage ends.
 */
export const metricsPlugin = fp(
  async (app) => {
    const registry = new Registry();
    const privateRegistry = new Registry();
    collectDefaultMetrics({ register: registry });
    const requests = new Counter({
      name: 'anet_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    });
    const latency = new Histogram({
      name: 'anet_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30],
      registers: [registry],
    });
    app.decorate(
      'rateLimitFallbacks',
      new Counter({
        name: 'anet_rate_limit_fallback_total',
        help: 'Requests the rate limiter counted in process memory because Redis was unavailable',
        registers: [registry],
      }),
    );
    app.decorate(
      'clientAborts',
      new Counter({
        name: 'anet_client_aborted_requests_total',
        help: 'Requests whose client closed the connection before the body was complete',
        registers: [registry],
      }),
    );
    app.decorate(
      'authThrottled',
      new Counter({
        name: 'anet_auth_throttled_total',
        help: 'Requests refused (429) because their address sent too many missing or invalid keys',
        registers: [registry],
      }),
    );
    new Gauge({
      name: 'anet_queue_depth',
      help: 'BullMQ jobs by queue state (absent while Redis is unavailable)',
      labelNames: ['state'],
      registers: [privateRegistry],
      async collect() {
        this.reset();
        // A down Redis must not fail the scrape: the other figures are what an operator needs then.
        if (app.redis.status !== 'ready') return;
        const counts = await app.queue
          .getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed')
          .catch(() => null);
        for (const [state, n] of Object.entries(counts ?? {})) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'anet_jobs',
      help: 'Jobs by status (all tenants, not deleted)',
      labelNames: ['status'],
      registers: [privateRegistry],
      async collect() {
        const rows = await app.prisma.job.groupBy({
          by: ['status'],
          where: { deletedAt: null },
          _count: { _all: true },
        });
        for (const s of JOB_STATUSES)
          this.set({ status: s }, rows.find((r) => r.status === s)?._count._all ?? 0);
      },
    });
    app.decorate('metrics', registry);
    app.decorate('privateMetrics', privateRegistry);
    app.addHook('onResponse', async (req, reply) => {
      const route = req.routeOptions.url ?? 'unmatched';
      requests.inc({ method: req.method, route, status: String(reply.statusCode) });
      latency.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    });
  },
  { name: 'anet-metrics', dependencies: ['anet-infrastructure'] },
);
