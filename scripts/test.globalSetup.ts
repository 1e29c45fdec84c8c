// Vitest globalSetup: real services for the whole run, fresh names so concurrent runs never meet.
// Per run: a new Postgres database with the migrations applied, a new Redis key prefix, and an
// in-process s3rver on a free port with a new bucket. Exported as env (DATABASE_URL, REDIS_URL,
// REDIS_PREFIX, S3_*) and as `inject('anetServices')`; everything is removed afterwards.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import S3rver from 's3rver';
import type { TestProject } from 'vitest/node';
import { createTempDatabase, runMigrations } from '@anet/db';
import { addMultipartUploadOps } from './s3rverMultipart';

export interface AnetTestServices {
  /** Server-level URL (database `postgres`) for tests that need their own empty database. */
  adminDatabaseUrl: string;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  s3Endpoint: string;
  s3Bucket: string;
  s3AccessKeyId: string;
  s3SecretAccessKey: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    anetServices: AnetTestServices;
  }
}

const HINT = 'start the local services with `npm run services` (or run `npm test`, which does)';

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = randomBytes(4).toString('hex');
  const adminDatabaseUrl =
    process.env.ANET_TEST_ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.ANET_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const cleanups: (() => Promise<void>)[] = [];
  const teardown = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((e) => console.warn(`[test setup] cleanup: ${e}`));
  };

  try {
    const db = await createTempDatabase(adminDatabaseUrl, `anet_test_${runId}`).catch((e) => {
      throw new Error(`PostgreSQL at ${adminDatabaseUrl} is not usable (${e}); ${HINT}`);
    });
    cleanups.push(() => db.drop());
    await runMigrations(db.url);

    const redisPrefix = `anet-test-${runId}`;
    const redis = new Redis(redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    await redis.connect().catch((e) => {
      throw new Error(`Redis at ${redisUrl} is not reachable (${e}); ${HINT}`);
    });
    cleanups.push(async () => {
      await deleteKeys(redis, `${redisPrefix}*`);
      redis.disconnect();
    });

    const s3Dir = await mkdtemp(join(tmpdir(), 'anet-s3rver-'));
    cleanups.push(() => rm(s3Dir, { recursive: true, force: true }));
    const s3Bucket = `anet-test-${runId}`;
    const s3 = new S3rver({
      address: '127.0.0.1',
      port: 0,
      directory: s3Dir,
      silent: true,
      configureBuckets: [{ name: s3Bucket }],
    });
    addMultipartUploadOps(s3);
    const { port } = await s3.run();
    cleanups.push(async () => {
      s3.httpServer?.closeAllConnections();
      await s3.close();
    });

    const services: AnetTestServices = {
      adminDatabaseUrl,
      databaseUrl: db.url,
      redisUrl,
      redisPrefix,
      s3Endpoint: `http://127.0.0.1:${port}`,
      s3Bucket,
      s3AccessKeyId: 'S3RVER',
      s3SecretAccessKey: 'S3RVER',
    };
    project.provide('anetServices', services);
    Object.assign(process.env, {
      ANET_TEST_ADMIN_DATABASE_URL: adminDatabaseUrl,
      DATABASE_URL: services.databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: redisPrefix,
      S3_ENDPOINT: services.s3Endpoint,
      S3_BUCKET: s3Bucket,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: services.s3AccessKeyId,
      S3_SECRET_ACCESS_KEY: services.s3SecretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
    });
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}
