/** The server could not be reached (connection refused/reset, DNS, timeout) after all retry attempts. */
export class AnetNetworkError extends Error {
  readonly attempts: number;

  constructor(message: string, opts: { attempts: number; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.name = 'AnetNetworkError';
    this.attempts = opts.attempts;
  }
}
