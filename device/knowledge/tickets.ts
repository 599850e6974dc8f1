import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { ticketResolveSchema } from '../../protocol/api/index.js';
import type { BusEvents, FactJournal } from '../bus.js';
import type { KbTicket, Language, Tx } from '../store/index.js';
import { KnowledgeError } from './errors.js';
import { articleInputSchema, type ArticleInput } from './inputs.js';
import type { Knowledge } from './knowledge.js';
import { TicketRepository, type TicketWarningKind } from './ticket-repository.js';

export { newTicketSchema, ticketAssignSchema, ticketCommentSchema, ticketResolveSchema } from '../../protocol/api/index.js';

export interface TicketOptions {
  slaHours: number;
  /** How long before the due time the first warning goes out. */
  warnBeforeHours: number;
}

export interface TicketInput {
  question: string;
  intent: string | null;
  lang: Language;
  origin: KbTicket['origin'];
  sessionId: string | null;
}

const HOUR = 3_600_000;

/**
 * Knowledge tickets: every unresolved call and every bot question without an answer becomes a ticket
 * due 48 hours later; it is assigned, discussed and resolved by writing or linking an article, which
 * from then on answers the same question (the ticket's question joins the article's keywords).
 */
export class KnowledgeTickets {
  readonly repository: TicketRepository;

  constructor(
    private readonly journal: FactJournal,
    private readonly knowledge: Knowledge,
    private readonly options: TicketOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.repository = new TicketRepository(journal.db);
    // Opened in the same transaction as the fact that calls for it: a crash cannot keep one without the other.
    journal.inTransaction('routing.wrapped-up', (e, tx) => {
      if (!e.resolved) this.openIn(tx, { question: e.question, intent: e.label, lang: e.lang as Language, origin: 'unresolved-call', sessionId: e.sessionId });
    });
    journal.inTransaction('routing.decided', (e, tx) => {
      if (e.kind === 'bot' && !e.answered) this.openIn(tx, { question: e.text, intent: e.label, lang: e.lang as Language, origin: 'unanswered-question', sessionId: e.sessionId });
    });
  }

  private at(): string {
    return new Date(this.now()).toISOString();
  }

  /** Opens a ticket; a session gives at most one, however often it comes up. */
  open(input: TicketInput): Promise<KbTicket> {
    return this.journal.write((tx) => this.openIn(tx, input));
  }

  private openIn(tx: Tx<BusEvents>, input: TicketInput): KbTicket {
    const existing = input.sessionId ? this.repository.ticketOfSession(input.sessionId) : null;
    if (existing) return existing;
    const createdAt = this.at();
    const ticket: Omit<KbTicket, 'number'> = {
      id: randomUUID(),
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
    const number = this.repository.insert(ticket);
    tx.emit('knowledge.ticket.opened', { ticketId: ticket.id, number, intent: ticket.intent, dueAt: ticket.dueAt, at: createdAt });
    return { ...ticket, number };
  }

  list(status?: KbTicket['status']): KbTicket[] {
    return this.repository.list(status);
  }

  get(id: string): KbTicket {
    const ticket = this.repository.ticket(id);
    if (!ticket) throw new KnowledgeError('no such ticket', 404);
    return ticket;
  }

  /** Whether the session gave a ticket, for quality inspection. */
  ticketOpenedFor(sessionId: string): boolean {
    return this.repository.openedFor(sessionId);
  }

  private change(id: string, apply: (ticket: KbTicket, tx: Tx<BusEvents>) => void): Promise<KbTicket> {
    return this.journal.write((tx) => {
      const ticket = this.get(id);
      if (ticket.status === 'resolved') throw new KnowledgeError('the ticket is already resolved', 409);
      apply(ticket, tx);
      return this.get(id);
    });
  }

  assign(id: string, assignee: string | null): Promise<KbTicket> {
    return this.change(id, () => this.repository.assign(id, assignee));
  }

  comment(id: string, by: string, text: string): Promise<KbTicket> {
    return this.change(id, (t) => this.repository.addComment(t.number, { by, text, at: this.at() }));
  }

  /**
   * Resolves a ticket with a new article or an existing one. The article is made to solve the ticket's
   * intent and carries the ticket's question as a keyword, so the same question finds it next time.
   */
  async resolve(id: string, by: string, resolution: z.output<typeof ticketResolveSchema>): Promise<KbTicket> {
    const ticket = this.get(id);
    if (ticket.status === 'resolved') throw new KnowledgeError('the ticket is already resolved', 409);
    const withQuestion = (input: ArticleInput): ArticleInput => ({
      ...input,
      intents: ticket.intent && !input.intents.includes(ticket.intent) ? [...input.intents, ticket.intent] : input.intents,
      keywords: { ...input.keywords, [ticket.lang]: [...new Set([...input.keywords[ticket.lang], ticket.question])] },
    });
    let article: ArticleInput;
    let how: 'written' | 'linked';
    if ('article' in resolution) {
      article = resolution.article;
      how = 'written';
    } else {
      const current = this.knowledge.article(resolution.articleId);
      if (current.node.status !== 'active') throw new KnowledgeError('a retired article cannot resolve a ticket', 409);
      article = articleInputSchema.parse({
        key: current.node.key,
        title: current.version.title,
        body: current.version.body,
        keywords: current.version.keywords,
        validFrom: current.version.validFrom,
        validUntil: current.version.validUntil,
        intents: current.links.filter((l) => l.type === 'solves' && l.direction === 'out').map((l) => l.node.key),
      });
      how = 'linked';
    }
    const { articleId } = await this.knowledge.graph.upsertArticle(withQuestion(article), by);
    return this.change(id, (t, tx) => {
      const resolvedAt = this.at();
      this.repository.resolve(id, resolvedAt, { articleId, how, by });
      tx.emit('knowledge.ticket.resolved', { ticketId: id, number: t.number, articleId, at: resolvedAt });
    });
  }

  /** Warns once when a ticket comes within warnBeforeHours of its due time and once when it is breached. */
  async checkDeadlines(): Promise<{ ticketId: string; kind: TicketWarningKind }[]> {
    const owed = () => {
      const now = this.now();
      return this.repository.dueForWarning(new Date(now).toISOString(), new Date(now + this.options.warnBeforeHours * HOUR).toISOString());
    };
    // Most minutes nothing is due: the journal is written only when there is a warning to keep.
    if (owed().length === 0) return [];
    return this.journal.write((tx) => {
      const at = this.at();
      // Read again inside the write: a check that overlapped this one has kept its warnings by now.
      return owed().map(({ number, id, dueAt, kind }) => {
        this.repository.addWarning(number, kind, at);
        tx.emit('knowledge.ticket.warning', { ticketId: id, number, kind, dueAt, at });
        return { ticketId: id, kind };
      });
    });
  }
}
