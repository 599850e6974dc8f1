import { CATALOGUES, type Language } from './i18n';

type ErrorParams = Record<string, string | number>;

let reader: () => Language = () => 'en';

/** The language the appliance's errors are shown in: the staff's, or the kiosk customer's. */
export function showErrorsIn(language: () => Language): void {
  reader = language;
}

/** The message of an error the appliance named by `code`, in the reader's language; else the appliance's own words. */
export function errorMessage(code: string | undefined, params: ErrorParams | undefined, fallback: string): string {
  const texts = CATALOGUES[reader()].errors as Record<string, string | ((p: ErrorParams) => string)>;
  const entry = code && Object.hasOwn(texts, code) ? texts[code] : undefined;
  if (typeof entry === 'function') return entry(params ?? {});
  return entry ?? fallback;
}
