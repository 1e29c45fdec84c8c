import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { AnetError } from '@anet/contracts';

/** The key `prisma migrate deploy` locks on, so our runner and Prisma's exclude each other. */
const PRISMA_ADVISORY_LOCK_KEY = 72707369;

/** Prisma's own bookkeeping table, column for column (schema engine, Postgres flavour). */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));

export interface RunMigrationsOptions {
  /** Folder holding `<timestamp>_<name>/migration.sql` (default: the repo's prisma/migrations). */
  dir?: string;
  log?: (line: string) => void;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** As Prisma: the recorded checksum may come from a copy with other line endings (git autocrlf). */
function checksumMatches(script: string, recorded: string): boolean {
  const variants = [
    script,
    script.replaceAll('\r\n', '\n'),
    script.replaceAll('\r\n', '\n').replaceAll('\n', '\r\n'),
  ];
  return variants.some((v) => sha256Hex(v) === recorded);
}

async function listMigrations(dir: string): Promise<{ name: string; script: string }[]> {
  if (!existsSync(dir)) throw new AnetError('INTERNAL', `migrations folder not found: ${dir}`);
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => ({ name, script: await readFile(join(dir, name, 'migration.sql'), 'utf8') })),
  );
}

/** pg ignores `?schema=`; honour it as Prisma does, by creating the schema and using it. */
function splitSchema(databaseUrl: string): { connectionString: string; schema?: string } {
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  return { connectionString: url.toString(), schema };
}

/**
 * Applies the committed SQL migrations in name order, recording each in `_prisma_migrations`
 * exactly as `prisma migrate deploy` does (same columns, sha256 hex checksum), so either tool can
 * take over from the other. Each migration runs in its own transaction; re-running is a no-op; an
 * applied migration whose file changed, or a failed one left by Prisma, stops the run.
 */
export async function runMigrations(
  databaseUrl: string,
  opts: RunMigrationsOptions = {},
): Promise<MigrationResult> {
  const dir = opts.dir ?? DEFAULT_MIGRATIONS_DIR;
  const log = opts.log ?? (() => {});
  const migrations = await listMigrations(dir);
  const { connectionString, schema } = splitSchema(databaseUrl);
  const client = new pg.Client({ connectionString });
  try {
    await client.connect();
  } catch (cause) {
    throw new AnetError('DEPENDENCY_UNAVAILABLE', `cannot connect to the database: ${String(cause)}`, {
      cause,
    });
  }
  try {
    if (schema) {
      const quoted = client.escapeIdentifier(schema);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
      await client.query(`SET search_path TO ${quoted}`);
    }
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
    try {
      await client.query(CREATE_MIGRATIONS_TABLE);
      return await applyPending(client, migrations, log);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}

async function applyPending(
  client: pg.Client,
  migrations: { name: string; script: string }[],
  log: (line: string) => void,
): Promise<MigrationResult> {
  const { rows } = await client.query<AppliedRow>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
  );
  const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
  if (failed) {
    throw new AnetError(
      'INTERNAL',
      `migration ${failed.migration_name} failed earlier and was never resolved; fix the database, then mark it with \`prisma migrate resolve\``,
    );
  }
  const done = new Map(
    rows.filter((r) => r.rolled_back_at === null).map((r) => [r.migration_name, r.checksum]),
  );
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  for (const { name, script } of migrations) {
    const recorded = done.get(name);
    if (recorded !== undefined) {
      if (!checksumMatches(script, recorded)) {
        throw new AnetError(
          'INTERNAL',
          `migration ${name} was modified after it was applied (checksum ${sha256Hex(script)} ≠ recorded ${recorded}); add a new migration instead of editing an applied one`,
          { details: { migration: name } },
        );
      }
      result.alreadyApplied.push(name);
      continue;
    }
    await applyOne(client, name, script);
    log(`applied ${name}`);
    result.applied.push(name);
  }
  return result;
}

async function applyOne(client: pg.Client, name: string, script: string): Promise<void> {
  await client.query('BEGIN');
  try {
    const id = randomUUID();
    await client.query(
      'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
      [id, sha256Hex(script), name],
    );
    await client.query(script);
    await client.query(
      'UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1',
      [id],
    );
    await client.query('COMMIT');
  } catch (cause) {
    await client.query('ROLLBACK');
    throw new AnetError('INTERNAL', `migration ${name} failed and was rolled back: ${String(cause)}`, {
      cause,
      details: { migration: name },
    });
  }
}
