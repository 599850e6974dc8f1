import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { normalizeText } from '../../models/intent/src/features.js';

const lexiconSchema = z.object({
  complaint: z.object({ zh: z.array(z.string()), en: z.array(z.string()) }),
  negative: z.object({ zh: z.array(z.string()), en: z.array(z.string()) }),
});

export interface EscalationSignal {
  complaint: string[];
  negative: string[];
  /** An explicit complaint, or strongly negative wording (two negative terms or more). */
  raise: boolean;
}

const escape = (term: string) => term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Complaint and strongly negative wording in a customer's question. Chinese terms match as substrings
 * of the Simplified form (so one entry covers both scripts), English ones as whole words.
 */
export class EscalationLexicon {
  private readonly matchers: { kind: 'complaint' | 'negative'; term: string; test: (text: string) => boolean }[];

  constructor(file: string) {
    const lexicon = lexiconSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    this.matchers = (['complaint', 'negative'] as const).flatMap((kind) => [
      ...lexicon[kind].zh.map((term) => {
        const normalized = normalizeText(term);
        return { kind, term, test: (text: string) => text.includes(normalized) };
      }),
      ...lexicon[kind].en.map((term) => {
        const pattern = new RegExp(`\\b${escape(term.toLowerCase())}\\b`);
        return { kind, term, test: (text: string) => pattern.test(text) };
      }),
    ]);
  }

  scan(text: string): EscalationSignal {
    const normalized = normalizeText(text);
    const hits = this.matchers.filter((m) => m.test(normalized));
    const complaint = hits.filter((h) => h.kind === 'complaint').map((h) => h.term);
    const negative = hits.filter((h) => h.kind === 'negative').map((h) => h.term);
    return { complaint, negative, raise: complaint.length > 0 || negative.length >= 2 };
  }
}
