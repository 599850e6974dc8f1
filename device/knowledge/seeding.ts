import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { answersBundle } from './answers.js';
import { importBundle, readSeedBundle } from './bundle.js';
import type { Knowledge } from './knowledge.js';

const SEED_DIR = new URL('./seed', import.meta.url);

/**
 * On the first start (no articles yet): the demo knowledge base and the bot's answer for every
 * bot-tier intent of the installed model.
 */
export async function seedKnowledge(knowledge: Knowledge, intents: Parameters<typeof answersBundle>[0], log: Logger): Promise<void> {
  if (knowledge.indexes.articleCount > 0) return;
  const seeded = await importBundle(knowledge, await readSeedBundle(fileURLToPath(SEED_DIR)), 'seed');
  const answers = await importBundle(knowledge, answersBundle(intents), 'seed');
  log.info({ articles: seeded.added + answers.added }, 'demo knowledge base seeded');
}
