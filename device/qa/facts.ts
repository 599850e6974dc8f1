import type { Language } from '../store/index.js';

export interface Message {
  from: 'customer' | 'agent';
  text: string;
  /** Milliseconds since the call was answered. */
  atMs: number;
}

/**
 * Everything quality inspection reads about one closed session, gathered from the modules that own it.
 * A field is null when its source had nothing (no call, no talk statistics, no CSAT): the questions
 * that need it are then "not applicable" rather than guessed.
 */
export interface SessionFacts {
  sessionId: string;
  callId: string | null;
  agentId: string | null;
  lang: Language;
  waitMs: number | null;
  handleMs: number | null;
  endReason: string | null;
  messages: Message[];
  /** From a speech-to-text engine when one is configured; read like chat. */
  transcript: Message[] | null;
  customerIdentified: boolean;
  routing: { label: string | null; confirmed: boolean | null } | null;
  resolved: boolean | null;
  /** Knowledge shown to the agent and what came of it. */
  solutions: { articleId: string; recommendable: boolean; outcome: 'success' | 'failure' | null }[];
  ticketOpened: boolean;
  emotion: { startValence: number; endValence: number } | null;
  talk: { customerTalkMs: number; agentTalkMs: number; silenceMs: number; overlaps: number } | null;
  alerts: { atMs: number }[];
  csat: number | null;
  transfers: number;
}
