import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/process.js';

function simulate(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const run = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'simulate', 'main.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  run.stdout.on('data', (c: Buffer) => (out += c.toString()));
  run.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve) => run.on('exit', (code) => resolve({ code, out, err })));
}

describe('the service simulator', () => {
  it('plays 20 visits through the appliance and reports every KPI as JSON and HTML', async () => {
    const report = join(mkdtempSync(join(tmpdir(), 'branchline-sim-')), 'report.html');
    const { code, out, err } = await simulate('--scenarios', '20', '--kiosks', '3', '--agents', '2', '--json', '--report', report);
    expect(code, err).toBe(0);
    const summary = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown> & { kpis: Record<string, unknown> };
    expect(summary).toMatchObject({ scenarios: 20, kiosks: 3, agents: 2, failed: 0 });
    for (const kpi of ['responseRate30s', 'averageHandleSeconds', 'firstContactResolution', 'serviceErrorRate', 'csat', 'nps', 'repeatInquiryRate', 'abandonmentRate']) {
      expect(summary.kpis, kpi).toHaveProperty(kpi);
    }
    expect(summary.kpis.sessions).toBe(20);
    expect(summary.kpis.csat).toEqual(expect.any(Number));
    expect(summary.kpis.nps).toEqual(expect.any(Number));
    expect(summary.kpis.averageHandleSeconds).toBeGreaterThan(0.5);
    expect(summary.routingAccuracy).toBeGreaterThan(0.5);
    const outcomes = summary.outcomes as { bot: number; served: number; abandoned: number; dropped: number };
    expect(outcomes.bot + outcomes.served + outcomes.abandoned + outcomes.dropped).toBe(20);
    expect(outcomes.dropped).toBeGreaterThan(0);
    expect((summary.loadAt92PercentResponse as { customersPerHourAskingForAnAgent: number }).customersPerHourAskingForAnAgent).toBeGreaterThan(0);
    expect(err).toMatch(/simulating \[/);
    expect(existsSync(report)).toBe(true);
    const html = readFileSync(report, 'utf8');
    expect(html).toMatch(/<svg role="img" aria-label="30-second response rate against load"/);
    expect(html).not.toMatch(/<script|https?:\/\//);
  }, 240_000);

  it('refuses bad arguments with its usage', async () => {
    for (const args of [['--scenarios', 'many'], ['--agents', '0'], ['--kiosks', '1000'], ['--planet', 'mars']]) {
      const { code, err } = await simulate(...args);
      expect(code, args.join(' ')).toBe(2);
      expect(err).toMatch(/usage: npm run simulate/);
    }
  });
});
