import pg from 'pg';

/**
 * Creates the database `url` names when it does not exist (connecting to the server's `postgres`
 * database to do so; the role needs CREATEDB). Returns whether it created it. Lets `db:migrate` set
 * up a second dev stack's database (ANET_STACK_PORT_BASE) without a manual `createdb`.
 */
export async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error(`DATABASE_URL names no database: ${target.origin}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    } catch (err) {
      // Two migrators racing: the other one created it.
      if ((err as { code?: string }).code === '42P04') return false;
      throw err;
    }
    return true;
  } finally {
    await client.end();
  }
}
