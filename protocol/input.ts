import { z } from 'zod';

/** Input from outside (a request body, a query, a command line) that breaks its schema: the caller's mistake. */
export class InputError extends Error {
  override name = 'InputError';
}

/** Validates untrusted input; the error names each bad field so the caller can fix it. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const message = result.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
    throw new InputError(message);
  }
  return result.data;
}
