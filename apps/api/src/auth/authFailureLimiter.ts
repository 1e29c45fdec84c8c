import { MemoryWindowCounter } from '../rateLimitStore';

/**
 * Counts requests whose key was missing, malformed or unknown, per client address. Past `max` in a
 * window the address gets 429 before its key is looked up, so a flood of invalid keys costs no
 * Postgres query (it stays in this process: an outage of Redis must not open the door).
 */
export class AuthFailureLimiter {
  private readonly counter = new MemoryWindowCounter();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Seconds until the address may try again, or 0 when it is under the limit. */
  blockedFor(address: string, now = Date.now()): number {
    if (this.counter.peek(address, now) < this.max) return 0;
    return Math.max(1, Math.ceil(this.counter.hit(address, this.windowMs, now).ttl / 1000));
  }

  recordFailure(address: string, now = Date.now()): void {
    this.counter.hit(address, this.windowMs, now);
  }
}
