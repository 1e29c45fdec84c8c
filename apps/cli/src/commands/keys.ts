import type { Command } from 'commander';
import { databaseError } from '../config/databaseErrors';
import { UsageError } from '../output/UsageError';
import { runAction } from '../output/runAction';

/** Prisma and the key helpers load only when a keys command runs (keeps `anet --help` fast). */
async function keyStore() {
  const [{ createPrismaClient }, { createApiKey, revokeApiKey }] = await Promise.all([
    import('@anet/db'),
    import('@anet/api/apiKeys'),
  ]);
  return { createPrismaClient, createApiKey, revokeApiKey };
}

/** Admin commands that talk to the database directly (DATABASE_URL), not to the API. */
function databaseUrl(opts: { databaseUrl?: string }): string {
  const url = opts.databaseUrl ?? process.env.DATABASE_URL;
  if (!url) throw new UsageError('set DATABASE_URL (or --database-url) to manage API keys');
  return url;
}

export function register(program: Command): void {
  const keys = program.command('keys').description('manage API keys (admin; uses DATABASE_URL directly)');
  keys
    .command('create')
    .description(
      'create a key for a tenant (created if new); the key is printed once and only its hash is stored',
    )
    .requiredOption('--tenant <name>', 'tenant (hospital) name')
    .option('--name <label>', 'label for this key', 'default')
    .option('--database-url <url>', 'PostgreSQL URL (default: $DATABASE_URL)')
    .option('--json', 'print JSON')
    .action(
      runAction(async (opts: { tenant: string; name: string; databaseUrl?: string; json?: boolean }) => {
        const url = databaseUrl(opts);
        const { createPrismaClient, createApiKey } = await keyStore();
        const prisma = createPrismaClient(url);
        try {
          const k = await createApiKey(prisma, { tenant: opts.tenant, name: opts.name }).catch((err: unknown) => {
            throw databaseError(err, url);
          });
          process.stdout.write(
            opts.json
              ? `${JSON.stringify({ id: k.id, key: k.key, prefix: k.prefix, tenantId: k.tenantId })}\n`
              : `${k.key}\n`,
          );
          if (!opts.json)
            process.stderr.write(
              `key ${k.prefix}… (id ${k.id}) for tenant ${opts.tenant}; store it now, it is not shown again\n`,
            );
        } finally {
          await prisma.$disconnect();
        }
      }),
    );
  keys
    .command('revoke')
    .description('revoke a key by its display prefix or id')
    .argument('<prefixOrId>', 'key prefix (anet_XXXXXXXX) or key id')
    .option('--database-url <url>', 'PostgreSQL URL (default: $DATABASE_URL)')
    .action(
      runAction(async (prefixOrId: string, opts: { databaseUrl?: string }) => {
        const url = databaseUrl(opts);
        const { createPrismaClient, revokeApiKey } = await keyStore();
        const prisma = createPrismaClient(url);
        try {
          const r = await revokeApiKey(prisma, prefixOrId).catch((err: unknown) => {
            throw databaseError(err, url);
          });
          process.stderr.write(`revoked ${r.prefix}… (id ${r.id})\n`);
        } finally {
          await prisma.$disconnect();
        }
      }),
    );
}
