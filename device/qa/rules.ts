import { normalizeText } from '../../models/intent/src/features.js';
import type { Message, SessionFacts } from './facts.js';
import type { Question, RuleKind } from './form.js';

export interface Evidence {
  /** Seconds into the call, when the evidence has a moment. */
  atSeconds?: number;
  quote?: string;
  signal?: string;
}

/** A question's result: 0-1, or null for "not applicable" when its input is missing. */
export interface RuleResult {
  score: number | null;
  evidence: Evidence[];
}

type Rule = (facts: SessionFacts, params: Question['params']) => RuleResult;

const NOT_APPLICABLE = (why: string): RuleResult => ({ score: null, evidence: [{ signal: why }] });
const pass = (ok: boolean, evidence: Evidence[]): RuleResult => ({ score: ok ? 1 : 0, evidence });
const seconds = (ms: number) => Math.round(ms / 100) / 10;
const quote = (m: Message): Evidence => ({ atSeconds: seconds(m.atMs), quote: m.text.slice(0, 160) });

/** What the agent said: chat, and the transcript when a speech-to-text engine gave one. */
function agentLines(facts: SessionFacts): Message[] {
  return [...facts.messages, ...(facts.transcript ?? [])].filter((m) => m.from === 'agent').sort((a, b) => a.atMs - b.atMs);
}

const normalizedPhrases = new WeakMap<readonly string[], string[]>();
/** Phrases matched after folding case and Traditional/Simplified, so one list serves all three scripts. */
function contains(text: string, phrases: readonly string[] = []): string | null {
  let folded = normalizedPhrases.get(phrases);
  if (!folded) normalizedPhrases.set(phrases, (folded = phrases.map(normalizeText)));
  const normalized = normalizeText(text);
  const index = folded.findIndex((p) => normalized.includes(p));
  return index >= 0 ? phrases[index]! : null;
}

function firstWith(lines: Message[], phrases: readonly string[] | undefined): Message | null {
  return lines.find((m) => contains(m.text, phrases)) ?? null;
}

