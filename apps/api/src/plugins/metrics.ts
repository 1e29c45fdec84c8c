import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { JOB_STATUSES } from '@anet/contracts';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
  }
}

/**
 * Prometheus metrics on a per-app registry (tests build several apps in one process): request
 * counts and latencies, queue depth, jobs by state, and mean stage durations over the last day
 * (derived from the JobEvent log, so the API reports what the workers did).
 */
export const metricsPlugin = fp(
  async (app) => {
    const registry = new Registry();
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
    new Gauge({
      name: 'anet_queue_depth',
      help: 'BullMQ jobs by queue state',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        const counts = await app.queue.getJobCounts(
          'waiting',
          'active',
          'delayed',
          'prioritized',
          'failed',
          'completed',
        );
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'anet_jobs',
      help: 'Jobs by status (all tenants, not deleted)',
      labelNames: ['status'],
      registers: [registry],
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
    new Gauge({
      name: 'anet_stage_duration_seconds_mean',
      help: 'Mean time spent in each job state over the last 24 h (from job events)',
      labelNames: ['stage'],
      registers: [registry],
      async collect() {
        const rows = await app.prisma.$queryRaw<Array<{ stage: string; mean: number }>>`
          SELECT "from"::text AS stage, avg(extract(epoch FROM at - prev_at))::float8 AS mean
          FROM (SELECT "from", at, lag(at) OVER (PARTITION BY "jobId" ORDER BY at, id) AS prev_at
                FROM "JobEvent" WHERE at > now() - interval '24 hours') e
          WHERE "from" IS NOT NULL AND prev_at IS NOT NULL GROUP BY 1`;
        this.reset();
        for (const r of rows) this.set({ stage: r.stage }, r.mean);
      },
    });
    app.decorate('metrics', registry);
    app.addHook('onResponse', async (req, reply) => {
      const route = req.routeOptions.url ?? 'unmatched';
      requests.inc({ method: req.method, route, status: String(reply.statusCode) });
      latency.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    });
  },
  { name: 'anet-metrics', dependencies: ['anet-infrastructure'] },
);
