import { createHash } from 'node:crypto';
import type { DurableStream, RecordData, SessionKpiFacts } from '../../protocol/index.js';

/** The streams a simulated device fills, in turns: one session's KPI facts, then its scorecard. */
export const SIMULATED_STREAMS = ['session', 'scorecard'] as const satisfies readonly DurableStream[];
export type SimulatedStream = (typeof SIMULATED_STREAMS)[number];

/** A record id that is the same every time the record is sent: a version-5 style UUID of the device, stream and number. */
export function recordId(deviceId: string, stream: string, seq: number): string {
  const h = createHash('sha1').update(`${deviceId}/${stream}/${seq}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

/** Session `n` of a simulated device: varied enough that every KPI has a value, and the same on every run. */
export function simulatedFacts(deviceId: string, n: number): SessionKpiFacts {
  const answered = n % 7 !== 0;
  return {
    sessionId: `${deviceId}-s${n}`,
    kioskId: `${deviceId}-kiosk`,
    startedAt: new Date(Date.UTC(2026, 11, 1, 8, 0, 0) + n * 60_000).toISOString(),
    skill: n % 2 === 0 ? 'cards' : 'loans',
    agents: answered ? (n % 11 === 0 ? ['a1', 'a2'] : ['a1']) : [],
    firstResponseSeconds: answered ? (n * 7) % 60 : null,
    responseDue: true,
    asked: true,
    queued: true,
    abandoned: !answered,
    handleSeconds: answered ? 60 + (n % 5) * 30 : 0,
    wrapUp: answered ? { resolved: n % 4 !== 0, confirmed: n % 3 !== 0 } : null,
    transferred: answered && n % 11 === 0,
    reopened: false,
    identified: n % 2 === 0,
    repeated: n % 10 === 0,
    scorecardTotals: answered ? [40 + ((n * 13) % 60)] : [],
    stars: answered ? 1 + (n % 5) : null,
    recommend: answered ? n % 11 : null,
  };
}

/** Record `seq` of `stream` on a simulated device. */
export function simulatedData(deviceId: string, stream: SimulatedStream, seq: number): RecordData<SimulatedStream> {
  if (stream === 'session') return { event: 'facts', ...simulatedFacts(deviceId, seq) };
  const facts = simulatedFacts(deviceId, seq);
  return { scorecardId: `${facts.sessionId}-qa`, sessionId: facts.sessionId, agentId: facts.agents[0] ?? null, total: facts.scorecardTotals[0] ?? null, formVersion: 1 };
}

/** How many records of each stream a device with `total` records sends: the session stream gets the odd one. */
export function perStream(total: number): Record<SimulatedStream, number> {
  return { session: Math.ceil(total / 2), scorecard: Math.floor(total / 2) };
}
