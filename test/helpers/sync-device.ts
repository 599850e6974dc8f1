import { join } from 'node:path';
import { pino } from 'pino';
import { MqttLink } from '../../device/sync/connection.js';
import { Outbox, outboxTables } from '../../device/sync/outbox.js';
import { OutboxPublisher } from '../../device/sync/publisher.js';
import { Journal } from '../../device/store/index.js';

/**
 * A device's sync side as its own process, so a test can kill it with SIGKILL: the real outbox, link and
 * publisher on a journal, fed with numbered scorecard records at a steady rate. After a restart it
 * carries on from the last record its outbox holds. Prints `added <n>` as records become durable and `drained` when all
 * were acknowledged.
 */
const [url, deviceId, password, dataDir, totalText, rateText] = process.argv.slice(2);
const total = Number(totalText);
const perSecond = Number(rateText);
const log = pino({ level: 'warn' }, process.stderr);
const journal = await Journal.open<Record<never, never>>(join(dataDir!, 'journal.db'), { owners: [outboxTables], announce: () => undefined });
const outbox = new Outbox(journal);
const link = new MqttLink({ url: url!, username: deviceId, password, clientId: `branchline-${deviceId}`, protocolVersion: 5, reconnectPeriodMs: 200, reconnectMaxMs: 1000 }, log);
const publisher = new OutboxPublisher(outbox, link.client, { deviceId: deviceId! }, log);
let next = outbox.lastSeq('scorecard') + 1;
const tick = 20;
const timer = setInterval(() => {
  const upto = Math.min(total, next + Math.ceil((perSecond * tick) / 1000) - 1);
  const adds: Promise<unknown>[] = [];
  for (; next <= upto; next++) adds.push(outbox.record('scorecard', { scorecardId: `sc-${next}`, sessionId: `s-${next}`, agentId: null, total: next % 101, formVersion: 1 }));
  const last = upto;
  void Promise.all(adds).then(() => process.stdout.write(`added ${last}\n`));
  if (next > total) clearInterval(timer);
}, tick);
const drained = setInterval(() => {
  if (next > total && outbox.backlog === 0) {
    process.stdout.write('drained\n');
    clearInterval(drained);
  }
}, 100);
process.once('SIGTERM', () => {
  publisher.stop();
  void link.close().then(() => journal.close()).then(() => process.exit(0));
});
