import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { redactUrl } from './auth/keyInQuery';

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'name']);

/** One pino JSON line → `12:03:04 INFO  message key=value …` (errors: their message and stack). */
export function prettyLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = new Date(typeof o.time === 'number' ? o.time : Date.now()).toISOString().slice(11, 19);
  const level = (LEVELS[o.level as number] ?? String(o.level)).padEnd(5);
  const fields: string[] = [];
  let stack = '';
  for (const [k, v] of Object.entries(o)) {
    if (SKIP.has(k) || v === undefined) continue;
    if (k === 'err' && v && typeof v === 'object') {
      const e = v as { message?: string; stack?: string };
      fields.push(`err=${JSON.stringify(e.message ?? '')}`);
      if (e.stack) stack = `\n    ${e.stack.split('\n').slice(1, 6).join('\n    ').trim()}`;
      continue;
    }
    fields.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return `${time} ${level} ${String(o.msg ?? '')}${fields.length ? `  ${fields.join(' ')}` : ''}${stack}`;
}

/** Where pino writes: stdout as JSON, or through `prettyLine` (LOG_FORMAT=pretty, the dev stack on a TTY). */
export function logDestination(format: 'json' | 'pretty'): NodeJS.WritableStream {
  if (format === 'json') return process.stdout;
  let rest = '';
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) if (l) process.stdout.write(`${prettyLine(l)}\n`);
      cb();
    },
  });
}

/**
 * One info line per request, written when the answer is sent (Fastify's own "incoming request" +
 * "request completed" pair is turned off): method, path with credentials redacted, status, time.
 */
export function logOneLinePerRequest(app: FastifyInstance): void {
  app.addHook('onResponse', async (req, reply) => {
    req.log.info(
      {
        method: req.method,
        url: redactUrl(req.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  });
}
