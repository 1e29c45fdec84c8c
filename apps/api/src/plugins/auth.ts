import fp from 'fastify-plugin';
import { AnetError } from '@anet/contracts';
import type { Principal } from '../repositories/apiKeysRepository';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

/**
 * `Authorization: Bearer <key>` → the key's tenant, as `request.principal`. Registered inside the
 * /v1 scope only, so health and docs stay open. Unknown, malformed and revoked keys all give the same 401.
 */
export const authPlugin = fp(
  async (app) => {
    app.decorateRequest('principal', null as unknown as Principal);
    app.addHook('onRequest', async (req) => {
      const header = req.headers.authorization;
      const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!m) throw new AnetError('UNAUTHORIZED', 'missing or malformed Authorization: Bearer <key>');
      const principal = await app.apiKeys.resolve(m[1]);
      if (!principal) throw new AnetError('UNAUTHORIZED', 'invalid or revoked API key');
      req.principal = principal;
    });
  },
  { name: 'anet-auth', dependencies: ['anet-api-keys-repository'] },
);
