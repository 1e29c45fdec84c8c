// Minimal typing of the autocannon API used by bench/api.bench.ts (no @types package installed).
declare module 'autocannon' {
  interface Stats {
    average: number;
    total: number;
    p50: number;
    p99: number;
  }
  interface Result {
    requests: Stats;
    latency: Stats;
    non2xx: number;
    errors: number;
  }
  interface Options {
    url: string;
    headers?: Record<string, string>;
    connections?: number;
    pipelining?: number;
    duration?: number;
  }
  export default function autocannon(opts: Options): Promise<Result>;
}
