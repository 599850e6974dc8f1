import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { EventBus } from '../bus.js';
import { LANGUAGES, type KbTicket, type Language, type Store } from '../store/index.js';
import { articleInputSchema, KnowledgeError, type Knowledge } from './knowledge.js';

export const ticketCommentSchema = z.strictObject({ text: z.string().trim().min(1).max(2000) });
export const ticketAssignSchema = z.strictObject({ assignee: z.string().trim().min(1).max(100).nullable() });
export const newTicketSchema = z.strictObject({ question: z.string().trim().min(1).max(500), intent: z.string().max(100).nullable().default(null), lang: z.enum(LANGUAGES) });
export const ticketResolveSchema = z.union([
  z.strictObject({ articleId: z.uuid('articleId must be a UUID') }),
  z.strictObject({ article: articleInputSchema }),
]);

export interface TicketOptions {
  slaHours: number;
  /** How long before the due time the first warning goes out. */
  warnBeforeHours: number;
}

const HOUR = 3_600_000;

/**
 * Knowledge tickets: every unresolved call and every bot question without an answer becomes a ticket
 * due 48 hours later; it is assigned, discussed and resolved by writing or linking an article, which
 * from then on answers the same question (the ticket's question joins the article's keywords).
 */
export class KnowledgeTickets {
  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly knowledge: Knowledge,
    private readonly options: TicketOptions,
    private readonly now: () => number = Date.now,
  ) {
    bus.on('routing.wrapped-up', (e) =>
      e.resolved ? undefined : this.open({ question: e.question, intent: e.label, lang: e.lang as Language, origin: 'unresolved-call', sessionId: e.sessionId }),
    );
    bus.on('routing.decided', (e) =>
      e.kind === 'bot' && !e.answered ? this.open({ question: e.text, intent: e.label, lang: e.lang as Language, origin: 'unanswered-question', sessionId: e.sessionId }) : undefined,
    );
  }

  private at(): string {
    return new Date(this.now()).toISOString();
  }

  /** Opens a ticket; a session gives at most one, however often it comes up. */
  async open(input: { question: string; intent: string | null; lang: Language; origin: KbTicket['origin']; sessionId: string | null }): Promise<KbTicket> {
    const createdAt = this.at();
    const { ticket, created } = await this.store.update((d) => {
      const existing = input.sessionId ? d.kbTickets.find((t) => t.sessionId === input.sessionId) : undefined;
      if (existing) return { ticket: existing, created: false };
      const ticket: KbTicket = {
        id: randomUUID(),
        number: d.kbTickets.reduce((max, t) => Math.max(max, t.number), 0) + 1,
        ...input,
        status: 'open',
        assignee: null,
        createdAt,
        dueAt: new Date(Date.parse(createdAt) + this.options.slaHours * HOUR).toISOString(),
        comments: [],
        warnings: [],
        resolvedAt: null,
        resolution: null,
      };
      d.kbTickets.push(ticket);
      return { ticket, created: true };
    });
    if (created) this.bus.emit('knowledge.ticket.opened', { ticketId: ticket.id, number: ticket.number, intent: ticket.intent, dueAt: ticket.dueAt, at: createdAt });
    return ticket;
  }

  list(status?: KbTicket['status']): KbTicket[] {
    return this.store.read((d) => d.kbTickets.filter((t) => !status || t.status === status).sort((a, b) => a.dueAt.localeCompare(b.dueAt)));
  }

  get(id: string): KbTicket {
    const ticket = this.store.read((d) => d.kbTickets.find((t) => t.id === id));
    if (!ticket) throw new KnowledgeError('no such ticket', 404);
    return ticket;
  }

  private async change(id: string, apply: (ticket: KbTicket) => void): Promise<KbTicket> {
    return this.store.update((d) => {
      const ticket = d.kbTickets.find((t) => t.id === id);
      if (!ticket) throw new KnowledgeError('no such ticket', 404);
      if (ticket.status === 'resolved') throw new KnowledgeError('the ticket is already resolved', 409);
      apply(ticket);
      return { ...ticket };
    });
  }

  assign(id: string, assignee: string | null): Promise<KbTicket> {
    return this.change(id, (t) => {
      t.assignee = assignee;
      t.status = assignee ? 'assigned' : 'open';
    });
  }

  comment(id: string, by: string, text: string): Promise<KbTicket> {
    return this.change(id, (t) => void t.comments.push({ by, text, at: this.at() }));
  }

  /**
   * Resolves a ticket with a new article or an existing one. The article is made to solve the ticket's
   * intent and carries the ticket's question as a keyword, so the same question finds it next time.
   */
  async resolve(id: string, by: string, resolution: z.output<typeof ticketResolveSchema>): Promise<KbTicket> {
    const ticket = this.get(id);
    if (ticket.status === 'resolved') throw new KnowledgeError('the ticket is already resolved', 409);
    const withQuestion = (input: z.output<typeof articleInputSchema>) => ({
      ...input,
      intents: ticket.intent && !input.intents.includes(ticket.intent) ? [...input.intents, ticket.intent] : input.intents,
      keywords: { ...input.keywords, [ticket.lang]: [...new Set([...input.keywords[ticket.lang], ticket.question])] },
    });
    let articleId: string;
    let how: 'written' | 'linked';
    if ('article' in resolution) {
      articleId = (await this.knowledge.upsertArticle(withQuestion(resolution.article), by)).articleId;
      how = 'written';
    } else {
      const current = this.knowledge.article(resolution.articleId);
      if (current.node.status !== 'active') throw new KnowledgeError('a retired article cannot resolve a ticket', 409);
      const input = articleInputSchema.parse({
        key: current.node.key,
        title: current.version.title,
        body: current.version.body,
        keywords: current.version.keywords,
        validFrom: current.version.validFrom,
        validUntil: current.version.validUntil,
        intents: current.links.filter((l) => l.type === 'solves' && l.direction === 'out').map((l) => l.node.key),
      });
      articleId = (await this.knowledge.upsertArticle(withQuestion(input), by)).articleId;
      how = 'linked';
    }
    const resolvedAt = this.at();
    const resolved = await this.change(id, (t) => {
      t.status = 'resolved';
      t.resolvedAt = resolvedAt;
      t.resolution = { articleId, how, by };
    });
    this.bus.emit('knowledge.ticket.resolved', { ticketId: id, number: resolved.number, articleId, at: resolvedAt });
    return resolved;
  }

  /** Warns once when a ticket comes within warnBeforeHours of its due time and once when it is breached. */
  async checkDeadlines(): Promise<{ ticketId: string; kind: 'due-soon' | 'breached' }[]> {
    const now = this.now();
    const at = this.at();
    const due = this.store.read((d) =>
      d.kbTickets.flatMap((t): { ticket: KbTicket; kind: 'due-soon' | 'breached' }[] => {
        if (t.status === 'resolved') return [];
        const deadline = Date.parse(t.dueAt);
        const has = (kind: string) => t.warnings.some((w) => w.kind === kind);
        if (now >= deadline) return has('breached') ? [] : [{ ticket: t, kind: 'breached' }];
        return now >= deadline - this.options.warnBeforeHours * HOUR && !has('due-soon') ? [{ ticket: t, kind: 'due-soon' }] : [];
      }),
    );
    // Most minutes nothing is due: the store is written only when there is a warning to keep.
    if (due.length === 0) return [];
    await this.store.update(() => {
      for (const { ticket, kind } of due) ticket.warnings.push({ kind, at });
    });
    for (const { ticket, kind } of due) this.bus.emit('knowledge.ticket.warning', { ticketId: ticket.id, number: ticket.number, kind, dueAt: ticket.dueAt, at });
    return due.map(({ ticket, kind }) => ({ ticketId: ticket.id, kind }));
  }
}
