/** A mistake of the user's that is not in the config (an argument, a path): one line, exit 1. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
