import type { Database } from 'better-sqlite3';
import type { Store } from '../store/index.js';

/**
 * A renamed or merged intent label (its id listed in a label's `formerIds`) takes its knowledge along:
 * the intent node of the graph with the articles linked to it, and the exposures and tickets recorded
 * under the old id.
 */
export async function relabelIntentNodes(store: Store, renames: ReadonlyMap<string, string>): Promise<number> {
  const touched = store.read((d) => d.kbNodes.some((n) => n.type === 'intent' && renames.has(n.key)));
  if (!touched) return 0;
  return store.update((d) => {
    let moved = 0;
    for (const node of d.kbNodes.filter((n) => n.type === 'intent' && renames.has(n.key))) {
      const id = renames.get(node.key)!;
      const target = d.kbNodes.find((n) => n.type === 'intent' && n.key === id);
      moved += 1;
      if (!target) {
        node.key = id;
        continue;
      }
      // Merged into a label that already has a node: its links join that node's, without doubles.
      const linkKey = (l: { from: string; to: string; type: string }) => `${l.from}\u0000${l.to}\u0000${l.type}`;
      const existing = new Set(d.kbLinks.map(linkKey));
      d.kbLinks = d.kbLinks.flatMap((l) => {
        if (l.from !== node.id && l.to !== node.id) return [l];
        const moved = { ...l, from: l.from === node.id ? target.id : l.from, to: l.to === node.id ? target.id : l.to };
        if (existing.has(linkKey(moved))) return [];
        existing.add(linkKey(moved));
        return [moved];
      });
      d.kbNodes = d.kbNodes.filter((n) => n.id !== node.id);
    }
    return moved;
  });
}

/** Moves the exposures and tickets of `formerId` to `id`; call inside a journal write. Returns the rows changed. */
export function relabelKnowledgeJournals(db: Database, formerId: string, id: string): number {
  let changed = 0;
  for (const table of ['knowledge_exposures', 'knowledge_tickets']) changed += db.prepare(`UPDATE ${table} SET intent = ? WHERE intent = ?`).run(id, formerId).changes;
  return changed;
}
