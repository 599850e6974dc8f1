import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { disputeSchema, overrideSchema } from '../../protocol/api/index.js';
import type { EventBus, FactJournal } from '../bus.js';
import type { Language, QaScorecardRecord, Store } from '../store/index.js';
import { mineBestPractice, type Handbook, type MinedSession } from './best-practice.js';
import { coachingFor, type CoachingSuggestion, type CoachingTexts } from './coaching.js';
import type { SessionFacts } from './facts.js';
import { DEFAULT_FORM, formInputSchema, type EvaluationForm, type FormInput } from './form.js';
import { ScorecardRepository, type ScorecardSummary } from './scorecard-repository.js';
import { scoreSession } from './scoring.js';

export { disputeSchema, overrideSchema } from '../../protocol/api/index.js';

/** A request that does not fit: unknown scorecard or question, a dispute about someone else's card. */
export class QaError extends Error {
  constructor(
    message: string,
    readonly statusCode: 400 | 403 | 404,
  ) {
    super(message);
  }
}

/** Where the facts of a session come from; the appliance wires it to the modules that own them. */
export type FactsSource = (sessionId: string) => SessionFacts | null;

/** How long after closing a session is scored: the events of its closing (a ticket, the last outcome) settle first. */
const SETTLE_MS = 1500;
/**
 * The handbook is mined from the sessions scored in this many days, the newest first, at most so many:
 * today's best practice rather than last year's, with the emotion readings (kept as long) that count in
 * an agent's outcome, and enough sessions to rank a branch's agents and see their phrasing.
 */
const HANDBOOK_DAYS = 90;
const HANDBOOK_SESSIONS = 3000;

export interface InspectionOptions {
  /** A call that ends without a wrap-up is scored this long after its end (the wrap-up would have rescored it). */
  unwrappedAfterMs: number;
  /** Told of a session that could not be scored (a failed write): the next scoring pass of it may succeed. */
  onScoreFailed: (sessionId: string, err: Error) => void;
}

/**
 * Scores every closed session on the current evaluation form within seconds of its wrap-up, keeps the
 * scorecards with their form version, supervisors' overrides and agents' disputes in the journal, and
 * announces each scorecard in the transaction that stores it (for cloud sync); it never calls the
 * modules whose data it reads. The forms are reference state in the store.
 */
export class QualityInspection {
  private readonly scorecards: ScorecardRepository;

  constructor(
    private readonly journal: FactJournal,
    private readonly store: Store,
    bus: EventBus,
    private readonly facts: FactsSource,
    private readonly coachingTexts: CoachingTexts,
    options: InspectionOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.scorecards = new ScorecardRepository(journal);
    const later = (sessionId: string, ms: number, onlyIfUnscored: boolean) =>
      setTimeout(() => {
        if (onlyIfUnscored && this.scorecards.isScored(sessionId)) return;
        this.score(sessionId).catch((err: Error) => options.onScoreFailed(sessionId, err));
      }, ms).unref();
    bus.on('routing.wrapped-up', ({ sessionId }) => later(sessionId, SETTLE_MS, false));
    // Every session is inspected: one whose agent never wrapped up (or whose customer gave up waiting) too.
    bus.on('call.ended', ({ sessionId }) => {
      if (sessionId) later(sessionId, options.unwrappedAfterMs, true);
    });
  }

  /** The form in use: the newest saved version, or the default as version 1. */
  currentForm(): EvaluationForm {
    const latest = this.store.read((d) => d.qaForms.at(-1));
    return latest ? { ...(latest.form as FormInput), version: latest.version, createdAt: latest.createdAt, createdBy: latest.createdBy } : { ...DEFAULT_FORM, version: 1, createdAt: new Date(0).toISOString(), createdBy: 'default' };
  }

  formVersion(version: number): EvaluationForm | null {
    const record = this.store.read((d) => d.qaForms.find((f) => f.version === version));
    if (record) return { ...(record.form as FormInput), version: record.version, createdAt: record.createdAt, createdBy: record.createdBy };
    return version === 1 ? this.currentForm() : null;
  }

