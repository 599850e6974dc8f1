import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));

/**
 * Which top-level folder may import which: the protocol imports neither side, the hub and the fleet CLI
 * nothing of the device. The device reaches the hub in one place only, to run an embedded hub when an
 * appliance has no fleet broker, and only through the hub's index.
 */
const RULES: { from: string; forbidden: string[]; except?: { file: string; target: string } }[] = [
  { from: 'protocol', forbidden: ['device', 'hub', 'web', 'models', 'scripts', 'test'] },
  { from: 'hub', forbidden: ['device', 'web', 'scripts', 'test'] },
  { from: 'device', forbidden: ['hub', 'web', 'scripts', 'test'], except: { file: 'device/cloud.ts', target: 'hub/index.ts' } },
];

export interface Violation {
  file: string;
  imports: string;
}

/** The violations of one file's text; `file` is relative to the repository root. */
export function violationsOf(file: string, text: string): Violation[] {
  const rule = RULES.find((r) => file.startsWith(`${r.from}/`));
  if (!rule) return [];
  const { importedFiles } = ts.preProcessFile(text, true, true);
  const out: Violation[] = [];
  for (const { fileName } of importedFiles) {
    if (!fileName.startsWith('.')) continue;
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), fileName)).replace(/\.js$/, '.ts');
    const top = target.split('/')[0]!;
    if (!rule.forbidden.includes(top)) continue;
    if (rule.except && rule.except.file === file && rule.except.target === target) continue;
    out.push({ file, imports: target });
  }
  return out;
}

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory() && entry.name !== 'node_modules') yield* sources(rel);
    else if (entry.isFile() && entry.name.endsWith('.ts')) yield rel;
  }
}

export function checkBoundaries(): Violation[] {
  return RULES.flatMap((r) => [...sources(r.from)].flatMap((file) => violationsOf(file, readFileSync(path.join(ROOT, file), 'utf8'))));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const violations = checkBoundaries();
  for (const v of violations) console.error(`${v.file} imports ${v.imports}`);
  process.exit(violations.length === 0 ? 0 : 1);
}
