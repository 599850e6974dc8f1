import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CATALOGUES, LANGUAGES } from '../../web/src/lib/i18n/index.js';
import { ROOT } from '../helpers/process.js';

const SOURCE = join(ROOT, 'web', 'src', 'lib', 'i18n');
const work = mkdtempSync(join(tmpdir(), 'branchline-i18n-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Type-checks a copy of the catalogues after `change`, as `npm run typecheck` checks the real ones. */
function typecheck(name: string, change: (files: Record<string, string>) => void): { ok: boolean; output: string } {
  const dir = join(work, name);
  // The catalogues and their types; the Svelte-side locale state needs SvelteKit to compile.
  cpSync(SOURCE, dir, { recursive: true, filter: (file) => !file.endsWith('.svelte.ts') });
  const files = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  change(files);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', skipLibCheck: true }, include: ['*.ts'] }));
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

/** Every key path of a catalogue, functions and lists as leaves. */
function keys(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

describe('message catalogues (one file per locale, one key set)', () => {
  it('have the same keys in every language', () => {
    const english = keys(CATALOGUES.en).sort();
    for (const lang of LANGUAGES) expect(keys(CATALOGUES[lang]).sort(), lang).toEqual(english);
  });

  it('type-check as they are', () => {
    const result = typecheck('as-is', () => undefined);
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  }, 60_000);

  it('fail the type check on a missing key and on an extra key', () => {
    const missing = typecheck('missing', (files) => {
      files['zh-Hans.ts'] = files['zh-Hans.ts']!.replace(/\n\s+finishWrapUp: '[^']*',/, '');
    });
    expect(missing.ok).toBe(false);
    expect(missing.output).toMatch(/zh-Hans\.ts.*finishWrapUp/s);
    const extra = typecheck('extra', (files) => {
      files['zh-Hant.ts'] = files['zh-Hant.ts']!.replace('  agent: {\n', "  agent: {\n    notInEnglish: '多出來的',\n");
    });
    expect(extra.ok).toBe(false);
    expect(extra.output).toMatch(/zh-Hant\.ts.*notInEnglish/s);
  }, 60_000);
});
