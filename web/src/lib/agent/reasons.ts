import type { Catalogue, CodedParams } from '$lib/i18n/en';

/** A server text a person reads: its words as stored, and where the server gave them, a code and parameters. */
export interface CodedText {
  code?: string | undefined;
  params?: CodedParams | undefined;
}

/**
 * The text in the reader's language when the server named it by a code this page knows; else the words
 * the server stored (records from earlier releases have no code).
 */
export function sayReason(texts: Catalogue, item: CodedText, stored: string): string {
  const say = item.code && Object.hasOwn(texts.reasons, item.code) ? texts.reasons[item.code] : undefined;
  return say ? say(item.params ?? {}) : stored;
}

/** A rule a routing decision applied (`skill-queue:cards` names its skill), in the reader's language. */
export function sayRule(texts: Catalogue, rule: string): string {
  const [name = rule, detail] = rule.split(':');
  const said = texts.reasonWords.rules[name] ?? name;
  return detail ? `${said}: ${detail}` : said;
}
