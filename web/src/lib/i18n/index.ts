import { en, type Catalogue } from './en.js';
import { zhHans } from './zh-Hans.js';
import { zhHant } from './zh-Hant.js';

export type { Catalogue };

/** The languages of every screen: kiosk, agent console and admin. */
export const LANGUAGES = ['zh-Hant', 'zh-Hans', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

export const LANGUAGE_NAMES: Record<Language, string> = {
  'zh-Hant': '繁體中文',
  'zh-Hans': '简体中文',
  en: 'English',
};

export const CATALOGUES: Record<Language, Catalogue> = { 'zh-Hant': zhHant, 'zh-Hans': zhHans, en };

export function isLanguage(value: string | null | undefined): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The texts of the kiosk's end-of-visit survey (web/src/lib/kiosk/Survey.svelte). */
export type SurveyTexts = Catalogue['kiosk']['survey'];
