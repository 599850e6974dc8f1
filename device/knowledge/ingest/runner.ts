import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { FactJournal } from '../../bus.js';
import type { KbIngestRun } from '../../store/index.js';
import { KnowledgeError } from '../errors.js';
import { IngestRunRepository } from '../ingest-run-repository.js';
import { articleInputSchema, referenceInputSchema } from '../inputs.js';
import type { Knowledge } from '../knowledge.js';
import { describeError, type KnowledgeConnector } from './items.js';

const firstIssue = (error: { issues: { path: PropertyKey[]; message: string }[] }) => {
  const issue = error.issues[0]!;
  return `${issue.path.join('.') || 'content'}: ${issue.message}`;
};

/**
 * Runs the ingestion connectors: everything a source holds now is validated and applied in one write
 * (unchanged content by its hash is left alone), articles that disappeared from the source are retired,
 * and a bad item is reported with its reason without holding up the others.
 */
export class Ingestion {
  readonly repository: IngestRunRepository;
  private job: Cron | null = null;

  constructor(
    private readonly journal: FactJournal,
    private readonly knowledge: Knowledge,
    readonly connectors: readonly KnowledgeConnector[],
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.repository = new IngestRunRepository(journal.db);
  }

  /** Runs every connector on the cron pattern (daily by default) until stopped. */
  schedule(pattern: string): void {
    this.job = new Cron(pattern, { protect: true }, async () => {
      for (const connector of this.connectors) await this.run(connector);
    });
  }

  stop(): void {
    this.job?.stop();
  }

  nextRun(): string | null {
    return this.job?.nextRun()?.toISOString() ?? null;
  }

  /** The newest runs first. */
  runs(limit: number): KbIngestRun[] {
    return this.repository.recent(limit);
  }

  async runAll(): Promise<KbIngestRun[]> {
    const reports: KbIngestRun[] = [];
    for (const connector of this.connectors) reports.push(await this.run(connector));
    return reports;
  }

  async run(connector: KnowledgeConnector): Promise<KbIngestRun> {
    const report: KbIngestRun = {
      id: randomUUID(),
      source: connector.id,
      kind: connector.kind,
      startedAt: new Date(this.now()).toISOString(),
      finishedAt: '',
      added: [],
      changed: [],
      unchanged: 0,
      retired: [],
      rejected: [],
      error: null,
    };
    const sourceKey = `${connector.kind}:${connector.id}`;
    try {
      const items = await connector.read();
      await this.knowledge.graph.transaction((tx) => {
        tx.upsertReference('source', { key: sourceKey, title: { 'zh-Hant': connector.id, 'zh-Hans': connector.id, en: connector.id }, body: { 'zh-Hant': connector.kind, 'zh-Hans': connector.kind, en: connector.kind } });
        const seen = new Set<string>();
        for (const item of items) {
          if (item.kind === 'rejected') {
            report.rejected.push({ item: item.ref, reason: item.reason });
            continue;
          }
          try {
            if (item.kind === 'article') {
              const parsed = articleInputSchema.safeParse({ ...item.input, source: sourceKey });
              if (!parsed.success) throw new KnowledgeError(firstIssue(parsed.error));
              if (seen.has(parsed.data.key)) throw new KnowledgeError(`article key "${parsed.data.key}" appears twice in this source`);
              const result = tx.upsertArticle(parsed.data, `ingest:${connector.id}`);
              seen.add(parsed.data.key);
              if (!result.changed) report.unchanged++;
              else (result.version === 1 ? report.added : report.changed).push(parsed.data.key);
            } else {
              const parsed = referenceInputSchema.safeParse(item.input);
              if (!parsed.success) throw new KnowledgeError(firstIssue(parsed.error));
              const result = tx.upsertReference(item.kind, parsed.data);
              if (!result.changed) report.unchanged++;
              else (result.added ? report.added : report.changed).push(parsed.data.key);
            }
          } catch (error) {
            if (!(error instanceof KnowledgeError)) throw error;
            report.rejected.push({ item: item.ref, reason: error.message });
          }
        }
        // Articles that left the source are retired, unless the whole source came back empty (more likely a
        // mount that failed than an intended wipe).
        if (items.length > 0) {
          for (const key of tx.articlesFrom(sourceKey)) {
            if (seen.has(key)) continue;
            tx.retire(key, `no longer in source ${connector.id}`);
            report.retired.push(key);
          }
        }
      });
    } catch (error) {
      report.error = describeError(error);
    }
    report.finishedAt = new Date(this.now()).toISOString();
    const summary = { source: connector.id, added: report.added.length, changed: report.changed.length, unchanged: report.unchanged, retired: report.retired.length, rejected: report.rejected.length };
    await this.journal.write((tx) => {
      this.repository.insert(report);
      tx.emit('knowledge.ingested', { runId: report.id, ...summary, failed: report.error !== null, at: report.finishedAt });
    });
    if (report.error) this.log.error({ ...summary, error: report.error }, 'knowledge ingestion failed');
    else this.log.info(summary, 'knowledge ingestion run');
    return report;
  }
}