  /** Saves an edited form as the next version; scorecards already made keep theirs. */
  async saveForm(raw: unknown, by: string): Promise<EvaluationForm> {
    const parsed = formInputSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new QaError(`invalid form: ${issue.path.join('.') || 'root'}: ${issue.message}`, 400);
    }
    const ids = parsed.data.sections.flatMap((s) => s.questions.map((q) => q.id));
    if (new Set(ids).size !== ids.length) throw new QaError('invalid form: question ids must be unique', 400);
    const createdAt = new Date(this.now()).toISOString();
    const version = this.currentForm().version + 1;
    await this.store.update((d) => {
      // The default is version 1: keep it on record before the first edit so its scorecards can be read.
      if (d.qaForms.length === 0) d.qaForms.push({ version: 1, createdAt: new Date(0).toISOString(), createdBy: 'default', form: DEFAULT_FORM });
      d.qaForms.push({ version, createdAt, createdBy: by, form: parsed.data });
    });
    return { ...parsed.data, version, createdAt, createdBy: by };
  }

  /** Scores a session now (again, if it was scored before: the newest scorecard is the one shown). */
  async score(sessionId: string): Promise<QaScorecardRecord | null> {
    const facts = this.facts(sessionId);
    if (!facts) return null;
    const card = scoreSession(this.currentForm(), facts);
    const record: QaScorecardRecord = { id: randomUUID(), ...card, at: new Date(this.now()).toISOString(), overrides: [], disputes: [] };
    await this.journal.write((tx) => {
      this.scorecards.insert(record);
      tx.emit('qa.scorecard', { scorecardId: record.id, sessionId, agentId: record.agentId, total: record.total, formVersion: record.formVersion, at: record.at });
    });
    return record;
  }

  /** Recurring weaknesses of an agent over the last `days`, as suggestions in `lang`. */
  coaching(agentId: string, days: number, lang: Language): CoachingSuggestion[] {
    const since = new Date(this.now() - days * 86_400_000).toISOString();
    const cards = this.scorecards.ofAgentSince(agentId, since);
    return coachingFor(cards, (version) => this.formVersion(version), this.coachingTexts, lang);
  }

  /** The best-practice handbook mined from the sessions agents served that were scored recently. */
  handbook(): Handbook {
    const since = new Date(this.now() - HANDBOOK_DAYS * 86_400_000).toISOString();
    const sessionIds = this.scorecards.agentSessionsSince(since, HANDBOOK_SESSIONS);
    const mined: MinedSession[] = [];
    for (const sessionId of sessionIds) {
      const facts = this.facts(sessionId);
      if (!facts?.agentId) continue;
      const label = facts.routing?.label;
      mined.push({
        agentId: facts.agentId,
        group: label ? label.split('.').slice(0, 2).join('.') : 'other',
        agentLines: [...facts.messages, ...(facts.transcript ?? [])].filter((m) => m.from === 'agent').map((m) => m.text),
        resolved: facts.resolved,
        csat: facts.csat,
        emotionDelta: facts.emotion ? facts.emotion.endValence - facts.emotion.startValence : null,
      });
    }
    return mineBestPractice(mined);
  }

  /** The newest scorecards first. */
  list(filter: { agentId?: string; limit: number }): QaScorecardRecord[] {
    return this.scorecards.newest(filter.limit, filter.agentId);
  }

  /** Scorecards made in [fromIso, toIso), without their items: what the service KPIs count. */
  scorecardsBetween(fromIso: string, toIso: string): ScorecardSummary[] {
    return this.scorecards.between(fromIso, toIso);
  }

  get(id: string): QaScorecardRecord {
    const card = this.scorecards.get(id);
    if (!card) throw new QaError('no such scorecard', 404);
    return card;
  }

  /** The total with supervisors' overrides applied. */
  effectiveTotal(card: QaScorecardRecord): number | null {
    let weighted = 0;
    let weights = 0;
    for (const item of card.items) {
      const override = card.overrides.filter((o) => o.questionId === item.questionId).at(-1);
      const score = override ? override.score : item.score;
      if (score === null) continue;
      weighted += score * item.weight;
      weights += item.weight;
    }
    return weights > 0 ? Math.round((weighted / weights) * 1000) / 10 : null;
  }

  private async change(id: string, questionId: string, apply: (card: QaScorecardRecord) => void): Promise<QaScorecardRecord> {
    return this.journal.write(() => {
      const card = this.scorecards.get(id);
      if (!card) throw new QaError('no such scorecard', 404);
      if (!card.items.some((i) => i.questionId === questionId)) throw new QaError(`the scorecard has no question "${questionId}"`, 400);
      apply(card);
      this.scorecards.saveReviews(card);
      return card;
    });
  }

  override(id: string, input: z.output<typeof overrideSchema>, by: string): Promise<QaScorecardRecord> {
    return this.change(id, input.questionId, (card) => void card.overrides.push({ ...input, by, at: new Date(this.now()).toISOString() }));
  }

  dispute(id: string, input: z.output<typeof disputeSchema>, agentId: string): Promise<QaScorecardRecord> {
    return this.change(id, input.questionId, (card) => {
      if (card.agentId !== agentId) throw new QaError('only the agent this scorecard is about can dispute it', 403);
      card.disputes.push({ ...input, by: agentId, at: new Date(this.now()).toISOString() });
    });
  }
}
