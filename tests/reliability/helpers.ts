// Shared pieces of the reliability suite: what is left behind (S3, Postgres, Redis) and raw sockets.
import { connect, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { PrismaClient } from '@anet/db';
import type { ObjectStore } from '@anet/api/storage';

export interface Leftovers {
  s3: string[];
  rows: string[];
  queued: string[];
}

/** Everything a tenant has in S3 and Postgres, and every BullMQ job (any state) of the app's queue. */
export async function leftovers(
  app: FastifyInstance,
  prisma: PrismaClient,
  store: ObjectStore,
  tenantId: string,
): Promise<Leftovers> {
  const s3 = (await store.list(`tenants/${tenantId}/`)).map((o) => o.key);
  const rows = (await prisma.job.findMany({ where: { tenantId }, select: { id: true } })).map((r) => r.id);
  const jobs = await app.queue.getJobs([
    'waiting',
    'active',
    'delayed',
    'prioritized',
    'completed',
    'failed',
    'waiting-children',
  ]);
  return { s3, rows, queued: jobs.map((j) => String(j.id)) };
}

export const NOTHING: Leftovers = { s3: [], rows: [], queued: [] };

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw TCP client: write bytes, read what comes back, and learn when the server closes. */
export interface RawClient {
  socket: Socket;
  write(b: string | Uint8Array): Promise<void>;
  received(): string;
  closed: Promise<{ at: number }>;
}

export function rawClient(port: number): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    const closed = new Promise<{ at: number }>((res) => socket.once('close', () => res({ at: Date.now() })));
    socket.once('error', () => undefined);
    socket.once('connect', () =>
      resolve({
        socket,
        write: (b) =>
          new Promise<void>((res) => {
            if (socket.destroyed) return res();
            socket.write(b, () => res());
          }),
        received: () => Buffer.concat(chunks).toString('latin1'),
        closed,
      }),
    );
    socket.once('error', reject);
  });
}

/** Status line + JSON body of a raw HTTP/1.1 response (Content-Length framing, as Fastify sends errors). */
export function parseRawResponse(text: string): { status: number; body: unknown } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  const at = text.indexOf('\r\n\r\n');
  let body: unknown = null;
  try {
    body = at >= 0 ? JSON.parse(text.slice(at + 4)) : null;
  } catch {
    body = text.slice(at + 4);
  }
  return { status, body };
}

/** A TCP proxy we can cut (every open connection reset, new ones refused at once) and restore. */
export interface CuttableProxy {
  port: number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function cuttableProxy(targetHost: string, targetPort: number): Promise<CuttableProxy> {
  const { createServer, connect: tcp } = await import('node:net');
  const open = new Set<import('node:net').Socket>();
  let down = false;
  const server = createServer((client) => {
    if (down) return client.resetAndDestroy();
    const upstream = tcp(targetPort, targetHost);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    cut() {
      down = true;
      for (const s of open) s.resetAndDestroy();
      open.clear();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A free TCP port on loopback (for child processes that need a fixed one). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
