import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient } from './createPrismaClient';
import { createTempDatabase, type TempDatabase } from './createTempDatabase';
import { DEFAULT_MIGRATIONS_DIR, runMigrations } from './runMigrations';

const adminUrl = process.env.ANET_TEST_ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('runMigrations on an empty database', () => {
  let db: TempDatabase;
  let migrationNames: string[];

  beforeAll(async () => {
    db = await createTempDatabase(adminUrl, 'anet_test_migrate');
    const { applied, alreadyApplied } = await runMigrations(db.url);
    migrationNames = applied;
    expect(alreadyApplied).toEqual([]);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('records every migration as Prisma does (sha256 hex of the file, finished, 1 step)', async () => {
    expect(migrationNames.length).toBeGreaterThan(0);
    const rows = await query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      applied_steps_count: number;
    }>(
      db.url,
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
    );
    const expected = await Promise.all(
      migrationNames.map(async (name) => {
        const bytes = await readFile(join(DEFAULT_MIGRATIONS_DIR, name, 'migration.sql'));
        return { name, checksum: createHash('sha256').update(bytes).digest('hex') };
      }),
    );
    expect(rows.map((r) => ({ name: r.migration_name, checksum: r.checksum }))).toEqual(expected);
    for (const r of rows) {
      expect(r.finished_at).toBeInstanceOf(Date);
      expect(r.applied_steps_count).toBe(1);
    }
  });

  it('produces the schema the generated client expects: create and read every model', async () => {
    const prisma = createPrismaClient(db.url);
    try {
      const tenant = await prisma.tenant.create({ data: { name: 'hospital-a' } });
      const key = await prisma.apiKey.create({
        data: { tenantId: tenant.id, hash: 'a'.repeat(64), prefix: 'anet_ab12', name: 'ci' },
      });
      const jobData = (tenantId: string) => ({
        tenantId,
        profile: 'smoke',
        options: { epochs: 3 },
        clientReference: 'pseudo-1',
        idempotencyKey: 'idem-1',
        payloadHash: 'b'.repeat(64),
        baselineKey: 'inputs/x/baseline.nii.gz',
        baselineSha256: 'c'.repeat(64),
        followupKey: 'inputs/x/followup.nii.gz',
        followupSha256: 'd'.repeat(64),
      });
      const job = await prisma.job.create({ data: jobData(tenant.id) });
      await prisma.artifact.create({
        data: {
          jobId: job.id,
          name: 'map.nii.gz',
          key: `jobs/${job.id}/map.nii.gz`,
          bytes: 5_000_000_000n,
          sha256: 'e'.repeat(64),
          contentType: 'application/gzip',
        },
      });
      await prisma.jobEvent.create({
        data: { jobId: job.id, from: 'queued', to: 'preprocessing', detail: { by: 'w1' } },
      });

      const read = await prisma.job.findUniqueOrThrow({
        where: { tenantId_idempotencyKey: { tenantId: tenant.id, idempotencyKey: 'idem-1' } },
        include: { artifacts: true, events: true, tenant: { include: { apiKeys: true } } },
      });
      expect(read.status).toBe('queued');
      expect(read.options).toEqual({ epochs: 3 });
      expect(read.artifacts[0].bytes).toBe(5_000_000_000n);
      expect(read.events[0]).toMatchObject({ from: 'queued', to: 'preprocessing', detail: { by: 'w1' } });
      expect(read.tenant.apiKeys.map((k) => k.id)).toEqual([key.id]);

      // The per-tenant idempotency key is unique; another tenant may reuse it.
      await expect(prisma.job.create({ data: jobData(tenant.id) })).rejects.toThrow(/Unique constraint/);
      const other = await prisma.tenant.create({ data: { name: 'hospital-b' } });
      await expect(prisma.job.create({ data: jobData(other.id) })).resolves.toMatchObject({
        tenantId: other.id,
      });
    } finally {
      await prisma.$disconnect();
    }
  });

  it('is a no-op when re-run', async () => {
    const before = await query(db.url, 'SELECT * FROM "_prisma_migrations" ORDER BY id');
    const again = await runMigrations(db.url);
    expect(again).toEqual({ applied: [], alreadyApplied: migrationNames });
    expect(await query(db.url, 'SELECT * FROM "_prisma_migrations" ORDER BY id')).toEqual(before);
  });

  it('refuses a migration whose file changed after it was applied', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'anet-migrations-'));
    try {
      await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
      const first = join(dir, migrationNames[0], 'migration.sql');
      await writeFile(first, `${await readFile(first, 'utf8')}\n-- tampered\n`);
      await expect(runMigrations(db.url, { dir })).rejects.toThrow(/was modified after it was applied/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('runMigrations transactions and concurrency', () => {
  let db: TempDatabase;
  let dir: string;

  beforeAll(async () => {
    db = await createTempDatabase(adminUrl, 'anet_test_migrate');
    dir = await mkdtemp(join(tmpdir(), 'anet-migrations-'));
  });
  afterAll(async () => {
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('rolls back a failing migration entirely and records nothing', async () => {
    await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    const bad = join(dir, '99990101000000_broken');
    await cp(join(DEFAULT_MIGRATIONS_DIR, 'migration_lock.toml'), join(dir, 'migration_lock.toml'));
    await mkdir(bad);
    await writeFile(
      join(bad, 'migration.sql'),
      'CREATE TABLE "Half" (id INT);\nSELECT no_such_function();\n',
    );
    await expect(runMigrations(db.url, { dir })).rejects.toThrow(
      /99990101000000_broken failed and was rolled back/,
    );
    const tables = await query<{ n: string }>(
      db.url,
      `SELECT count(*)::text AS n FROM pg_tables WHERE tablename = 'Half'`,
    );
    expect(tables[0].n).toBe('0');
    const names = await query<{ migration_name: string }>(
      db.url,
      'SELECT migration_name FROM "_prisma_migrations"',
    );
    expect(names.map((r) => r.migration_name)).not.toContain('99990101000000_broken');
  });

  it('serialises concurrent runners on the advisory lock (each migration applied once)', async () => {
    const fresh = await createTempDatabase(adminUrl, 'anet_test_migrate');
    try {
      const results = await Promise.all([
        runMigrations(fresh.url),
        runMigrations(fresh.url),
        runMigrations(fresh.url),
      ]);
      const appliedCounts = results.map((r) => r.applied.length).sort();
      expect(appliedCounts.slice(0, 2)).toEqual([0, 0]);
      expect(appliedCounts[2]).toBeGreaterThan(0);
      const rows = await query<{ n: string }>(
        fresh.url,
        'SELECT count(*)::text AS n FROM "_prisma_migrations"',
      );
      expect(Number(rows[0].n)).toBe(appliedCounts[2]);
    } finally {
      await fresh.drop();
    }
  });
});
