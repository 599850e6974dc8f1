import type { BusEvents, FactJournal } from '../bus.js';
import type { CallRecord, ChatMessage, EndReason, Language } from '../store/index.js';
import { CallRepository, type CallRow } from './call-repository.js';

/** What the facts of a call name it by. */
export interface CallRef {
  id: string;
  kioskId: string;
  sessionId: string | null;
}

/**
 * The facts of a call's life, each stored and announced in one journal write: the cloud outbox records
 * its row in the same transaction, and the bus hears of it only once it is on disk.
 */
export class CallRecords {
  readonly repository: CallRepository;

  constructor(private readonly journal: FactJournal) {
    this.repository = new CallRepository(journal.db);
  }

  /** A kiosk's request for an agent, recorded before it joins the queue. */
  requested(call: CallRef & { skill: string; lang: Language; requestedAt: string }, priority: number): Promise<void> {
    const record: CallRecord = { id: call.id, kioskId: call.kioskId, sessionId: call.sessionId, skill: call.skill, agentId: null, lang: call.lang, requestedAt: call.requestedAt, answeredAt: null, endedAt: null, endReason: null, chat: [], recording: null };
    return this.journal.write((tx) => {
      this.repository.insert(record);
      tx.emit('call.requested', { callId: call.id, kioskId: call.kioskId, sessionId: call.sessionId, skill: call.skill, priority, at: call.requestedAt });
    });
  }

  answered(call: CallRef, agentId: string, via: string, at: string): Promise<void> {
    return this.journal.write((tx) => {
      if (this.repository.answer(call.id, agentId, at)) tx.emit('call.answered', { callId: call.id, kioskId: call.kioskId, sessionId: call.sessionId, agentId, via, at });
    });
  }

  chat(call: CallRef, message: ChatMessage): Promise<void> {
    return this.journal.write((tx) => {
      this.repository.appendChat(call.id, message);
      tx.emit('call.chat', { callId: call.id, sessionId: call.sessionId, kioskId: call.kioskId, from: message.from, text: message.text, at: message.at });
    });
  }

  /** Closes the call's record; a call already closed stays as it was and is not announced again. */
  ended(callId: string, reason: EndReason, at: string): Promise<void> {
    return this.journal.write((tx) => {
      const row = this.repository.end(callId, reason, at);
      if (row) tx.emit('call.ended', endedFact(row, reason, at));
    });
  }

  /** The file the call was recorded to, known once the recorder has closed it. */
  recorded(callId: string, file: string): Promise<void> {
    return this.journal.write(() => this.repository.setRecording(callId, file));
  }

  /**
   * Calls a crash or a failed write left without an end: each is closed as `interrupted` at the last
   * moment known of it, so KPIs, quality inspection and the cloud see a finished call.
   */
  repairInterrupted(): Promise<number> {
    return this.journal.write((tx) => {
      const open = this.repository.openCalls();
      for (const { id, lastSeen } of open) tx.emit('call.ended', endedFact(this.repository.end(id, 'interrupted', lastSeen)!, 'interrupted', lastSeen));
      return open.length;
    });
  }
}

function endedFact(row: CallRow, reason: EndReason, at: string): BusEvents['call.ended'] {
  return { callId: row.id, sessionId: row.sessionId, reason, at, kioskId: row.kioskId, skill: row.skill, agentId: row.agentId, requestedAt: row.requestedAt, answeredAt: row.answeredAt };
}
