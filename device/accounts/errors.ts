/** An error that carries the HTTP status and the message to show the caller. */
export class AccountError extends Error {
  override name = 'AccountError';
  constructor(
    readonly statusCode: number,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