const RULES: Record<RuleKind, Rule> = {
  greeting(facts, params) {
    const lines = agentLines(facts);
    if (lines.length === 0) return NOT_APPLICABLE('no agent chat or transcript');
    const hit = firstWith(lines, params.phrases);
    const inTime = hit !== null && hit.atMs <= (params.targetSeconds ?? 30) * 1000;
    return pass(inTime, hit ? [quote(hit)] : [{ signal: 'no greeting in what the agent said' }]);
  },
  identification(facts, params) {
    if (facts.customerIdentified) return pass(true, [{ signal: 'customer identified at the kiosk' }]);
    const lines = agentLines(facts);
    if (lines.length === 0) return NOT_APPLICABLE('customer not identified at the kiosk and no agent chat or transcript');
    const hit = firstWith(lines, params.phrases);
    return pass(hit !== null, hit ? [quote(hit)] : [{ signal: 'identity never checked' }]);
  },
  'time-to-answer'(facts, params) {
    if (facts.waitMs === null) return NOT_APPLICABLE('no agent answered');
    const target = (params.targetSeconds ?? 30) * 1000;
    return { score: facts.waitMs <= target ? 1 : Math.max(0, 1 - (facts.waitMs - target) / (2 * target)), evidence: [{ signal: `answered after ${seconds(facts.waitMs)} s` }] };
  },
  silence(facts, params) {
    if (!facts.talk || !facts.handleMs) return NOT_APPLICABLE('no talk statistics');
    const share = facts.talk.silenceMs / facts.handleMs;
    return pass(share <= (params.maxShare ?? 0.35), [{ signal: `silence ${Math.round(share * 100)}% of the call` }]);
  },
  interruptions(facts, params) {
    if (!facts.talk) return NOT_APPLICABLE('no talk statistics');
    return pass(facts.talk.overlaps <= (params.maxCount ?? 2), [{ signal: `${facts.talk.overlaps} overlaps of 200 ms or more` }]);
  },
  empathy(facts, params) {
    const lines = agentLines(facts);
    if (lines.length === 0) return NOT_APPLICABLE('no agent chat or transcript');
    const hit = firstWith(lines, params.phrases);
    return pass(hit !== null, hit ? [quote(hit)] : [{ signal: 'no empathy statement' }]);
  },
  'de-escalation'(facts, params) {
    if (facts.alerts.length === 0) return NOT_APPLICABLE('no emotion alert in this call');
    const first = Math.min(...facts.alerts.map((a) => a.atMs));
    const window = (params.targetSeconds ?? 60) * 1000;
    const hit = agentLines(facts).find((m) => m.atMs >= first && m.atMs <= first + window && contains(m.text, params.phrases));
    return pass(hit !== undefined, hit ? [{ signal: `alert at ${seconds(first)} s` }, quote(hit)] : [{ signal: `alert at ${seconds(first)} s, no de-escalation within ${window / 1000} s` }]);
  },
  'reply-coverage'(facts, params) {
    const asked = facts.messages.filter((m) => m.from === 'customer');
    if (asked.length === 0) return NOT_APPLICABLE('the customer wrote nothing');
    const window = (params.targetSeconds ?? 120) * 1000;
    const unanswered = asked.filter((q) => !facts.messages.some((m) => m.from === 'agent' && m.atMs >= q.atMs && m.atMs <= q.atMs + window));
    return { score: 1 - unanswered.length / asked.length, evidence: unanswered.length ? unanswered.map(quote) : [{ signal: `all ${asked.length} customer messages answered` }] };
  },
  'knowledge-used'(facts) {
    if (facts.solutions.length === 0) return NOT_APPLICABLE('no solutions were shown');
    const used = facts.solutions.filter((s) => s.outcome !== null);
    return pass(used.length > 0, [{ signal: `${used.length} of ${facts.solutions.length} shown solutions marked` }]);
  },
  'knowledge-accuracy'(facts) {
    const used = facts.solutions.filter((s) => s.outcome === 'success');
    if (used.length === 0) return NOT_APPLICABLE('no solution marked as the answer');
    const invalid = used.filter((s) => !s.recommendable);
    return pass(invalid.length === 0, invalid.length ? invalid.map((s) => ({ signal: `answered with article ${s.articleId}, no longer valid` })) : used.map((s) => ({ signal: `answered with valid article ${s.articleId}` })));
  },
  'required-phrases'(facts, params) {
    const lines = agentLines(facts);
    if (lines.length === 0) return NOT_APPLICABLE('no agent chat or transcript');
    const hit = firstWith(lines, params.phrases);
    return pass(hit !== null, hit ? [quote(hit)] : [{ signal: `none of: ${(params.phrases ?? []).join(', ')}` }]);
  },
  'prohibited-phrases'(facts, params) {
    const lines = agentLines(facts);
    if (lines.length === 0) return NOT_APPLICABLE('no agent chat or transcript');
    const bad = lines.filter((m) => contains(m.text, params.phrases));
    return pass(bad.length === 0, bad.length ? bad.map(quote) : [{ signal: 'no prohibited phrase' }]);
  },
  resolution(facts) {
    if (facts.resolved === null) return NOT_APPLICABLE('no wrap-up');
    return pass(facts.resolved, [{ signal: facts.resolved ? 'wrap-up: resolved' : 'wrap-up: unresolved' }]);
  },
  'ticket-when-unresolved'(facts) {
    if (facts.resolved !== false) return NOT_APPLICABLE('resolved, or no wrap-up');
    return pass(facts.ticketOpened, [{ signal: facts.ticketOpened ? 'knowledge ticket opened' : 'unresolved without a ticket' }]);
  },
  'routing-confirmed'(facts) {
    if (!facts.routing || facts.routing.confirmed === null) return NOT_APPLICABLE('no routed intent to confirm');
    return pass(true, [{ signal: facts.routing.confirmed ? `confirmed ${facts.routing.label}` : `corrected ${facts.routing.label}` }]);
  },
  transfers(facts, params) {
    if (facts.callId === null) return NOT_APPLICABLE('no call');
    return pass(facts.transfers <= (params.maxCount ?? 0), [{ signal: `${facts.transfers} transfers` }]);
  },
  closing(facts, params) {
    const lines = agentLines(facts);
    if (lines.length === 0) return NOT_APPLICABLE('no agent chat or transcript');
    const last = lines.slice(-2).find((m) => contains(m.text, params.phrases));
    return pass(last !== undefined, last ? [quote(last)] : [quote(lines.at(-1)!)]);
  },
  csat(facts, params) {
    if (facts.csat === null) return NOT_APPLICABLE('the customer gave no rating');
    return pass(facts.csat >= (params.minScore ?? 4), [{ signal: `CSAT ${facts.csat} of 5` }]);
  },
  'emotion-improved'(facts) {
    if (!facts.emotion) return NOT_APPLICABLE('no emotion readings');
    const { startValence, endValence } = facts.emotion;
    return pass(endValence >= startValence, [{ signal: `valence ${startValence.toFixed(2)} at the start, ${endValence.toFixed(2)} at the end` }]);
  },
  'handle-time'(facts, params) {
    if (facts.handleMs === null) return NOT_APPLICABLE('no call');
    const target = (params.targetSeconds ?? 600) * 1000;
    return { score: facts.handleMs <= target ? 1 : Math.max(0, 1 - (facts.handleMs - target) / target), evidence: [{ signal: `handled in ${seconds(facts.handleMs)} s` }] };
  },
};

export function applyRule(kind: RuleKind, facts: SessionFacts, params: Question['params']): RuleResult {
  return RULES[kind](facts, params);
}
