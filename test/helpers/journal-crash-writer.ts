import { pino } from 'pino';
import { feedOutbox } from '../../device/sync/feed.js';
import { Outbox, outboxTables } from '../../device/sync/outbox.js';
import type { BusEvents } from '../../device/bus.js';
import { Journal, type Tx } from '../../device/store/index.js';
import { factsTables } from '../fixtures/outbox-facts/owner.js';

/**
 * Four writers recording facts through the journal as the domains do (a row, and the fact announced
 * with tx.emit, which the real feed turns into an outbox record), until the test kills the process.
 * Prints `ack <id>` for each fact only once its write has resolved. Every fifth write is refused after
 * it announced its fact, and every seventh records two facts.
 */
const [file, round] = process.argv.slice(2);
const journal = await Journal.open<BusEvents>(file!, { owners: [outboxTables, factsTables], announce: () => undefined });
feedOutbox(journal, new Outbox(journal), { emotionSummary: () => null }, { corrections: true }, pino({ level: 'warn' }, process.stderr));
const insert = journal.db.prepare('INSERT INTO facts_recorded (id, stream, writer, at) VALUES (?, ?, ?, ?)');

function recordFact(tx: Tx<BusEvents>, id: string, writer: number, n: number): void {
  const at = new Date().toISOString();
  // Three kinds of fact, so writers share streams and contend for their sequence numbers.
  if (n % 3 === 0) {
    insert.run(id, 'scorecard', writer, at);
    tx.emit('qa.scorecard', { scorecardId: id, sessionId: id, agentId: null, total: n % 101, formVersion: 1, at });
  } else if (n % 3 === 1) {
    insert.run(id, 'session', writer, at);
    tx.emit('routing.decided', { sessionId: id, kioskId: `k${writer}`, customerId: null, text: 'a question', lang: 'en', kind: 'bot', label: null, confidence: null, rules: [], answered: true, at });
  } else {
    insert.run(id, 'ticket', writer, at);
    tx.emit('knowledge.ticket.opened', { ticketId: id, number: n + 1, intent: null, dueAt: at, at });
  }
}

async function writer(w: number): Promise<never> {
  for (let n = 0; ; n++) {
    const id = `${round}-${w}-${n}`;
    if (n % 5 === 4) {
      await journal
        .write((tx) => {
          recordFact(tx, `doomed-${id}`, w, n);
          throw new Error('refused');
        })
        .catch(() => undefined);
      continue;
    }
    const ids = n % 7 === 6 ? [id, `${id}-b`] : [id];
    await journal.write((tx) => ids.forEach((one, i) => recordFact(tx, one, w, n + i)));
    for (const one of ids) process.stdout.write(`ack ${one}\n`);
  }
}

await Promise.all([0, 1, 2, 3].map(writer));
