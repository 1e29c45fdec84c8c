import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { metricsFor } from '@anet/api/ops';

export interface HealthState {
  ready(): Promise<{
    ok: boolean;
    backend: { name: string; device: string } | null;
    checks: Record<string, { ok: boolean; error?: string }>;
  }>;
  /** Process figures, served to anyone who can reach the port. */
  metrics: Registry;
  /** Job figures (outcomes, durations, stages): only with the metrics token. */
  privateMetrics: Registry;
}

/**
 * The worker's small health server on `host:port`: /healthz (process), /readyz (Redis, Postgres, S3 +
 * backend/device), /metrics (job figures only with `metricsToken`, as the API's).
 */
export async function startHealthServer(
  host: string,
  port: number,
  state: HealthState,
  metricsToken?: string,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'Content-Type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const url = (req.url ?? '/').split('?')[0];
    if (url === '/healthz') return send(200, { status: 'ok' });
    if (url === '/readyz')
      return void state
        .ready()
        .then((r) =>
          send(r.ok ? 200 : 503, {
            status: r.ok ? 'ok' : 'unavailable',
            backend: r.backend,
            checks: r.checks,
          }),
        )
        .catch((err) => send(503, { status: 'unavailable', error: String(err) }));
    if (url === '/metrics')
      return void metricsFor(metricsToken, req.headers.authorization, state.metrics, state.privateMetrics)
        .then((m) =>
          m.status === 401
            ? send(401, {
                error: {
                  code: 'UNAUTHORIZED',
                  message: 'metrics need Authorization: Bearer <METRICS_TOKEN>',
                },
              })
            : send(200, m.text, m.contentType),
        )
        .catch(() => send(500, { error: { code: 'INTERNAL', message: 'internal error' } }));
    send(404, { error: { code: 'ROUTE_NOT_FOUND', message: `no route ${url}` } });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return { server, port: (server.address() as AddressInfo).port };
}
