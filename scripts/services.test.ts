import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, 'services.sh');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function redisPing(port: number): Promise<string> {
  const redis = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  try {
    await redis.connect();
    return await redis.ping();
  } catch {
    return 'unreachable';
  } finally {
    redis.disconnect();
  }
}

// Redis and s3rver on free ports with their own state folder, so the machine's services and other
// runs are untouched. (Postgres is exercised by every test run through `npm test` and by .ci/run.)
describe('scripts/services.sh', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let redisPort: number;
  let s3Port: number;
  const services = (...args: string[]) => spawnSync('bash', [script, ...args], { env, encoding: 'utf8' });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'anet-services-'));
    redisPort = await freePort();
    s3Port = await freePort();
    env = {
      ...process.env,
      ANET_SERVICES_DIR: dir,
      REDIS_PORT: String(redisPort),
      S3RVER_PORT: String(s3Port),
      S3_BUCKET: 'svc-test',
    };
  });
  afterAll(async () => {
    services('down', 'redis', 's3rver');
    await rm(dir, { recursive: true, force: true });
  });

  it('starts Redis and s3rver (with its bucket) when nothing answers', async () => {
    expect(await redisPing(redisPort)).toBe('unreachable');
    const up = services('up', 'redis', 's3rver');
    expect(up.status, up.stderr).toBe(0);
    expect(await redisPing(redisPort)).toBe('PONG');
    const listing = await (await fetch(`http://127.0.0.1:${s3Port}/`)).text();
    expect(listing).toContain('<Name>svc-test</Name>');
  });

  it('is idempotent: a second `up` leaves the running daemons and their pid files alone', async () => {
    const before = await readFile(join(dir, `redis-${redisPort}.pid`), 'utf8');
    const again = services('up', 'redis', 's3rver');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain(`redis: answering on 127.0.0.1:${redisPort}`);
    expect(await readFile(join(dir, `redis-${redisPort}.pid`), 'utf8')).toBe(before);
  });

  it('`down` stops what it started and nothing else', async () => {
    const down = services('down', 'redis', 's3rver');
    expect(down.status, down.stderr).toBe(0);
    await expect.poll(() => redisPing(redisPort), { timeout: 5_000 }).toBe('unreachable');
    await expect
      .poll(
        () =>
          fetch(`http://127.0.0.1:${s3Port}/`).then(
            () => 'up',
            () => 'down',
          ),
        { timeout: 5_000 },
      )
      .toBe('down');
    expect(existsSync(join(dir, `redis-${redisPort}.pid`))).toBe(false);
    // The machine's own Redis (default port) was not started by this state folder: left running.
    const foreign = spawnSync('bash', [script, 'down', 'redis'], {
      env: { ...env, REDIS_PORT: '6379' },
      encoding: 'utf8',
    });
    expect(foreign.stderr).toContain('not started by this script');
    expect(await redisPing(6379)).toBe('PONG');
  });
});
