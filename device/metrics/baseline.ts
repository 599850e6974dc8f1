import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import type { BaselineReport, Store } from '../store/index.js';

export const BASELINE_MAX_BYTES = 10 * 1024 * 1024;
const MAX_ROWS = 100_000;
const KEEP_REPORTS = 20;
const EXAMPLES_PER_GROUP = 3;
const SINKHOLES = 5;

export class BaselineError extends Error {
  override name = 'BaselineError';
  constructor(
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

const OUTCOMES: Record<string, 'resolved' | 'unresolved'> = {
  resolved: 'resolved',
  solved: 'resolved',
  closed: 'resolved',
  已解決: 'resolved',
  已解决: 'resolved',
  unresolved: 'unresolved',
  open: 'unresolved',
  escalated: 'unresolved',
  abandoned: 'unresolved',
  未解決: 'unresolved',
  未解决: 'unresolved',
  升級: 'unresolved',
  升级: 'unresolved',
};

const rowSchema = z.object({
  date: z
    .string({ error: 'date is missing' })
    .trim()
    .regex(/^\d{4}[-/]\d{1,2}[-/]\d{1,2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/, 'date must look like 2026-03-14')
    .refine((d) => !Number.isNaN(Date.parse(d.replace(/\//g, '-').replace(' ', 'T'))), 'date is not a real date'),
  channel: z.string({ error: 'channel is missing' }).trim().min(1, 'channel is empty').max(40, 'channel is longer than 40 characters'),
  text: z.string({ error: 'text is missing' }).trim().min(1, 'text is empty').max(2000, 'text is longer than 2000 characters'),
  outcome: z
    .string({ error: 'outcome is missing' })
    .trim()
    .transform((o) => OUTCOMES[o.toLowerCase()] ?? null)
    .refine((o) => o !== null, `outcome must be one of ${Object.keys(OUTCOMES).join(', ')}`),
});

export interface ComplaintRow {
  month: string;
  channel: string;
  text: string;
  resolved: boolean;
}

function records(body: string, format: 'csv' | 'json'): unknown[] {
  if (format === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (err) {
      throw new BaselineError(`the file is not JSON: ${(err as Error).message}`);
    }
    const list = Array.isArray(parsed) ? parsed : (parsed as { rows?: unknown })?.rows;
    if (!Array.isArray(list)) throw new BaselineError('a JSON file holds an array of rows, or { "rows": [...] }');
    return list;
  }
  try {
    return parse(body, { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), bom: true, skip_empty_lines: true, relax_column_count: true, trim: true }) as unknown[];
  } catch (err) {
    throw new BaselineError(`the CSV cannot be read: ${(err as Error).message}`);
  }
}

/** Reads a CSV (header: date, channel, text, outcome) or JSON file; bad rows are listed with their problem and left out. */
export function readComplaints(body: string, format: 'csv' | 'json'): { rows: ComplaintRow[]; rejected: { row: number; problem: string }[] } {
  if (Buffer.byteLength(body) > BASELINE_MAX_BYTES) throw new BaselineError(`the file is larger than ${BASELINE_MAX_BYTES / 1024 / 1024} MB`, 413);
  const list = records(body, format);
  if (list.length === 0) throw new BaselineError('the file has no rows');
  if (list.length > MAX_ROWS) throw new BaselineError(`the file has ${list.length} rows; at most ${MAX_ROWS} at a time`, 413);
  if (format === 'csv') {
    const missing = ['date', 'channel', 'text', 'outcome'].filter((c) => !(c in (list[0] as object)));
    if (missing.length > 0) throw new BaselineError(`the CSV header lacks ${missing.join(', ')} (it needs date, channel, text, outcome)`);
  }
  const rows: ComplaintRow[] = [];
  const rejected: { row: number; problem: string }[] = [];
  list.forEach((raw, i) => {
    const parsed = rowSchema.safeParse(raw);
    if (!parsed.success) {
      rejected.push({ row: i + 1, problem: parsed.error.issues.map((issue) => issue.message).join('; ') });
      return;
    }
    const when = new Date(Date.parse(parsed.data.date.replace(/\//g, '-').replace(' ', 'T')));
    rows.push({ month: when.toISOString().slice(0, 7), channel: parsed.data.channel, text: parsed.data.text, resolved: parsed.data.outcome === 'resolved' });
  });
  return { rows, rejected };
}

/** What the intent model makes of a complaint: a label, or null when it is out of scope. */
export type Classify = (text: string) => string | null;

/** The intent group of a label: its first two parts (`finance.cards` of `finance.cards.lost_stolen_card`). */
export function intentGroup(label: string | null): string {
  return label ? label.split('.').slice(0, 2).join('.') : 'out-of-scope';
}

export function buildReport(rows: ComplaintRow[], rejected: BaselineReport['rejected'], classify: Classify, meta: { name: string; by: string }): BaselineReport {
  const months = [...new Set(rows.map((r) => r.month))].sort();
  const groups = new Map<string, BaselineReport['groups'][number]>();
  for (const row of rows) {
    const group = intentGroup(classify(row.text));
    let g = groups.get(group);
    if (!g) {
      g = { group, name: group === 'out-of-scope' ? 'out of scope' : group.replace('.', ' · ').replace(/_/g, ' '), count: 0, share: 0, resolved: 0, resolutionRate: null, trend: months.map(() => 0), channels: {}, examples: [] };
      groups.set(group, g);
    }
    g.count++;
    if (row.resolved) g.resolved++;
    g.trend[months.indexOf(row.month)]! += 1;
    g.channels[row.channel] = (g.channels[row.channel] ?? 0) + 1;
    if (g.examples.length < EXAMPLES_PER_GROUP && !g.examples.includes(row.text)) g.examples.push(row.text.slice(0, 300));
  }
  const list = [...groups.values()].map((g) => ({ ...g, share: rows.length ? g.count / rows.length : 0, resolutionRate: g.count ? g.resolved / g.count : null })).sort((a, b) => b.count - a.count || a.group.localeCompare(b.group));
  // A sinkhole is where many complaints go and few come out resolved.
  const sinkholes = list
    .filter((g) => g.group !== 'out-of-scope')
    .map((g) => ({ group: g.group, weight: g.count * (1 - (g.resolutionRate ?? 0)) }))
    .filter((g) => g.weight > 0)
    .sort((a, b) => b.weight - a.weight)
    .slice(0, SINKHOLES)
    .map((g) => g.group);
  return { id: randomUUID(), name: meta.name, importedAt: new Date().toISOString(), importedBy: meta.by, rows: rows.length, rejected, months, groups: list, sinkholes };
}

/** Imports of historical complaints: classified with the intent model in service, kept in the store (the latest 20). */
export class Baseline {
  constructor(
    private readonly store: Store,
    private readonly classify: Classify,
  ) {}

  async import(body: string, format: 'csv' | 'json', meta: { name: string; by: string }): Promise<BaselineReport> {
    const { rows, rejected } = readComplaints(body, format);
    if (rows.length === 0) throw new BaselineError(`no row could be read; the first problem: row ${rejected[0]!.row}: ${rejected[0]!.problem}`);
    const report = buildReport(rows, rejected, this.classify, meta);
    await this.store.update((d) => {
      d.baselineReports.push(report);
      d.baselineReports.splice(0, Math.max(0, d.baselineReports.length - KEEP_REPORTS));
    });
    return report;
  }

  list(): { id: string; name: string; importedAt: string; rows: number; rejected: number }[] {
    return this.store.read((d) => d.baselineReports.map((r) => ({ id: r.id, name: r.name, importedAt: r.importedAt, rows: r.rows, rejected: r.rejected.length })).reverse());
  }

  get(id: string): BaselineReport {
    const report = this.store.read((d) => d.baselineReports.find((r) => r.id === id));
    if (!report) throw new BaselineError('no baseline report with that id', 404);
    return structuredClone(report);
  }
}
