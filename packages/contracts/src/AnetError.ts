import { HTTP_STATUS_BY_CODE, type ErrorCode } from './errorCodes';

/** The one error class of anet: a stable `code`, a message that says what to fix, and a `cause`. */
export class AnetError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'AnetError';
    this.code = code;
    this.details = opts.details;
  }

  get httpStatus(): number {
    return HTTP_STATUS_BY_CODE[this.code];
  }

  /** Unknown throwables become INTERNAL, keeping the original as `cause` (and so its stack). */
  static from(err: unknown): AnetError {
    if (err instanceof AnetError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new AnetError('INTERNAL', message, { cause: err });
  }
}

export function isAnetError(err: unknown): err is AnetError {
  return err instanceof AnetError;
}
