import fp from 'fastify-plugin';
import type { PrismaClient } from '@anet/db';
import { hashApiKey } from '../auth/apiKeys';

export interface Principal {
  keyId: string;
  tenantId: string;
}

export interface ApiKeysRepository {
  /** The tenant behind a presented key, or null when unknown or revoked. */
  resolve(presentedKey: string): Promise<Principal | null>;
  /** The principal of a key resolved as valid within the cache TTL, without a lookup. */
  cached(presentedKey: string): Principal | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    apiKeys: ApiKeysRepository;
  }
}

/**
 * Small TTL cache in front of the key lookup: polling clients otherwise hit Postgres on every GET.
 * A revoked key therefore keeps working for at most `ttlMs` (AUTH_CACHE_TTL_MS) on each API process.
 */
export function createApiKeysRepository(prisma: PrismaClient, ttlMs: number): ApiKeysRepository {
  const cache = new Map<string, { value: Principal | null; expires: number }>();
  return {
    cached(presentedKey) {
      const hit = cache.get(hashApiKey(presentedKey));
      return hit && hit.value && hit.expires > Date.now() ? hit.value : undefined;
    },
    async resolve(presentedKey) {
      const hash = hashApiKey(presentedKey);
      const now = Date.now();
      const hit = cache.get(hash);
      if (hit && hit.expires > now) return hit.value;
      const row = await prisma.apiKey.findUnique({
        where: { hash },
        select: { id: true, tenantId: true, revokedAt: true },
      });
      const value = row && !row.revokedAt ? { keyId: row.id, tenantId: row.tenantId } : null;
      if (ttlMs > 0) {
        if (cache.size > 10_000) cache.clear();
        cache.set(hash, { value, expires: now + ttlMs });
      }
      return value;
    },
  };
}

export const apiKeysRepositoryPlugin = fp(
  async (app) => {
    app.decorate('apiKeys', createApiKeysRepository(app.prisma, app.config.AUTH_CACHE_TTL_MS));
  },
  { name: 'anet-api-keys-repository', dependencies: ['anet-infrastructure'] },
);
