import type { CallRecord, KbExposure, SenseAlert, SenseCallStats, ServiceSessionRecord } from '../store/index.js';
import type { Message, SessionFacts } from './facts.js';

/**
 * A speech-to-text engine: what was said in a call, per side, with times. None ships (no offline model
 * is available from the registries here); the form reads chat without it.
 */
export interface SpeechToText {
  transcript(callId: string): Message[] | null;
}

/** The other modules' interfaces quality inspection reads a session through. */
export interface FactsDeps {
  speech: SpeechToText | null;
  session(sessionId: string): ServiceSessionRecord | null;
  calls(sessionId: string): CallRecord[];
  exposures(sessionId: string): KbExposure[];
  recommendable(articleId: string): boolean;
  ticketOpened(sessionId: string): boolean;
  /** The customer's valence at the first and last emotion reading of a call, when it had two or more. */
  emotion(callId: string): { startValence: number; endValence: number } | null;
  alerts(sessionId: string): SenseAlert[];
  talk(callId: string): SenseCallStats | null;
}

/** The facts of one session; the last answered call is the one inspected, each earlier one a transfer. */
export function gatherFacts(deps: FactsDeps, sessionId: string): SessionFacts | null {
  const session = deps.session(sessionId);
  if (!session) return null;
  const answered = deps.calls(sessionId).filter((c) => c.answeredAt);
  const call = answered.at(-1) ?? null;
  const answeredAt = call?.answeredAt ? Date.parse(call.answeredAt) : null;
  const since = (at: string) => (answeredAt === null ? 0 : Date.parse(at) - answeredAt);
  const messages: Message[] = (call?.chat ?? []).map((m) => ({ from: m.from, text: m.text, atMs: since(m.at) }));
  const routed = session.decisions.filter((d) => d.label).at(-1);
  return {
    sessionId,
    callId: call?.id ?? null,
    agentId: call?.agentId ?? null,
    lang: session.lang,
    waitMs: call?.answeredAt ? Date.parse(call.answeredAt) - Date.parse(call.requestedAt) : null,
    handleMs: call?.answeredAt && call.endedAt ? Date.parse(call.endedAt) - Date.parse(call.answeredAt) : null,
    endReason: call?.endReason ?? null,
    messages,
    transcript: call && deps.speech ? deps.speech.transcript(call.id) : null,
    customerIdentified: session.customer !== null,
    routing: routed ? { label: routed.label, confirmed: session.wrapUp?.confirmed ?? null } : null,
    resolved: session.wrapUp?.resolved ?? null,
    solutions: deps
      .exposures(sessionId)
      .filter((e) => e.audience === 'agent')
      .map((e) => ({ articleId: e.articleId, recommendable: deps.recommendable(e.articleId), outcome: e.outcome })),
    ticketOpened: deps.ticketOpened(sessionId),
    emotion: call ? deps.emotion(call.id) : null,
    talk: call ? deps.talk(call.id) : null,
    alerts: deps.alerts(sessionId).map((a) => ({ atMs: since(a.at) })),
    // The kiosk asks after the call; a rating that came before the inspection counts.
    csat: session.survey?.stars ?? null,
    transfers: Math.max(0, answered.length - 1),
  };
}
