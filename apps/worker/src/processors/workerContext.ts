import { createPrismaClient, type PrismaClient } from '@anet/db';
import { objectStoreFromEnv, type ObjectStore } from '@anet/api/storage';
import { loadWorkerConfig, type WorkerConfig } from '../config';

export interface WorkerContext {
  config: WorkerConfig;
  prisma: PrismaClient;
  store: ObjectStore;
}

let ctx: WorkerContext | undefined;

/** One Prisma client and S3 client per thread, reused across the jobs this sandbox runs. */
export function workerContext(): WorkerContext {
  if (!ctx) {
    const config = loadWorkerConfig();
    ctx = {
      config,
      prisma: createPrismaClient(config.DATABASE_URL, { poolSize: 3 }),
      store: objectStoreFromEnv(config),
    };
  }
  return ctx;
}
