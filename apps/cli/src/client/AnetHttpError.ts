/**
 * The server answered with an error body `{error: {code, message, details?}}` (or something we could
 * not parse, which becomes code `HTTP_<status>`). `code` is a string, not our ErrorCode union: a newer
 * server may send codes this CLI does not know yet.
 */
export class AnetHttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: Record<string, unknown>;
  readonly method: string;
  readonly path: string;

  constructor(opts: {
    status: number;
    code: string;
    message: string;
    method: string;
    path: string;
    details?: Record<string, unknown>;
  }) {
    super(opts.message);
    this.name = 'AnetHttpError';
    this.status = opts.status;
    this.code = opts.code;
    this.details = opts.details;
    this.method = opts.method;
    this.path = opts.path;
  }
}
