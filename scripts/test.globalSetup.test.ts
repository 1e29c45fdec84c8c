import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';

const services = inject('anetServices');

describe('test globalSetup', () => {
  it('gives this run its own migrated database, also as DATABASE_URL', async () => {
    expect(process.env.DATABASE_URL).toBe(services.databaseUrl);
    expect(new URL(services.databaseUrl).pathname).toMatch(/^\/anet_test_[0-9a-f]{8}_[0-9a-f]{12}$/);
    const client = new pg.Client({ connectionString: services.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM "_prisma_migrations" WHERE finished_at IS NOT NULL',
      );
      expect(rows[0].n).toBeGreaterThan(0);
      await client.query('SELECT id FROM "Job" LIMIT 1');
    } finally {
      await client.end();
    }
  });

  it('gives a per-run Redis prefix that the run can write under', async () => {
    expect(process.env.REDIS_PREFIX).toBe(services.redisPrefix);
    expect(services.redisPrefix).toMatch(/^anet-test-[0-9a-f]{8}$/);
    const redis = new Redis(services.redisUrl);
    try {
      await redis.set(`${services.redisPrefix}:probe`, '1');
      expect(await redis.get(`${services.redisPrefix}:probe`)).toBe('1');
    } finally {
      redis.disconnect();
    }
  });

  it('runs an S3 endpoint with this run’s bucket already created', async () => {
    expect(process.env.S3_ENDPOINT).toBe(services.s3Endpoint);
    const s3 = new S3Client({
      endpoint: services.s3Endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: services.s3AccessKeyId, secretAccessKey: services.s3SecretAccessKey },
    });
    try {
      await s3.send(new HeadBucketCommand({ Bucket: services.s3Bucket }));
      await s3.send(new PutObjectCommand({ Bucket: services.s3Bucket, Key: 'probe/a.txt', Body: 'hello' }));
      const got = await s3.send(new GetObjectCommand({ Bucket: services.s3Bucket, Key: 'probe/a.txt' }));
      expect(await got.Body?.transformToString()).toBe('hello');
      // Other buckets can be made too (tests that want isolation below the run level).
      await s3.send(new CreateBucketCommand({ Bucket: `${services.s3Bucket}-extra` }));
    } finally {
      s3.destroy();
    }
  });
});
