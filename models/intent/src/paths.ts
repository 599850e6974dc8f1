import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const INTENT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const INTENT_TAXONOMY_DIR = path.join(INTENT_DIR, 'taxonomy');
export const INTENT_ARTIFACT_DIR = path.join(INTENT_DIR, 'artifact');
export const INTENT_HELDOUT_DIR = path.join(INTENT_DIR, 'heldout');
export const PUBLIC_DATA_MAP = path.join(INTENT_DIR, 'public-data-map.json');
const SOURCE_DIR = path.join(INTENT_DIR, 'src');

/**
 * Where BANKING77 and CLINC150 lie, when they are on the machine: BRANCHLINE_PUBLIC_INTENT_DATA, else the
 * workspace's shared data folder next to the repository. Null when they are not there.
 */
export function publicDataDir(): string | null {
  const dir = process.env.BRANCHLINE_PUBLIC_INTENT_DATA || path.resolve(INTENT_DIR, '..', '..', '..', 'shared', 'data');
  return existsSync(path.join(dir, 'banking77', 'train.csv')) && existsSync(path.join(dir, 'clinc150', 'train_val.json')) ? dir : null;
}

/** The public data files a model is trained from, when there are any. */
export function publicDataFiles(dir: string | null): string[] {
  return dir ? [PUBLIC_DATA_MAP, path.join(dir, 'banking77', 'train.csv'), path.join(dir, 'clinc150', 'train_val.json')] : [];
}

/** Hash of everything a trained model depends on: the taxonomy, the classifier code and the public data it was given. */
export async function intentSourceHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const dir of [INTENT_TAXONOMY_DIR, SOURCE_DIR]) {
    for (const file of (await readdir(dir)).sort()) {
      hash.update(file);
      hash.update(await readFile(path.join(dir, file)));
    }
  }
  for (const file of publicDataFiles(publicDataDir())) {
    hash.update(path.basename(file));
    hash.update(await readFile(file));
  }
  return hash.digest('hex');
}
