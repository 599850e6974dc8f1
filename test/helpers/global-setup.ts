/**
 * Trains the fleet tests' small intent model before any test file starts. On a fresh machine it takes a
 * minute and a half of both cores, longer under load: inside a test file's hook it ran past the hook's
 * timeout, and while it trains every other file's timing is disturbed. Later runs find it in the cache.
 */
import { smallIntentModel } from './intent-model.js';

export default async function setup(): Promise<void> {
  await smallIntentModel();
}
