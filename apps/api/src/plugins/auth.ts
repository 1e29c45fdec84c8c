import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AnetError } from '@anet/contracts';
import type { Principal } from '../repositories/apiKeysRepository';
import { AuthFailureLimiter } from '../auth/authFailureLimiter';
import { hasKeyInQuery } from '../auth/keyInQuery';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

/**
 * A key in the query string ends up in proxies' and browsers' logs: refused on every route, before
 * routing or auth, with a message that says where it belongs (logs redact it as well).
 */
export function refuseKeysInQuery(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    if (hasKeyInQuery(req.url))
      throw new AnetError(
        'API_KEY_IN_QUERY',
        'API keys are not accepted in the URL: send it as the header `Authorization: Bearer <key>` (and treat the key as leaked if it was sent in a URL over a network)',
      );
  });
}

/**
 * `Authorization: Bearer <key>` → the key's tenant, as `request.principal`. Registered inside the
 * /v1 scope only, so health and docs stay open. Unknown, malformed and revoked keys all give the same 401.
 * A client address with more than AUTH_FAILURES_MAX such 401s per window gets 429 without a lookup
 * (keys it presented successfully a moment ago still pass, from the key cache).
 */
export const authPlugin = fp(
  async (app) => {
    const failures = new AuthFailureLimiter(app.config.AUTH_FAILURES_MAX, app.config.AUTH_FAILURES_WINDOW_MS);
    app.decorateRequest('principal', null as unknown as Principal);
    app.addHook('onRequest', async (req, reply) => {
      const header = req.headers.authorization;
      const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      const cached = m ? app.apiKeys.cached(m[1]) : undefined;
      if (!cached) {
        const wait = failures.blockedFor(req.ip);
        if (wait > 0) {
          app.authThrottled?.inc();
          reply.header('Retry-After', String(wait));
          throw new AnetError(
            'RATE_LIMITED',
            `too many requests with a missing or invalid API key from this address; retry in ${wait} s`,
          );
        }
      }
      if (!m) {
        failures.recordFailure(req.ip);
        throw new AnetError('UNAUTHORIZED', 'missing or malformed Authorization: Bearer <key>');
      }
      const principal = cached ?? (await app.apiKeys.resolve(m[1]));
      if (!principal) {
        failures.recordFailure(req.ip);
        throw new AnetError('UNAUTHORIZED', 'invalid or revoked API key');
      }
      req.principal = principal;
    });
  },
  { name: 'anet-auth', dependencies: ['anet-api-keys-repository'] },
);
