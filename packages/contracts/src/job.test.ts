import { describe, expect, it } from 'vitest';
import { JobListQuerySchema, JobOptionsSchema, isTerminalStatus } from './index';

describe('job contracts', () => {
  it('accepts allowed options and rejects unknown overrides', () => {
    expect(
      JobOptionsSchema.parse({ profile: 'smoke', clientReference: 'p-01.a', overrides: { epochs: 3 } })
        .overrides?.epochs,
    ).toBe(3);
    const bad = JobOptionsSchema.safeParse({ overrides: { lr: 1 } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0].code).toBe('unrecognized_keys');
  });
  it('rejects client references that could carry a name with spaces or be too long', () => {
    expect(JobOptionsSchema.safeParse({ clientReference: 'John Doe' }).success).toBe(false);
    expect(JobOptionsSchema.safeParse({ clientReference: 'x'.repeat(65) }).success).toBe(false);
  });
  it('coerces list limits and knows terminal states', () => {
    expect(JobListQuerySchema.parse({ limit: '5' }).limit).toBe(5);
    expect(JobListQuerySchema.safeParse({ limit: '500' }).success).toBe(false);
    expect(isTerminalStatus('cancelled')).toBe(true);
    expect(isTerminalStatus('training')).toBe(false);
  });
});
