/** A wrong request from a client (unknown session, wrong state); its message is shown to the client. */
export class RoutingError extends Error {
  constructor(
    message: string,
    readonly statusCode: 400 | 403 | 404 | 409 | 429 = 400,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
