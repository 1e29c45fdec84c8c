import { describe, expect, it } from 'vitest';
import { hasKeyInQuery, redactUrl } from './keyInQuery';

const KEY = 'anet_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0u1v';

describe('keys in the query string', () => {
  it('finds credential parameters by name (any case, encoded) and anet keys by shape', () => {
    expect(hasKeyInQuery(`/v1/jobs?api_key=${KEY}`)).toBe(true);
    expect(hasKeyInQuery('/v1/jobs?limit=2&Token=x')).toBe(true);
    expect(hasKeyInQuery('/v1/jobs?api%5Fkey=x')).toBe(true);
    expect(hasKeyInQuery(`/v1/jobs?cursor=${KEY}`)).toBe(true);
    expect(hasKeyInQuery('/v1/jobs?limit=2&status=queued&cursor=abc')).toBe(false);
    expect(hasKeyInQuery('/v1/jobs/x/artifacts/a?download=stream')).toBe(false);
    expect(hasKeyInQuery('/v1/jobs?%E0%A4%A=1')).toBe(false);
  });

  it('redacts credential values and keys, keeps everything else', () => {
    expect(redactUrl(`/v1/jobs?limit=2&api_key=${KEY}`)).toBe('/v1/jobs?limit=2&api_key=[redacted]');
    expect(redactUrl(`/v1/jobs?cursor=${KEY}&limit=3`)).toBe('/v1/jobs?cursor=[redacted]&limit=3');
    expect(redactUrl(`/v1/${KEY}`)).toBe('/v1/[redacted]');
    expect(redactUrl('/v1/jobs?status=queued')).toBe('/v1/jobs?status=queued');
  });
});

describe('viewer links', () => {
  it('allow the signed token on the viewer page and its files only, never an API key', () => {
    expect(hasKeyInQuery('/v1/jobs/abc/viewer?token=v1.payload.sig')).toBe(false);
    expect(hasKeyInQuery('/v1/jobs/abc/viewer/files/map.nii.gz?token=v1.payload.sig')).toBe(false);
    expect(hasKeyInQuery('/v1/jobs/abc?token=v1.payload.sig')).toBe(true);
    expect(hasKeyInQuery('/v1/jobs/abc/viewer?api_key=x')).toBe(true);
    expect(hasKeyInQuery(`/v1/jobs/abc/viewer?token=anet_${'A'.repeat(43)}`)).toBe(true);
  });
});
