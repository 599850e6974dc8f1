import type { Logger } from 'pino';
import type { FactJournal } from './bus.js';
import { relabelKnowledgeJournals, type Knowledge } from './knowledge/index.js';
import { RoutingRelabel } from './routing/index.js';

/**
 * Brings the stored data to the label ids of the model in service: a label renamed or merged in the
 * taxonomy lists its old ids as `formerIds`, and everything recorded under them (sessions, knowledge
 * links, exposures, tickets, labelled examples) moves to the new id. The graph moves first: it is
 * idempotent, so a crash before the journal's write just repeats it at the next start.
 */
export async function applyLabelRenames(journal: FactJournal, knowledge: Knowledge, renames: ReadonlyMap<string, string>, log: Logger): Promise<void> {
  const routing = new RoutingRelabel(journal.db);
  const pending = routing.pending(renames);
  if (pending.size === 0) return;
  const nodes = await knowledge.relabelIntents(pending);
  const at = new Date().toISOString();
  const moved = await journal.write(() => {
    let sessions = 0;
    let knowledge = 0;
    for (const [former, id] of pending) {
      sessions += routing.apply(former, id, at);
      knowledge += relabelKnowledgeJournals(journal.db, former, id);
    }
    return { sessions, knowledge };
  });
  log.info({ renames: Object.fromEntries(pending), intentNodes: nodes, ...moved }, 'stored data moved to renamed intent labels');
}
