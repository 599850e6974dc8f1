import type { ApiErrorBody, User } from '../../../protocol/api/index.js';
import { errorMessage } from './errors';

/** A failed call to the appliance, with the message the appliance gave. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The appliance's name for the error, when it has one (`login_failed`, `store_unavailable`, ...). */
    readonly code?: string,
  ) {
    super(message);
  }
}

// The appliance's own shapes, from the contract both sides import.
export type { ApiErrorBody, Kiosk, SenseAlert as EmotionAlert, User } from '../../../protocol/api/index.js';

export async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return answer<T>(response);
}

/** Sends a whole file's text as the body, with its own content type (an import, not a JSON request). */
export async function upload<T>(path: string, text: string, contentType: string): Promise<T> {
  const response = await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': contentType }, body: text });
  return answer<T>(response);
}

async function answer<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const { message, code, params } = data as Partial<ApiErrorBody>;
    throw new ApiError(response.status, errorMessage(code, params, message ?? response.statusText), code);
  }
  return data as T;
}

export async function currentUser(): Promise<User | null> {
  try {
    return (await api<{ user: User }>('GET', '/api/auth/me')).user;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}
