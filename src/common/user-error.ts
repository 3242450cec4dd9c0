/**
 * A failure the user can act on: printed as one line (what happened, what to do), exit code non-zero.
 * The one piece every layer shares, the embedded broker included, so none of them imports another's module for it.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
