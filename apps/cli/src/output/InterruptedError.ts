/** The user pressed Ctrl-C while we waited; the job itself goes on on the server (exit 130). */
export class InterruptedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InterruptedError';
  }
}
