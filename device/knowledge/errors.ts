/** A request the caller got wrong: unknown ids, a reference to nothing, a state that does not allow it. */
export class KnowledgeError extends Error {
  constructor(
    message: string,
    readonly statusCode: 400 | 404 | 409 = 400,
  ) {
    super(message);
  }
}
