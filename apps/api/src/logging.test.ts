import { describe, expect, it } from 'vitest';
import { prettyLine } from './logging';

describe('prettyLine', () => {
  it('turns a pino JSON line into time, level, message and key=value fields', () => {
    const line = JSON.stringify({
      level: 30,
      time: Date.UTC(2026, 0, 2, 3, 4, 5),
      pid: 1,
      hostname: 'h',
      reqId: 'req-1',
      msg: 'request',
      method: 'GET',
      status: 200,
    });
    expect(prettyLine(line)).toBe('03:04:05 INFO  request  reqId=req-1 method=GET status=200');
  });
  it('shows an error by its message and the first stack frames; non-JSON passes through', () => {
    const out = prettyLine(
      JSON.stringify({
        level: 50,
        time: 0,
        msg: 'failed',
        err: { message: 'boom', stack: 'Error: boom\n    at f (x.ts:1:1)' },
      }),
    );
    expect(out).toBe('00:00:00 ERROR failed  err="boom"\n    at f (x.ts:1:1)');
    expect(prettyLine('not json')).toBe('not json');
  });
});
