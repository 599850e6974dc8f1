import type { Language } from '$lib/i18n';

/** A wait as minutes and seconds in the reader's language ("1 min 5 s", "1 分 5 秒"). */
export function waited(seconds: number, lang: Language): string {
  const unit = (value: number, u: 'minute' | 'second') => new Intl.NumberFormat(lang, { style: 'unit', unit: u, unitDisplay: 'short' }).format(value);
  return seconds < 60 ? unit(seconds, 'second') : `${unit(Math.floor(seconds / 60), 'minute')} ${unit(seconds % 60, 'second')}`;
}

export const percentOf = (x: number, lang: Language) => new Intl.NumberFormat(lang, { style: 'percent' }).format(x);
