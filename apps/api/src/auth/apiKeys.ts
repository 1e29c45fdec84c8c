import { createHash, randomBytes } from 'node:crypto';

/** Keys look like `anet_<43 chars base64url>`: 32 random bytes, a prefix that says what they are. */
export const API_KEY_PREFIX = 'anet_';
/** How many leading characters are stored in clear to tell keys apart (`anet_` + 8). */
export const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

export function generateApiKey(): { key: string; hash: string; prefix: string } {
  const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  return { key, hash: hashApiKey(key), prefix: key.slice(0, DISPLAY_PREFIX_LENGTH) };
}

/** Only this hash is stored; keys carry 256 bits of entropy so a plain sha256 is enough. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
