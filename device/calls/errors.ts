/** A request the caller made wrongly (unknown call, wrong state); the message is shown to the client. */
export class CallError extends Error {
  override name = 'CallError';
}
