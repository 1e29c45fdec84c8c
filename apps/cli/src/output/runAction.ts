import type { Command } from 'commander';
import { describeError } from './describeError';
import { exitCodeFor } from './exitCodeFor';

/**
 * Wraps a commander action: errors become one line on stderr (or a JSON object on stdout with
 * --json) and the documented exit code; nothing escapes to a stack trace.
 */
export function runAction<A extends unknown[]>(
  fn: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      const cmd = args[args.length - 1] as Command | undefined;
      const json = Boolean(cmd?.opts?.().json);
      const exitCode = exitCodeFor(err);
      const d = describeError(err);
      if (json) process.stdout.write(`${JSON.stringify({ error: { ...d, exitCode } })}\n`);
      else process.stderr.write(`error ${d.code}: ${d.message}\n${d.hint ? `  hint: ${d.hint}\n` : ''}`);
      process.exitCode = exitCode;
    }
  };
}
