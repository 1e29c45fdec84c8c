import { describe, expect, it } from 'vitest';
import { AnetError } from '@anet/contracts';
import { loadConfig } from './config';

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
});
