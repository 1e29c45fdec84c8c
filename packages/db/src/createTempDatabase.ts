import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TempDatabase {
  name: string;
  /** `adminUrl` pointed at the new database. */
  url: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates an empty database `<prefix>_<random>` next to the one `adminUrl` names (that role needs
 * CREATEDB). `drop()` removes it, closing leftover connections (PostgreSQL ≥ 13).
 */
export async function createTempDatabase(adminUrl: string, prefix = 'anet_test'): Promise<TempDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      await withAdmin(adminUrl, (c) =>
        c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`),
      );
    },
  };
}
