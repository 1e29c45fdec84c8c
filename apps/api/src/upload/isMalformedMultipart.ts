/** busboy's errors for a malformed or cut-off body (no boundary, unexpected end, bad part header). */
const BUSBOY_MESSAGE =
  /^(Multipart: |Unexpected end of (form|multipart)|Malformed part header|Part terminated early)/;

/** true when `err` or one of its causes is busboy saying the client's multipart body is broken. */
export function isMalformedMultipart(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof Error && BUSBOY_MESSAGE.test(e.message)) return true;
  }
  return false;
}
