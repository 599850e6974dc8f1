import type { Kpis } from '../../../protocol/kpi.js';
import type { KpiReport, Wallboard } from '../../../protocol/api/index.js';
import { CATALOGUES, type Language } from './i18n/index.js';
import { clock, DASH } from './format';

/** Service KPIs as GET /api/metrics/kpis returns them: the shared definitions' figures (rates 0..1, NPS -100..100, null when nothing to measure). */
export type { Kpis, KpiReport, Wallboard };

export type KpiBreakdown = 'kiosk' | 'skill' | 'agent';

export type MetricKey = 'sessions' | 'responseRate30s' | 'averageHandleSeconds' | 'firstContactResolution' | 'serviceErrorRate' | 'csat' | 'nps' | 'repeatInquiryRate' | 'abandonmentRate';

export interface Metric {
  key: MetricKey;
  label: string;
  /** Short, for table headers. */
  short: string;
  definition: string;
  format: (value: number | null) => string;
  /** The range a bar chart of it spans; max null: up to the largest value. */
  min: number;
  max: number | null;
}

type Shown = Omit<Metric, 'label' | 'short' | 'definition' | 'format'> & { kind: 'count' | 'rate' | 'clock' | 'score' };

/** The KPIs a supervisor reads, in order, with the definitions the appliance computes them by (device/metrics/kpis.ts). */
const SHOWN: Shown[] = [
  { key: 'sessions', kind: 'count', min: 0, max: null },
  { key: 'responseRate30s', kind: 'rate', min: 0, max: 1 },
  { key: 'averageHandleSeconds', kind: 'clock', min: 0, max: null },
  { key: 'firstContactResolution', kind: 'rate', min: 0, max: 1 },
  { key: 'serviceErrorRate', kind: 'rate', min: 0, max: 1 },
  { key: 'csat', kind: 'rate', min: 0, max: 1 },
  { key: 'nps', kind: 'score', min: -100, max: 100 },
  { key: 'repeatInquiryRate', kind: 'rate', min: 0, max: 1 },
  { key: 'abandonmentRate', kind: 'rate', min: 0, max: 1 },
];

/** A rate 0..1 as a percentage with at most one decimal, in the reader's language ("87.5%"); null as a dash. */
export function ratePercent(lang: Language): (value: number | null) => string {
  const nf = new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 });
  return (value) => (value === null ? DASH : nf.format(value));
}

function formatter(kind: Shown['kind'], lang: Language): (value: number | null) => string {
  switch (kind) {
    case 'count': {
      const nf = new Intl.NumberFormat(lang);
      return (value) => nf.format(value ?? 0);
    }
    case 'rate':
      return ratePercent(lang);
    case 'clock':
      // mm:ss reads the same in every language.
      return clock;
    case 'score': {
      // As a net promoter score is written: "+40", "0", "-15".
      const nf = new Intl.NumberFormat(lang, { maximumFractionDigits: 0, signDisplay: 'exceptZero' });
      return (value) => (value === null ? DASH : nf.format(value));
    }
  }
}

/** The KPIs a supervisor reads, with their names, definitions and number formats in `lang`. */
export function metrics(lang: Language): Metric[] {
  const texts = CATALOGUES[lang].admin.metrics;
  return SHOWN.map(({ kind, ...m }) => ({ ...m, ...texts[m.key], format: formatter(kind, lang) }));
}
