import { createPrismaClient, type PrismaClient } from '@anet/db';
import { ObjectStore } from '@anet/api/storage';
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
      store: new ObjectStore({
        endpoint: config.S3_ENDPOINT,
        region: config.S3_REGION,
        bucket: config.S3_BUCKET,
        accessKeyId: config.S3_ACCESS_KEY_ID,
        secretAccessKey: config.S3_SECRET_ACCESS_KEY,
        forcePathStyle: config.S3_FORCE_PATH_STYLE,
      }),
    };
  }
  return ctx;
}
