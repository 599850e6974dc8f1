import type { KnowledgeBundle } from './bundle.js';

type Texts = { 'zh-Hant': string; 'zh-Hans': string; en: string };

/**
 * The bot's standard answer of each bot-tier intent as an article solving that intent, so the bot answers
 * from the knowledge graph like everything else and its answers earn success statistics too.
 */
export function answersBundle(labels: readonly { id: string; names: Texts; answer?: Texts | undefined }[]): KnowledgeBundle {
  return {
    version: 'intent-answers',
    articles: labels
      .filter((label) => label.answer)
      .map((label) => ({
        key: `art-answer-${label.id.replace(/[._]/g, '-')}`,
        intents: [label.id],
        title: label.names,
        body: label.answer!,
        keywords: { 'zh-Hant': [label.names['zh-Hant']], 'zh-Hans': [label.names['zh-Hans']], en: [label.names.en] },
        validFrom: '2026-01-01T00:00:00.000Z',
      })),
  };
}
