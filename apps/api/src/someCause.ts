/** true when `err` or one of its `cause`s (up to 8 deep) satisfies `test`. */
export function someCause(
  err: unknown,
  test: (e: { code?: unknown; message?: unknown }) => boolean,
): boolean {
  for (let e = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (test(e as { code?: unknown; message?: unknown })) return true;
  }
  return false;
}
