/** Replaces every occurrence of `secret` in `text` so tokens never reach logs or terminals. */
export function redactSecret(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  return text.split(secret).join('***');
}
