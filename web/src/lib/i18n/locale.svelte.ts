import { browser } from '$app/environment';
import { showErrorsIn } from '../errors';
import { CATALOGUES, isLanguage, type Catalogue, type Language } from './index.js';

const KEY = 'branchline-staff-language';

/** The language of the staff screens: the signed-in user's own, unless they switched on this device. */
class StaffLocale {
  #lang = $state<Language>('en');

  get lang(): Language {
    return this.#lang;
  }

  /** Screen readers and the browser's fonts read the page's language from <html lang>. */
  private set lang(next: Language) {
    this.#lang = next;
    if (browser) document.documentElement.lang = next;
  }

  get texts(): Catalogue {
    return CATALOGUES[this.lang];
  }

  /** Before anyone signs in: the last choice on this device, else the browser's language. */
  guess(): void {
    if (!browser) return;
    const saved = localStorage.getItem(KEY);
    if (isLanguage(saved)) this.lang = saved;
    else this.lang = fromBrowser(navigator.language);
  }

  /** A user signed in: their language, unless they chose another on this device. */
  follow(user: { username: string; language: string }): void {
    const saved = browser ? localStorage.getItem(`${KEY}:${user.username}`) : null;
    if (isLanguage(saved)) this.lang = saved;
    else if (isLanguage(user.language)) this.lang = user.language;
  }

  choose(lang: Language, user: { username: string } | null): void {
    this.lang = lang;
    if (!browser) return;
    localStorage.setItem(KEY, lang);
    if (user) localStorage.setItem(`${KEY}:${user.username}`, lang);
  }
}

function fromBrowser(tag: string): Language {
  const t = tag.toLowerCase();
  if (!t.startsWith('zh')) return 'en';
  return /hans|cn|sg/.test(t) ? 'zh-Hans' : 'zh-Hant';
}

export const staffLocale = new StaffLocale();
showErrorsIn(() => staffLocale.lang);
