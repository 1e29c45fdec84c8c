import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthState {
  ready(): Promise<{
    ok: boolean;
    backend: { name: string; device: string } | null;
    checks: Record<string, { ok: boolean; error?: string }>;
  }>;
  metrics: Registry;
}

/** The worker's small health server: /healthz (process), /readyz (Redis, Postgres, S3 + backend/device), /metrics. */
export async function startHealthServer(
  port: number,
  state: HealthState,
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
      return void state.metrics
        .metrics()
        .then((text) => send(200, text, state.metrics.contentType))
        .catch(() => send(500, 'metrics failed', 'text/plain'));
    send(404, { error: { code: 'ROUTE_NOT_FOUND', message: `no route ${url}` } });
  });
  await new Promise<void>((resolve) => server.listen(port, '0.0.0.0', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}
