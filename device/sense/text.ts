import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { normalizeText, words } from '../../models/intent/src/features.js';

export const TRIGGERS = ['complaint', 'cancel', 'regulator', 'lawyer', 'media', 'manager'] as const;
export type Trigger = (typeof TRIGGERS)[number];

const byScript = <T extends z.ZodType>(item: T) => z.object({ zh: item, en: item });
const localized = z.object({ 'zh-Hant': z.string(), 'zh-Hans': z.string(), en: z.string() });
const lexiconSchema = z.object({
  words: byScript(z.record(z.string(), z.number())),
  negations: byScript(z.array(z.string())),
  intensifiers: byScript(z.record(z.string(), z.number())),
  triggers: z.record(z.enum(TRIGGERS), byScript(z.array(z.string()))),
  suggestions: z.record(z.string(), localized),
});
export type SuggestionTexts = z.infer<typeof localized>;

export interface TextHit {
  term: string;
  weight: number;
  negated: boolean;
}

export interface TextSignal {
  /** -1 (very negative) to 1 (very positive), VADER-style normalisation of the summed weights. */
  sentiment: number;
  /** 0 to 1: how heated the wording is (strong words, exclamation marks). */
  arousal: number;
  hits: TextHit[];
  triggers: Trigger[];
}

const CJK = /\p{Script=Han}/u;
const NEGATED = -0.5;
/** The normalisation constant of VADER (Hutto and Gilbert 2014): 15 makes one strong word about ±0.6. */
const ALPHA = 15;
const ZH_WINDOW = 4;
const EN_WINDOW = 3;

interface Match {
  term: string;
  start: number;
  end: number;
}

/**
 * Scores customer text against a weighted lexicon in zh (both scripts, via the Simplified form) and en,
 * with negation (「不失望」, "not disappointed" are not negative) and intensifiers, and finds explicit
 * triggers (complaint, cancel, regulator, lawyer, media exposure, asking for a manager).
 */
export class TextSentiment {
  private readonly lexicon: z.infer<typeof lexiconSchema>;
  private readonly zhWords: [string, number][];
  private readonly zhNegations: string[];
  private readonly zhIntensifiers: [string, number][];

  constructor(file: string) {
    this.lexicon = lexiconSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    const simplified = <T>(entries: [string, T][]) => entries.map(([k, v]) => [normalizeText(k), v] as [string, T]);
    this.zhWords = simplified(Object.entries(this.lexicon.words.zh)).sort((a, b) => b[0].length - a[0].length);
    this.zhNegations = this.lexicon.negations.zh.map(normalizeText).sort((a, b) => b.length - a.length);
    this.zhIntensifiers = simplified(Object.entries(this.lexicon.intensifiers.zh)).sort((a, b) => b[0].length - a[0].length);
  }

  suggestion(key: string): SuggestionTexts | null {
    return this.lexicon.suggestions[key] ?? null;
  }

  analyse(text: string): TextSignal {
    const normalized = normalizeText(text.slice(0, 2000));
    const hits = [...this.chineseHits(normalized), ...this.englishHits(normalized)];
    const triggers = TRIGGERS.filter((trigger) => this.triggered(trigger, normalized));
    const exclamations = Math.min((text.match(/[!！]/g) ?? []).length, 3);
    let sum = hits.reduce((total, h) => total + h.weight, 0);
    if (sum !== 0) sum += Math.sign(sum) * 0.3 * exclamations;
    const strength = hits.reduce((total, h) => total + (h.weight < 0 ? -h.weight : 0), 0);
    return {
      sentiment: sum / Math.sqrt(sum * sum + ALPHA),
      arousal: Math.min(1, strength / 6 + 0.15 * exclamations + (triggers.length > 0 ? 0.3 : 0)),
      hits,
      triggers,
    };
  }

  /** Longest entries first, no overlaps: 「很失望」 is one hit, not 「很失望」 and 「失望」. */
  private chineseMatches(text: string, entries: readonly string[]): Match[] {
    const taken = new Array<boolean>(text.length).fill(false);
    const matches: Match[] = [];
    for (const term of entries) {
      for (let start = text.indexOf(term); start >= 0; start = text.indexOf(term, start + 1)) {
        const end = start + term.length;
        if (taken.slice(start, end).some(Boolean)) continue;
        taken.fill(true, start, end);
        matches.push({ term, start, end });
      }
    }
    return matches;
  }

  /** The few characters before a Chinese word: an intensifier right before it, and a negation before that. */
  private chineseContext(text: string, start: number): { negated: boolean; boost: number } {
    let window = text.slice(Math.max(0, start - ZH_WINDOW), start);
    let boost = 1;
    const intensifier = this.zhIntensifiers.find(([word]) => window.endsWith(word));
    if (intensifier) {
      boost = intensifier[1];
      window = window.slice(0, -intensifier[0].length);
    }
    // 「不是要投訴」: the negation need not touch the word, so any in the few characters before counts.
    const negated = this.zhNegations.some((n) => window.includes(n));
    return { negated, boost };
  }

  private chineseHits(text: string): TextHit[] {
    if (!CJK.test(text)) return [];
    const entries = this.zhWords.map(([w]) => w);
    const weights = new Map(this.zhWords);
    return this.chineseMatches(text, entries).map(({ term, start }) => {
      const { negated, boost } = this.chineseContext(text, start);
      return { term, negated, weight: weights.get(term)! * boost * (negated ? NEGATED : 1) };
    });
  }

  /** Phrases of the English lexicon matched on word boundaries, with negation and intensifiers in the words before. */
  private englishHits(text: string): TextHit[] {
    const tokens = words(text).filter((t) => !CJK.test(t));
    const hits: TextHit[] = [];
    const entries = Object.entries(this.lexicon.words.en).map(([term, weight]) => ({ parts: term.split(' '), term, weight }));
    const taken = new Array<boolean>(tokens.length).fill(false);
    for (const entry of entries.sort((a, b) => b.parts.length - a.parts.length)) {
      for (let i = 0; i + entry.parts.length <= tokens.length; i++) {
        if (!entry.parts.every((p, k) => tokens[i + k] === p) || taken.slice(i, i + entry.parts.length).some(Boolean)) continue;
        taken.fill(true, i, i + entry.parts.length);
        const { negated, boost } = this.englishContext(tokens, i);
        hits.push({ term: entry.term, negated, weight: entry.weight * boost * (negated ? NEGATED : 1) });
      }
    }
    return hits;
  }

  private englishContext(tokens: readonly string[], at: number): { negated: boolean; boost: number } {
    const boost = this.lexicon.intensifiers.en[tokens[at - 1] ?? ''] ?? 1;
    const before = tokens.slice(Math.max(0, at - EN_WINDOW - (boost === 1 ? 0 : 1)), at);
    return { negated: before.some((t) => this.lexicon.negations.en.includes(t)), boost };
  }

  private triggered(trigger: Trigger, text: string): boolean {
    const terms = this.lexicon.triggers[trigger];
    if (!terms) return false;
    const chinese = this.chineseMatches(text, terms.zh.map(normalizeText)).some(({ start }) => !this.chineseContext(text, start).negated);
    if (chinese) return true;
    const tokens = words(text).filter((t) => !CJK.test(t));
    return terms.en.some((term) => {
      const parts = term.split(' ');
      for (let i = 0; i + parts.length <= tokens.length; i++) {
        if (parts.every((p, k) => tokens[i + k] === p) && !this.englishContext(tokens, i).negated) return true;
      }
      return false;
    });
  }
}
