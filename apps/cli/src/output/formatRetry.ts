import type { RetryNotice } from '../client';

/** "retry 2: GET /v1/jobs/abc failed (HTTP 503); next try in 1.2 s" — never includes headers. */
export function formatRetry(n: RetryNotice): string {
  return `retry ${n.attempt}: ${n.method} ${n.path} failed (${n.reason}); next try in ${(n.delayMs / 1000).toFixed(1)} s`;
}
