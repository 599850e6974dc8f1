import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'intent-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOPICS = {
  card_lost: ['I lost my card', 'my card is gone', 'cannot find my bank card', 'card went missing yesterday', 'where did my card go, lost it', 'lost card please block'],
  parcel: ['where is my parcel', 'track my package', 'parcel has not arrived', 'delivery status of my order', 'my package is late', 'has my parcel shipped'],
  hours: ['when do you open', 'opening hours today', 'are you open on sunday', 'what time do you close', 'closing time please', 'hours of the branch'],
};

function evalCli(args: string[]) {
  return run('node', ['--import', 'tsx', 'scripts/intent/eval.ts', ...args], { cwd: process.cwd() }).then(
    ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

describe('npm run intent:eval', () => {
  it('trains on a banking77 CSV (quoted newlines included) and prints the figures as the last JSON line', async () => {
    const rows = (pick: (texts: string[]) => string[]) =>
      ['text,category', ...Object.entries(TOPICS).flatMap(([label, texts]) => pick(texts).map((t) => `"${t.replace('please', 'please\nnow')}",${label}`))].join('\n');
    writeFileSync(join(dir, 'train.csv'), rows((t) => t.slice(0, 4)));
    writeFileSync(join(dir, 'test.csv'), rows((t) => t.slice(4)));
    const { code, stdout } = await evalCli(['--train', join(dir, 'train.csv'), '--test', join(dir, 'test.csv'), '--format', 'banking77']);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
    expect(Object.keys(summary)).toEqual(expect.arrayContaining(['accuracy', 'macroF1', 'msPerQuery', 'trainSeconds']));
    expect(summary).not.toHaveProperty('oosRecall');
    expect(summary.testExamples).toBe(6);
    expect(summary.accuracy).toBeGreaterThanOrEqual(0.5);
  }, 60_000);

  it('reads clinc150 JSON with out-of-scope items and reports out-of-scope recall', async () => {
    const pairs = (pick: (texts: string[]) => string[]) => Object.entries(TOPICS).flatMap(([label, texts]) => pick(texts).map((t) => [t, label]));
    const oos = ['tell me a joke', 'what is the weather in paris', 'play some jazz music', 'how tall is mount everest', 'recipe for pancakes', 'who won the football game'];
    writeFileSync(join(dir, 'train.json'), JSON.stringify({ train: pairs((t) => t.slice(0, 4)), oos_train: oos.slice(0, 4).map((t) => [t, 'oos']) }));
    writeFileSync(join(dir, 'test.json'), JSON.stringify({ test: pairs((t) => t.slice(4)), oos_test: oos.slice(4).map((t) => [t, 'oos']) }));
    const { code, stdout } = await evalCli(['--train', join(dir, 'train.json'), '--test', join(dir, 'test.json'), '--format', 'clinc150']);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
    expect(summary.oosRecall).toBeGreaterThanOrEqual(0);
    expect(summary.oosRecall).toBeLessThanOrEqual(1);
    expect(summary.testExamples).toBe(8);
  }, 60_000);

  it('refuses a missing argument, an unknown format and a malformed file with a clear message', async () => {
    expect(await evalCli(['--train', 'x'])).toMatchObject({ code: 1, stderr: expect.stringContaining('usage: npm run -s intent:eval') });
    expect(await evalCli(['--train', 'a', '--test', 'b', '--format', 'snips'])).toMatchObject({ code: 1, stderr: expect.stringContaining('banking77|clinc150') });
    writeFileSync(join(dir, 'bad.json'), '{"train": [["only text"]]}');
    const bad = await evalCli(['--train', join(dir, 'bad.json'), '--test', join(dir, 'bad.json'), '--format', 'clinc150']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad\.json: train\.0/);
    writeFileSync(join(dir, 'bad.csv'), 'text,label\nhello,x\n');
    expect((await evalCli(['--train', join(dir, 'bad.csv'), '--test', join(dir, 'bad.csv'), '--format', 'banking77'])).stderr).toMatch(/bad\.csv: 0\.category/);
  }, 60_000);
});
