import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ensureDatabase } from './ensureDatabase';

describe('ensureDatabase', () => {
  it('creates a missing database once, then leaves it', async () => {
    const admin = process.env.ANET_TEST_ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
    const name = `anet_ensure_${randomBytes(4).toString('hex')}`;
    const url = new URL(admin);
    url.pathname = `/${name}`;
    onTestFinished(async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`);
      await c.end();
    });
    expect(await ensureDatabase(url.toString())).toBe(true);
    expect(await ensureDatabase(url.toString())).toBe(false);
    const c = new pg.Client({ connectionString: url.toString() });
    await c.connect();
    expect((await c.query('SELECT current_database() AS d')).rows[0].d).toBe(name);
    await c.end();
  });
});
