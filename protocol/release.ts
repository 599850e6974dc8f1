import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { manifestSchema, type ReleaseKind, type ReleaseManifest } from './messages.js';

export class ReleaseError extends Error {
  override name = 'ReleaseError';
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(root, full)));
    else if (entry.isFile()) out.push(path.relative(root, full).split(path.sep).join('/'));
  }
  return out.sort();
}

/** Describes every file of a folder (size and sha256) as an unsigned release manifest. */
export async function buildManifest(folder: string, kind: ReleaseKind, version: string, probe: ReleaseManifest['probe']): Promise<ReleaseManifest> {
  const paths = await listFiles(folder);
  if (paths.length === 0) throw new ReleaseError(`${folder} holds no files`);
  const files = [];
  for (const rel of paths) {
    const full = path.join(folder, rel);
    files.push({ path: rel, size: (await stat(full)).size, sha256: await sha256File(full) });
  }
  const parsed = manifestSchema.safeParse({ format: 1, id: randomUUID(), kind, version, createdAt: new Date().toISOString(), files, probe });
  if (!parsed.success) throw new ReleaseError(`cannot describe ${folder}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** The fleet's ed25519 key pair, as PEM text. */
export function generateFleetKeys(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

function key(pem: string, kind: 'private' | 'public'): KeyObject {
  try {
    const k = kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
    if (k.asymmetricKeyType !== 'ed25519') throw new Error(`an ${k.asymmetricKeyType} key, not ed25519`);
    return k;
  } catch (err) {
    throw new ReleaseError(`the fleet ${kind} key is not usable: ${(err as Error).message}`);
  }
}

/** Signs the exact manifest text: the device verifies these bytes before it parses anything in them. */
export function signManifest(manifestText: string, privateKeyPem: string): string {
  return sign(null, Buffer.from(manifestText, 'utf8'), key(privateKeyPem, 'private')).toString('base64');
}

/** Checks the signature, then the shape; throws ReleaseError saying which failed. */
export function verifyManifest(manifestText: string, signature: string, publicKeyPem: string): ReleaseManifest {
  let ok = false;
  try {
    ok = verify(null, Buffer.from(manifestText, 'utf8'), key(publicKeyPem, 'public'), Buffer.from(signature, 'base64'));
  } catch (err) {
    if (err instanceof ReleaseError) throw err;
  }
  if (!ok) throw new ReleaseError('the manifest signature does not verify with the fleet key');
  let raw: unknown;
  try {
    raw = JSON.parse(manifestText);
  } catch {
    throw new ReleaseError('the signed manifest is not JSON');
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new ReleaseError(`the signed manifest is malformed: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Checks a file's size and digest against its manifest entry; the message says whether it is short, long or altered. */
export async function checkContent(entry: ReleaseManifest['files'][number], size: number, digest: () => Promise<string>): Promise<void> {
  if (size < entry.size) throw new ReleaseError(`${entry.path} is truncated: ${size} of ${entry.size} bytes`);
  if (size > entry.size) throw new ReleaseError(`${entry.path} is ${size} bytes, the manifest says ${entry.size}`);
  if ((await digest()) !== entry.sha256) throw new ReleaseError(`${entry.path} does not match its sha256 (tampered or corrupted)`);
}

/** Checks one downloaded file against its manifest entry. */
export async function checkFile(file: string, entry: ReleaseManifest['files'][number]): Promise<void> {
  await checkContent(entry, (await stat(file)).size, () => sha256File(file));
}
