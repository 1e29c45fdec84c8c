export { createPrismaClient, type PrismaClientOptions } from './createPrismaClient';
export { runMigrations, type RunMigrationsOptions, type MigrationResult } from './runMigrations';
export { createTempDatabase, type TempDatabase } from './createTempDatabase';
export { ensureDatabase } from './ensureDatabase';
export { PrismaClient, Prisma, JobStatus } from './generated/client';
export type { Tenant, ApiKey, Job, Artifact, JobEvent } from './generated/client';
