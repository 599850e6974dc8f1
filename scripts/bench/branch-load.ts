/**
 * One day of a busy branch, as the records the appliance keeps: 300 kiosk visits, 120 of them a
 * five-minute video call with a few chat lines, about one emotion reading a second of each call (face every 2 s and more on micro-expressions, plus the
 * customer's text and voice signals), some alerts, talk statistics, 3 recommendations shown per call,
 * a scorecard per session, and a knowledge ticket now and then. Used by `bench:store` to build N days.
 */
import type { CallRecord, KbExposure, KbTicket, QaScorecardRecord, SenseAlert, SenseCallStats, SenseEvent, ServiceSessionRecord } from '../../device/store/index.js';

export const VISITS_PER_DAY = 300;
export const CALLS_PER_DAY = 120;
const CALL_MS = 5 * 60_000;
// The appliance keeps a face reading every 2 s, and more when micro-expressions show; with the voice and
// text signals that is about one reading a second of call.
const FACE_EVERY_MS = 1000;
const OPEN_HOURS = 10;

export interface BranchDay {
  sessions: ServiceSessionRecord[];
  calls: CallRecord[];
  senseEvents: SenseEvent[];
  senseAlerts: SenseAlert[];
  senseCallStats: SenseCallStats[];
  exposures: KbExposure[];
  tickets: KbTicket[];
  scorecards: QaScorecardRecord[];
}

let state = 7;
const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
const iso = (ms: number) => new Date(ms).toISOString();

const LABELS = ['card_lost', 'card_fraud', 'refund_status', 'delivery_late', 'tuition_payment', 'account_open', 'loan_rate', 'branch_hours'];
const SKILLS = ['cards', 'orders', 'education', 'accounts', 'loans', 'general'];
const TEXTS = ['我的卡不見了', '包裹還沒到，已經一個星期了', 'I was charged twice for the same order', '学费怎么交', '你們太慢了！', 'Thanks, that helps', '請問分行幾點開門', 'my card was declined at the shop'];
const LANGS = ['zh-Hant', 'zh-Hans', 'en'] as const;
const LOC = { 'zh-Hant': '先承認客戶的感受', 'zh-Hans': '先承认客户的感受', en: "Acknowledge the customer's feeling" };

