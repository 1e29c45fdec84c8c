import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client';

export interface PrismaClientOptions {
  /** Max pooled connections (pg default 10). */
  poolSize?: number;
}

/**
 * A Prisma 7 client over node-postgres. A `?schema=` in the URL selects the Postgres schema
 * (pg itself ignores that parameter, so it is passed to the adapter instead).
 */
export function createPrismaClient(databaseUrl: string, opts: PrismaClientOptions = {}): PrismaClient {
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  const adapter = new PrismaPg(
    { connectionString: url.toString(), max: opts.poolSize },
    schema ? { schema } : undefined,
  );
  return new PrismaClient({ adapter });
}
