import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * POSTs a stream with node:http(s) and returns a fetch `Response`. Node 20's fetch reads a whole
 * request body into memory before the socket drains (measured: 1.1 GB RSS for a 1 GiB upload, with
 * FormData, Blob or stream bodies alike); core http honours backpressure (82 MB). Errors are thrown
 * like fetch's (`TypeError` with the socket error as `cause`) so callers retry them the same way.
 */
export function streamingPost(
  url: URL,
  headers: Record<string, string>,
  body: Readable,
  opts: { signal?: AbortSignal; idleTimeoutMs?: number } = {},
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'POST', headers });
    const fail = (err: unknown) => {
      body.destroy();
      req.destroy();
      reject(opts.signal?.aborted ? opts.signal.reason : new TypeError('upload failed', { cause: err }));
    };
    const onAbort = () => fail(opts.signal?.reason);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) return onAbort();
    req.setTimeout(opts.idleTimeoutMs ?? 300_000, () =>
      fail(Object.assign(new Error('socket idle'), { code: 'ETIMEDOUT' })),
    );
    req.on('response', (res: IncomingMessage) => {
      opts.signal?.removeEventListener('abort', onAbort);
      const h = new Headers();
      for (const [k, v] of Object.entries(res.headers)) {
        if (Array.isArray(v)) v.forEach((x) => h.append(k, x));
        else if (v !== undefined) h.set(k, v);
      }
      const status = res.statusCode ?? 0;
      const noBody = status === 204 || status === 304;
      if (noBody) res.resume();
      resolve(
        new Response(noBody ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>), {
          status,
          statusText: res.statusMessage,
          headers: h,
        }),
      );
    });
    req.on('error', fail);
    pipeline(body, req).catch(() => {
      // Errors surface through req 'error' or an early response; nothing more to do here.
    });
  });
}
