import { describe, expect, it, onTestFinished } from 'vitest';
import pino from 'pino';
import { Counter, Registry } from 'prom-client';
import { startHealthServer } from './healthServer';
import { loadWorkerConfig } from './config';
import { startWorker } from './main';

function registries() {
  const pub = new Registry();
  const priv = new Registry();
  new Counter({ name: 'public_total', help: 'p', registers: [pub] });
  new Counter({ name: 'jobs_total', help: 'j', registers: [priv] });
  return { pub, priv };
}

describe('worker health server', () => {
  it('binds the configured host, and serves job figures only with the metrics token', async () => {
    const { pub, priv } = registries();
    const ready = async () => ({ ok: true, backend: null, checks: {} });
    const { server, port } = await startHealthServer('127.0.0.1', 0, {
      ready,
      metrics: pub,
      privateMetrics: priv,
    });
    onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
    expect((server.address() as { address: string }).address).toBe('127.0.0.1');
    const open = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(open).toMatch(/public_total/);
    expect(open).not.toMatch(/jobs_total/);

    const token = 'worker-token-0123456789';
    const guarded = await startHealthServer(
      '127.0.0.1',
      0,
      { ready, metrics: pub, privateMetrics: priv },
      token,
    );
    onTestFinished(() => new Promise<void>((r) => guarded.server.close(() => r())));
    const url = `http://127.0.0.1:${guarded.port}/metrics`;
    const refused = await fetch(url);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(await ok.text()).toMatch(/jobs_total/);
  });

  it('defaults to 127.0.0.1 (containers set HOST=0.0.0.0)', () => {
    expect(loadWorkerConfig({ DATABASE_URL: 'postgresql://x/y' }).HOST).toBe('127.0.0.1');
  });

  it('/readyz answers within its probe timeout when Redis is unreachable', async () => {
    const w = await startWorker(
      loadWorkerConfig({
        ...process.env,
        REDIS_URL: 'redis://127.0.0.1:1',
        QUEUE_NAME: 'anet-readyz-probe',
        WORKER_HEALTH_PORT: '0',
        HEALTH_PROBE_TIMEOUT_MS: '1000',
        ANET_TF_BACKEND: 'cpu',
      }),
      pino({ level: 'silent' }),
    );
    onTestFinished(async () => {
      await Promise.race([w.close(), new Promise((r) => setTimeout(r, 3_000))]);
    });
    const t0 = Date.now();
    const res = await fetch(`http://127.0.0.1:${w.healthPort}/readyz`);
    const body = (await res.json()) as { checks: Record<string, { ok: boolean; error?: string }> };
    expect(res.status).toBe(503);
    expect(body.checks.redis.ok).toBe(false);
    expect(body.checks.redis.error).toMatch(/timed out after 1000 ms/);
    expect(Date.now() - t0).toBeLessThan(2_500);
  });
});
