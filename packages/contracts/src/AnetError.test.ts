import { describe, expect, it } from 'vitest';
import { AnetError, ERROR_CODES, HTTP_STATUS_BY_CODE, isInputError } from './index';

describe('AnetError', () => {
  it('carries code, status and cause', () => {
    const cause = new Error('boom');
    const e = new AnetError('NIFTI_TRUNCATED', 'file ends early', { cause });
    expect(e.code).toBe('NIFTI_TRUNCATED');
    expect(e.httpStatus).toBe(422);
    expect(e.cause).toBe(cause);
  });
  it('wraps unknown throwables as INTERNAL', () => {
    const e = AnetError.from(new TypeError('x'));
    expect(e.code).toBe('INTERNAL');
    expect(e.httpStatus).toBe(500);
    expect(AnetError.from(e)).toBe(e);
  });
  it('has a status for every code and classifies input errors', () => {
    for (const code of Object.values(ERROR_CODES))
      expect(HTTP_STATUS_BY_CODE[code]).toBeGreaterThanOrEqual(400);
    expect(isInputError('NIFTI_BAD_MAGIC')).toBe(true);
    expect(isInputError('DEPENDENCY_UNAVAILABLE')).toBe(false);
  });
});
