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
}

declare module 'fastify' {
  interface FastifyInstance {
    apiKeys: ApiKeysRepository;
  }
}

/** Small TTL cache in front of the key lookup: polling clients otherwise hit Postgres on every GET. */
export function createApiKeysRepository(prisma: PrismaClient, ttlMs: number): ApiKeysRepository {
  const cache = new Map<string, { value: Principal | null; expires: number }>();
  return {
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
