import { someCause } from '../someCause';

/** busboy's errors for a malformed or cut-off body (no boundary, unexpected end, bad part header). */
const BUSBOY_MESSAGE =
  /^(Multipart: |Unexpected end of (form|multipart)|Malformed part header|Part terminated early)/;

/** true when `err` or one of its causes is busboy saying the client's multipart body is broken. */
export function isMalformedMultipart(err: unknown): boolean {
  return someCause(err, (e) => e instanceof Error && BUSBOY_MESSAGE.test(e.message));
}
