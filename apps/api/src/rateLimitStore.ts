import type { Redis } from 'ioredis';

type Callback = (err: Error | null, res?: { current: number; ttl: number }) => void;

/** What @fastify/rate-limit calls on a custom store (`incr`, and `child` for per-route settings). */
export interface RateLimitStore {
  incr(key: string, cb: Callback, timeWindow: number, max: number): void;
  child(): RateLimitStore;
}

export interface FallbackEvents {
  /** Redis could not count a request; the in-process counter did (called on every fallback). */
  onFallback(err: Error | null): void;
}

/**
 * A fixed-window counter in process memory, bounded in size: the limiter's fallback while Redis is
 * unreachable (each API process then limits on its own, so a client may get N × max in a window).
 */
export class MemoryWindowCounter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  constructor(private readonly maxKeys = 50_000) {}

  hit(key: string, windowMs: number, now = Date.now()): { current: number; ttl: number } {
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      if (!w && this.windows.size >= this.maxKeys) this.prune(now);
      w = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, w);
    }
    w.count++;
    return { current: w.count, ttl: w.resetAt - now };
  }

  peek(key: string, now = Date.now()): number {
    const w = this.windows.get(key);
    return w && w.resetAt > now ? w.count : 0;
  }

  private prune(now: number): void {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
    // Still full of live windows (a flood of distinct keys): start over rather than grow.
    if (this.windows.size >= this.maxKeys) this.windows.clear();
  }
}

/**
 * The per-key request limiter's store: counts in Redis (shared by all API processes) while Redis
 * answers, and in process memory when it does not — a Redis outage then costs exactness of the limit,
 * never the request (reads keep working from Postgres). A Redis that is not connected is not even
 * asked, so requests do not wait for a command timeout.
 */
export function fallbackRateLimitStore(redis: Redis, nameSpace: string, events: FallbackEvents) {
  const memory = new MemoryWindowCounter();
  const store: RateLimitStore = {
    incr(key, cb, timeWindow) {
      const local = (err: Error | null) => {
        events.onFallback(err);
        cb(null, memory.hit(key, timeWindow));
      };
      if (redis.status !== 'ready') return local(null);
      const k = nameSpace + key;
      redis
        .multi()
        .incr(k)
        .pttl(k)
        .exec()
        .then(async (res) => {
          const [[e1, current], [e2, pttl]] = res as [[Error | null, number], [Error | null, number]];
          if (e1 || e2) throw e1 ?? e2;
          let ttl = pttl;
          if (ttl < 0) {
            // First hit of the window (or a key that lost its expiry): start the window now.
            await redis.pexpire(k, timeWindow);
            ttl = timeWindow;
          }
          cb(null, { current, ttl });
        })
        .catch((err: Error) => local(err));
    },
    child: () => store,
  };
  // @fastify/rate-limit instantiates `store` with `new`; returning an object from the constructor hands it ours.
  return function FallbackStore() {
    return store;
  } as unknown as new () => RateLimitStore;
}
