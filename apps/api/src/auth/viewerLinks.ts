import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AnetError } from '@anet/contracts';

/**
 * Viewer links: a browser cannot send the API key on a plain link, so the viewer page and its files are
 * reached with a token that names one tenant's one job and an expiry, signed with HMAC-SHA256. It is
 * not the key and grants nothing else; deleting the job revokes it (every request re-reads the job).
 * Format: `v1.<base64url JSON {t,j,e}>.<base64url HMAC>`.
 */
const PayloadSchema = z.object({ t: z.string().min(1), j: z.string().min(1), e: z.number().int() }).strict();
export type ViewerLinkClaims = { tenantId: string; jobId: string; expiresAt: Date };

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const mac = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest();

/** The configured secret, or a random one that lives as long as this process (links die on restart). */
export function viewerLinkSecret(configured: string | undefined): { secret: string; ephemeral: boolean } {
  return configured
    ? { secret: configured, ephemeral: false }
    : { secret: randomBytes(32).toString('base64url'), ephemeral: true };
}

export function signViewerLink(secret: string, claims: ViewerLinkClaims): string {
  const body = b64(
    JSON.stringify({ t: claims.tenantId, j: claims.jobId, e: Math.floor(claims.expiresAt.getTime() / 1000) }),
  );
  return `v1.${body}.${b64(mac(secret, `v1.${body}`))}`;
}

/**
 * The tenant a token grants for `jobId`, or 403: VIEWER_LINK_INVALID (malformed, forged, another job's)
 * or VIEWER_LINK_EXPIRED. Messages never echo the token or say whose job it was.
 */
export function verifyViewerLink(
  secret: string,
  token: string | undefined,
  jobId: string,
  now = new Date(),
): { tenantId: string; expiresAt: Date } {
  const invalid = () =>
    new AnetError('VIEWER_LINK_INVALID', 'this viewer link is not valid for this job; ask for a new one');
  if (!token) throw invalid();
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== 'v1') throw invalid();
  const expected = mac(secret, `${parts[0]}.${parts[1]}`);
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  let payload: z.infer<typeof PayloadSchema>;
  try {
    payload = PayloadSchema.parse(JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')));
  } catch {
    throw invalid();
  }
  if (payload.j !== jobId) throw invalid();
  const expiresAt = new Date(payload.e * 1000);
  if (expiresAt.getTime() <= now.getTime())
    throw new AnetError(
      'VIEWER_LINK_EXPIRED',
      `this viewer link expired at ${expiresAt.toISOString()}; ask for a new one (anet view JOB)`,
    );
  return { tenantId: payload.t, expiresAt };
}

/** A URL with any `token` query value replaced, for logs. */
export function redactTokenInUrl(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}
