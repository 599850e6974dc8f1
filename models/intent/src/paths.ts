import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const INTENT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const INTENT_TAXONOMY_DIR = path.join(INTENT_DIR, 'taxonomy');
export const INTENT_ARTIFACT_DIR = path.join(INTENT_DIR, 'artifact');
const SOURCE_DIR = path.join(INTENT_DIR, 'src');

/** Hash of everything a trained model depends on: the taxonomy and the classifier code. */
export async function intentSourceHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const dir of [INTENT_TAXONOMY_DIR, SOURCE_DIR]) {
    for (const file of (await readdir(dir)).sort()) {
      hash.update(file);
      hash.update(await readFile(path.join(dir, file)));
    }
  }
  return hash.digest('hex');
}
