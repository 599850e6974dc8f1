/** A text as a regular expression that matches it literally: catalogue texts hold `.`, `?` and `(`. */
export const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
