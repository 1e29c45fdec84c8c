import type { PrismaClient } from '@anet/db';
import { AnetError } from '@anet/contracts';
import { generateApiKey } from './apiKeys';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Creates (or reuses) the tenant and a new key for it. The clear key is returned once and never stored. */
export async function createApiKey(
  prisma: PrismaClient,
  opts: { tenant: string; name?: string },
): Promise<{ id: string; key: string; prefix: string; tenantId: string }> {
  const tenant = await prisma.tenant.upsert({
    where: { name: opts.tenant },
    create: { name: opts.tenant },
    update: {},
  });
  const { key, hash, prefix } = generateApiKey();
  const row = await prisma.apiKey.create({
    data: { tenantId: tenant.id, hash, prefix, name: opts.name ?? 'default' },
  });
  return { id: row.id, key, prefix, tenantId: tenant.id };
}

/** Revokes by key id or display prefix; a prefix matching several live keys is refused as ambiguous. */
export async function revokeApiKey(
  prisma: PrismaClient,
  idOrPrefix: string,
): Promise<{ id: string; prefix: string }> {
  const where = UUID.test(idOrPrefix) ? { id: idOrPrefix } : { prefix: idOrPrefix };
  const rows = await prisma.apiKey.findMany({ where: { ...where, revokedAt: null } });
  if (rows.length === 0) throw new AnetError('VALIDATION_FAILED', `no active key ${idOrPrefix}`);
  if (rows.length > 1)
    throw new AnetError(
      'VALIDATION_FAILED',
      `prefix ${idOrPrefix} matches ${rows.length} keys; use the key id`,
    );
  await prisma.apiKey.update({ where: { id: rows[0].id }, data: { revokedAt: new Date() } });
  return { id: rows[0].id, prefix: rows[0].prefix };
}
