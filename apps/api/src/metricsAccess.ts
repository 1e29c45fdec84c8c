import { timingSafeEqual } from 'node:crypto';
import { Registry } from 'prom-client';

/**
 * Who may read which metrics (API and worker alike). Without a token configured, /metrics serves
 * only the public registry (process and HTTP figures); with METRICS_TOKEN it requires
 * `Authorization: Bearer <token>` and serves the private one (jobs, queue, stages) too.
 */
export async function metricsFor(
  token: string | undefined,
  authorization: string | undefined,
  publicRegistry: Registry,
  privateRegistry: Registry,
): Promise<{ status: 200; text: string; contentType: string } | { status: 401 }> {
  if (!token)
    return { status: 200, text: await publicRegistry.metrics(), contentType: publicRegistry.contentType };
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1] ?? '';
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return { status: 401 };
  const merged = Registry.merge([publicRegistry, privateRegistry]);
  return { status: 200, text: await merged.metrics(), contentType: merged.contentType };
}

/** A promise that rejects after `ms` (health probes must answer even when a dependency hangs). */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms`)), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}
