/**
 * An error that carries the HTTP status and the message to show the caller; `code` and `params` name it
 * for a screen that shows it in its reader's language.
 */
export class AccountError extends Error {
  override name = 'AccountError';
  constructor(
    readonly statusCode: number,
    message: string,
    readonly retryAfterSeconds?: number,
    readonly code?: string,
  ) {
    super(message);
  }

  get params(): Record<string, number> | undefined {
    return this.retryAfterSeconds === undefined ? undefined : { seconds: this.retryAfterSeconds };
  }
}