/** The records of day `day` (0-based) of a branch whose first day starts at `firstDayMs` (midnight UTC). */
export function branchDay(firstDayMs: number, day: number, agents: readonly string[], articleIds: readonly string[]): BranchDay {
  const out: BranchDay = { sessions: [], calls: [], senseEvents: [], senseAlerts: [], senseCallStats: [], exposures: [], tickets: [], scorecards: [] };
  const opens = firstDayMs + day * 86_400_000 + 9 * 3_600_000;
  for (let v = 0; v < VISITS_PER_DAY; v++) {
    const id = `d${day}-v${v}`;
    const start = opens + Math.floor((v / VISITS_PER_DAY) * OPEN_HOURS * 3_600_000);
    const withCall = v % Math.round(VISITS_PER_DAY / CALLS_PER_DAY) === 0 && out.calls.length < CALLS_PER_DAY;
    const label = pick(LABELS);
    const skill = pick(SKILLS);
    const lang = pick(LANGS);
    const text = pick(TEXTS);
    const agentId = withCall ? pick(agents) : null;
    const callId = withCall ? `${id}-c` : null;
    const answered = start + 5000 + Math.floor(random() * 40_000);
    const ended = answered + CALL_MS;
    out.sessions.push({
      id,
      kioskId: `kiosk-${v % 4}`,
      lang,
      startedAt: iso(start),
      customer: v % 5 === 0 ? { id: `customer-${v % 97}`, tier: v % 25 === 0 ? 'vip' : 'standard' } : null,
      decisions: [
        {
          at: iso(start),
          text,
          kind: withCall ? 'queue' : 'bot',
          label,
          confidence: 0.5 + random() / 2,
          candidates: [{ label, confidence: 0.8 }, { label: pick(LABELS), confidence: 0.1 }, { label: pick(LABELS), confidence: 0.05 }],
          route: { skill, vipLine: false, priority: 0 },
          rules: withCall ? ['agent-tier'] : ['bot-tier'],
          explanation: withCall ? `routed to ${skill}` : 'answered by the bot',
        },
      ],
      botAnsweredAt: withCall ? null : iso(start + 300),
      callId,
      queuedAt: withCall ? iso(start + 200) : null,
      agentAnsweredAt: withCall ? iso(answered) : null,
      firstResponseAt: iso(withCall ? answered : start + 300),
      abandonedAt: null,
      escalatedAt: null,
      wrapUp: withCall ? { routedLabel: label, label, confirmed: random() < 0.9, resolved: random() < 0.8, by: agentId!, at: iso(ended + 20_000) } : null,
      survey: random() < 0.4 ? { stars: 1 + Math.floor(random() * 5), recommend: Math.floor(random() * 11), at: iso((withCall ? ended : start) + 30_000) } : null,
    });
    out.scorecards.push({
      id: `${id}-qa`,
      sessionId: id,
      callId,
      agentId,
      formVersion: 1,
      at: iso((withCall ? ended : start) + 60_000),
      total: Math.round(50 + random() * 50),
      items: [
        { sectionId: 'open', questionId: 'greet', title: 'Greets the customer', weight: 10, score: random() < 0.9 ? 1 : 0, evidence: [{ atSeconds: 2, quote: '您好' }] },
        { sectionId: 'solve', questionId: 'solved', title: 'Solves the problem', weight: 30, score: random(), evidence: [] },
        { sectionId: 'mood', questionId: 'calm', title: 'Keeps the customer calm', weight: 20, score: random(), evidence: [{ signal: 'valence -0.4' }] },
      ],
      overrides: [],
      disputes: [],
    });
    if (!withCall) continue;
    out.calls.push({
      id: callId!,
      kioskId: `kiosk-${v % 4}`,
      sessionId: id,
      skill,
      agentId,
      lang,
      requestedAt: iso(start + 200),
      answeredAt: iso(answered),
      endedAt: iso(ended),
      endReason: 'agent-ended',
      chat: [
        { from: 'customer', text, at: iso(answered + 10_000) },
        { from: 'agent', text: '好的，我幫您查一下', at: iso(answered + 20_000) },
        { from: 'customer', text: 'ok thanks', at: iso(answered + 90_000) },
      ],
      recording: null,
    });
    let valence = 0;
    for (let t = 0; t < CALL_MS; t += FACE_EVERY_MS) {
      valence = Math.max(-1, Math.min(1, valence + (random() - 0.52) * 0.2));
      out.senseEvents.push({
        sessionId: id,
        callId,
        at: iso(answered + t),
        channel: t % 30_000 === 0 ? 'voice' : 'face',
        signal: { valence: Math.round(valence * 1000) / 1000, arousal: Math.round(random() * 1000) / 1000 },
        fused: { valence: Math.round(valence * 900) / 1000, arousal: 0.4, label: valence < -0.3 ? 'frustrated' : 'neutral' },
        evidence: `face ${valence < 0 ? 'sad' : 'neutral'} ${Math.round(random() * 100)}%, yaw ${Math.round(random() * 20)}°`,
      });
    }
    if (random() < 0.3) {
      out.senseAlerts.push({ id: `${id}-alert`, sessionId: id, callId, at: iso(answered + 60_000), level: random() < 0.3 ? 'red' : 'amber', rule: 'fused-negative', reason: 'customer frustrated (valence -0.45)', suggestion: LOC, evidence: { channel: 'face', detail: 'face sad 71%' } });
    }
    out.senseCallStats.push({ callId: callId!, sessionId: id, at: iso(ended), customerTalkMs: 110_000, agentTalkMs: 130_000, silenceMs: 50_000, overlapMs: 3000, overlaps: 4 });
    for (let rank = 1; rank <= 3; rank++) {
      out.exposures.push({ id: `${id}-x${rank}`, articleId: pick(articleIds), version: 1, sessionId: id, intent: label, customerId: null, audience: 'agent', rank, at: iso(answered + 15_000), outcome: rank === 1 ? 'success' : null, outcomeBy: rank === 1 ? 'agent' : null, outcomeAt: rank === 1 ? iso(ended) : null });
    }
    if (v % 30 === 0) {
      out.tickets.push({ id: `${id}-t`, number: day * 20 + v / 30 + 1, question: text, intent: label, lang, origin: 'unresolved-call', sessionId: id, status: 'resolved', assignee: null, createdAt: iso(ended), dueAt: iso(ended + 48 * 3_600_000), comments: [], warnings: [], resolvedAt: iso(ended + 3_600_000), resolution: { articleId: pick(articleIds), how: 'linked', by: 'admin' } });
    }
  }
  return out;
}
