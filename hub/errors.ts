/** What went wrong, by kind; only the HTTP edge (http-errors.ts) turns a kind into a status code. */
export type HubErrorKind = 'invalid' | 'unauthenticated' | 'forbidden' | 'not-found' | 'conflict' | 'too-large' | 'unsupported-media' | 'too-many';

export class HubError extends Error {
  override name = 'HubError';
  constructor(
    readonly kind: HubErrorKind,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
