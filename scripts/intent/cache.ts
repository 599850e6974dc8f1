/**
 * Trained intent models cached by the hash of everything that decides their weights, in
 * ~/.cache/branchline (or $XDG_CACHE_HOME/branchline, where set-up keeps the mediasoup worker too): a
 * fresh clone with an unchanged taxonomy copies the model instead of training it for minutes, and the
 * tests reuse their held-out model across files and runs.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { publicDataDir, publicDataFiles } from '../../models/intent/src/paths.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function branchlineCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'branchline');
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

/** Packages the features are computed with: a new OpenCC dictionary or stemmer changes the vocabulary. */
const FEATURE_PACKAGES = ['opencc-js', 'stemmer'];

/**
 * Hash of the inputs of a training run: the taxonomy, the classifier code, the training code in this
 * folder, the `extra` files (the script that calls it, a test's split), the feature packages' versions
 * and the ICU and V8 versions (segmentation and floating-point maths come from them). The escalation
 * lexicon is left out: routing reads it at run time, training never does.
 */
export async function trainingInputsHash(namespace: string, extra: readonly string[]): Promise<string> {
  const hash = createHash('sha256').update(`${namespace}\0`);
  const files = [
    ...(await filesUnder(path.join(REPO_ROOT, 'models', 'intent', 'taxonomy'))),
    ...(await filesUnder(path.join(REPO_ROOT, 'models', 'intent', 'src'))),
    ...publicDataFiles(publicDataDir()),
    ...extra,
  ];
  for (const file of files) {
    hash.update(`${path.relative(REPO_ROOT, file)}\0`);
    hash.update(await readFile(file));
  }
  for (const name of FEATURE_PACKAGES) {
    const { version } = JSON.parse(await readFile(path.join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
    hash.update(`${name}@${version}\0`);
  }
  hash.update(`icu ${process.versions.icu} v8 ${process.versions.v8}`);
  return hash.digest('hex').slice(0, 24);
}

/**
 * Fills `dir` by `produce` unless it exists. `produce` writes into a private temporary folder that is then
 * renamed into place, so a reader sees a whole entry or none, and two runs filling it at once both end
 * with one complete entry.
 */
export async function fillCacheEntry(dir: string, produce: (tmp: string) => Promise<void>): Promise<void> {
  await mkdir(path.dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    await produce(tmp);
    await rename(tmp, dir);
    await pruneSiblings(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Another run stored the same entry first: it holds the same model, so keep that one.
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Entries kept per kind: an artifact is ~170 MB, and only the last few taxonomies are ever asked for again. */
const KEEP_ENTRIES = 3;

/** Removes all but the KEEP_ENTRIES newest entries beside `dir` (never `dir`, nor another run's temporary folder). */
async function pruneSiblings(dir: string): Promise<void> {
  const parent = path.dirname(dir);
  const entries = await Promise.all(
    (await readdir(parent)).filter((name) => !name.includes('.tmp-')).map(async (name) => ({ name, at: (await stat(path.join(parent, name))).mtimeMs })),
  );
  entries.sort((a, b) => b.at - a.at);
  for (const { name } of entries.slice(KEEP_ENTRIES)) {
    if (path.join(parent, name) !== dir) await rm(path.join(parent, name), { recursive: true, force: true });
  }
}

/** Replaces the model in `to` by the one in `from`, each file under a temporary name first. */
export async function copyArtifact(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  // model.json last: it names the hash `--if-stale` trusts, so it must not arrive before its weights.
  for (const name of ['weights.bin', 'model.json']) {
    await copyFile(path.join(from, name), path.join(to, `${name}.tmp`));
    await rename(path.join(to, `${name}.tmp`), path.join(to, name));
  }
}
