/** The command line (or configuration) is wrong: exit code 2, with a message that says what to add. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
