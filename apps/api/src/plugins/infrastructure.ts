import fp from 'fastify-plugin';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createPrismaClient, type PrismaClient } from '@anet/db';
import type { AnalyseJobData } from '@anet/contracts';
import type { ApiConfig } from '../config';
import { objectStoreFromEnv, type ObjectStore } from '../storage';

declare module 'fastify' {
  interface FastifyInstance {
    config: ApiConfig;
    prisma: PrismaClient;
    store: ObjectStore;
    redis: Redis;
    queue: Queue<AnalyseJobData>;
  }
}

/**
 * Config, Prisma, S3 and the queue producer as root decorators, released in `onClose`.
 * The producer fails fast (maxRetriesPerRequest 1, REDIS_COMMAND_TIMEOUT_MS per command): an API
 * request must not hang on a dead Redis. Routes look at `redis.status` to skip Redis when it is down.
 */
export const infrastructurePlugin = fp<{ config: ApiConfig }>(
  async (app, { config }) => {
    app.decorate('config', config);
    const prisma = createPrismaClient(config.DATABASE_URL);
    app.decorate('prisma', prisma);
    const store = objectStoreFromEnv(config);
    app.decorate('store', store);
    const redis = new Redis(config.REDIS_URL, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
      lazyConnect: false,
      commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
      connectTimeout: 5_000,
    });
    // Reconnect attempts repeat the same error: one warning per outage, not one per attempt.
    let down = false;
    redis.on('error', (err) => {
      if (!down) app.log.warn({ err }, 'redis error');
      down = true;
    });
    redis.on('ready', () => (down = false));
    // Routes skip Redis while it is not `ready`: give the first connection a moment at start-up so
    // the first requests are not refused for a Redis that is merely still connecting.
    if (redis.status !== 'ready')
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5_000);
        timer.unref();
        redis.once('ready', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    app.decorate('redis', redis);
    const queue = new Queue<AnalyseJobData>(config.QUEUE_NAME, {
      connection: redis,
      prefix: config.REDIS_PREFIX,
    });
    queue.on('error', (err) => app.log.warn({ err }, 'queue error'));
    app.decorate('queue', queue);
    app.addHook('onClose', async () => {
      await queue.close();
      redis.disconnect();
      await prisma.$disconnect();
      store.close();
    });
  },
  { name: 'anet-infrastructure' },
);
