import { ApiError } from '$lib/api';
import { errorMessage } from '$lib/errors';
import type { Catalogue } from '$lib/i18n';

/** What the kiosk says went wrong, by the catalogue key of its own words. */
export type NoticeKey = 'notRegistered' | 'sendFailed' | 'identifyFailed' | 'tokenRejected';

/**
 * A message kept as keys, not text, so that a language chosen after it came up shows it in that
 * language: the kiosk's words for what failed, and the appliance's code for why, when it named one.
 */
export interface Notice {
  key: NoticeKey;
  code?: string;
}

export function noticeOf(key: NoticeKey, err?: unknown): Notice {
  return err instanceof ApiError && err.code ? { key, code: err.code } : { key };
}

/**
 * The notice in the language of `texts` (the page has the appliance's errors shown in the same one): the
 * catalogue's message for the appliance's code if it has one, else the kiosk's own words. The appliance's
 * English message never reaches the customer, nor its parameters (a disk error's reason is for staff).
 */
export function noticeText(notice: Notice, texts: Catalogue['kiosk']): string {
  return errorMessage(notice.code, undefined, texts[notice.key]);
}
