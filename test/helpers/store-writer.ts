// Child process for the crash test: writes to the store as fast as it can from several concurrent
// loops and prints "ack <id>" only after each write's update() has resolved.
import { Store } from '../../device/store/index.js';

const [file, prefix] = process.argv.slice(2);
if (!file || !prefix) throw new Error('usage: store-writer <file> <id prefix>');
const store = await Store.open(file);
process.stdout.write('ready\n');

async function loop(lane: number): Promise<never> {
  for (let seq = 0; ; seq++) {
    const id = `${prefix}-${lane}-${seq}`;
    await store.update((d) => {
      d.customers.push({ id, name: `write ${seq} `.repeat(8), tier: 'standard', cardHash: null, cardLast4: null, phoneHash: null, phoneLast4: null, createdAt: new Date().toISOString() });
    });
    process.stdout.write(`ack ${id}\n`);
  }
}

await Promise.all([0, 1, 2, 3].map(loop));
