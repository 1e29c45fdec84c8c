import { describe, expect, it } from 'vitest';
import { AnetError } from '@anet/contracts';
import { loadConfig, requestTimeoutMs } from './config';

describe('loadConfig', () => {
  it('applies defaults and coerces numbers', () => {
    const c = loadConfig({ DATABASE_URL: 'postgresql://x/y', PORT: '9000' });
    expect(c.PORT).toBe(9000);
    expect(c.MAX_FILE_BYTES).toBe(1024 ** 3);
    expect(c.S3_FORCE_PATH_STYLE).toBe(true);
  });
  it('fails naming the bad variable', () => {
    const bad = (env: Record<string, string>) => {
      try {
        loadConfig({ DATABASE_URL: 'postgresql://x/y', ...env });
      } catch (e) {
        return e as AnetError;
      }
      throw new Error('no error');
    };
    expect(bad({ PORT: 'eighty' }).message).toMatch(/^environment variable PORT/);
    expect(bad({ S3_ENDPOINT: 'not a url' }).details).toEqual({ variable: 'S3_ENDPOINT' });
    expect(() => loadConfig({})).toThrow(/DATABASE_URL/);
    expect(bad({ MAX_FILE_BYTES: '-1' }).code).toBe('CONFIG_INVALID');
  });

  it('has safe defaults for the hardening limits, and derives the request timeout from size and rate', () => {
    const c = loadConfig({ DATABASE_URL: 'postgresql://x/y' });
    expect(c.HOST).toBe('127.0.0.1');
    expect(c.UPLOAD_IDLE_TIMEOUT_MS).toBe(30_000);
    expect(c.MAX_VOXELS_PER_SCAN).toBe(512 * 512 * 400);
    expect(c.METRICS_TOKEN).toBeUndefined();
    // Two 1 GiB files at 2 MiB/s + a minute: 1,084 s, not the old hour.
    expect(requestTimeoutMs(c)).toBe(1_084_000);
    expect(
      requestTimeoutMs(loadConfig({ DATABASE_URL: 'postgresql://x/y', REQUEST_TIMEOUT_MS: '5000' })),
    ).toBe(5000);
    expect(loadConfig({ DATABASE_URL: 'postgresql://x/y', METRICS_TOKEN: '' }).METRICS_TOKEN).toBeUndefined();
    expect(() => loadConfig({ DATABASE_URL: 'postgresql://x/y', METRICS_TOKEN: 'short' })).toThrow(
      /METRICS_TOKEN/,
    );
  });
});
