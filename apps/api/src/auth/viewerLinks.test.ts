import { describe, expect, it } from 'vitest';
import { AnetError } from '@anet/contracts';
import { redactTokenInUrl, signViewerLink, verifyViewerLink } from './viewerLinks';

const SECRET = 'a-secret-of-at-least-thirty-two-chars';
const JOB = '0b6f6a4e-7d0c-4f5e-9d55-1b2c3d4e5f60';
const claims = { tenantId: 't-1', jobId: JOB, expiresAt: new Date('2030-01-01T00:00:00Z') };
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as AnetError).code;
  }
  return 'accepted';
};

describe('viewer links', () => {
  it('round-trip: the tenant of the job it was signed for, until it expires', () => {
    const token = signViewerLink(SECRET, claims);
    expect(verifyViewerLink(SECRET, token, JOB, new Date('2029-12-31T23:59:59Z'))).toEqual({
      tenantId: 't-1',
      expiresAt: claims.expiresAt,
    });
    expect(codeOf(() => verifyViewerLink(SECRET, token, JOB, new Date('2030-01-01T00:00:00Z')))).toBe(
      'VIEWER_LINK_EXPIRED',
    );
  });

  it('refuses another job, another secret, a changed payload, garbage and nothing alike', () => {
    const token = signViewerLink(SECRET, claims);
    const now = new Date('2029-01-01T00:00:00Z');
    const [v, body, sig] = token.split('.');
    const otherTenant = Buffer.from(JSON.stringify({ t: 't-2', j: JOB, e: 1893456000 })).toString('base64url');
    for (const [t, id] of [
      [token, 'another-job'],
      [signViewerLink('another-secret-of-at-least-32-characters', claims), JOB],
      [`${v}.${otherTenant}.${sig}`, JOB],
      [`v2.${body}.${sig}`, JOB],
      [`${v}.${body}`, JOB],
      ['', JOB],
      ['garbage', JOB],
    ] as const)
      expect(codeOf(() => verifyViewerLink(SECRET, t, id, now))).toBe('VIEWER_LINK_INVALID');
    expect(codeOf(() => verifyViewerLink(SECRET, undefined, JOB, now))).toBe('VIEWER_LINK_INVALID');
  });

  it('redacts the token from a logged URL, whatever its position', () => {
    expect(redactTokenInUrl('/v1/jobs/x/viewer?token=v1.abc.def')).toBe('/v1/jobs/x/viewer?token=[redacted]');
    expect(redactTokenInUrl('/v1/jobs/x/viewer/files/map.nii.gz?a=1&token=v1.a.b&z=2')).toBe(
      '/v1/jobs/x/viewer/files/map.nii.gz?a=1&token=[redacted]&z=2',
    );
    expect(redactTokenInUrl('/v1/jobs/x')).toBe('/v1/jobs/x');
  });
});
