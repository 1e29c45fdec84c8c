/** Query parameters a client might put a key in; none of them is a parameter of the API. */
const SECRET_PARAMS = new Set([
  'api_key',
  'apikey',
  'api-key',
  'key',
  'token',
  'access_token',
  'auth',
  'authorization',
  'bearer',
]);
/** An anet key wherever it appears (generated keys: `anet_` + 43 base64url characters). */
const KEY_PATTERN = /anet_[A-Za-z0-9_-]{20,}/g;

/**
 * The viewer's routes take a signed, short-lived, job-scoped `token` in the query (a browser cannot send
 * a header on a plain link); that token is not an API key, so it is allowed there and only there.
 */
const VIEWER_PATH = /^\/v1\/jobs\/[^/?]+\/viewer(\/files\/[^?]*)?(\?|$)/;

function queryOf(url: string): string | null {
  const q = url.indexOf('?');
  return q < 0 ? null : url.slice(q + 1);
}

/** true when the URL's query carries a credential (a key-like parameter name or an anet key). */
export function hasKeyInQuery(url: string): boolean {
  const query = queryOf(url);
  if (query === null) return false;
  KEY_PATTERN.lastIndex = 0;
  if (KEY_PATTERN.test(query)) return true;
  for (const pair of query.split('&')) {
    const name = pair.split('=')[0];
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      // a malformed name is no credential name; the router answers URL_INVALID
    }
    const lower = decoded.toLowerCase();
    if (lower === 'token' && VIEWER_PATH.test(url)) continue;
    if (SECRET_PARAMS.has(lower)) return true;
  }
  return false;
}

/** `url` with the values of credential parameters and any anet key replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const query = queryOf(url);
  if (query === null) return url.replace(KEY_PATTERN, '[redacted]');
  const path = url.slice(0, url.length - query.length - 1);
  const pairs = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      /* keep the raw name */
    }
    if (eq >= 0 && SECRET_PARAMS.has(decoded.toLowerCase())) return `${name}=[redacted]`;
    return pair.replace(KEY_PATTERN, '[redacted]');
  });
  return `${path.replace(KEY_PATTERN, '[redacted]')}?${pairs.join('&')}`;
}
