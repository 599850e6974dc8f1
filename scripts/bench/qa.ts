/**
 * npm run -s bench:qa -- --sessions 10000
 *
 * Scores that many generated sessions (chat in zh-Hant, zh-Hans and en, talk statistics, emotion,
 * knowledge, outcomes; some parts missing, as in real sessions) on the default form, on one core.
 * Progress on stderr; the last line of stdout is one JSON object.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_FORM, scoreSession, type Message, type SessionFacts } from '../../device/qa/index.js';

const { values } = parseArgs({ options: { sessions: { type: 'string', default: '10000' } }, strict: true });
const count = Number(values.sessions);
if (!Number.isInteger(count) || count < 1) {
  process.stderr.write('usage: npm run -s bench:qa -- --sessions N\n');
  process.exit(2);
}

let state = 11;
const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
const AGENT = ['您好，歡迎光臨，請問需要什麼協助？', '您好，欢迎光临，请问需要什么帮助？', 'Hello and welcome, how can I help?', '非常抱歉讓您久等了', '我理解您的心情', 'I understand, let me check that for you.', '請問還有其他需要嗎？', 'Is there anything else I can help with?', '謝謝您，再見', 'Thank you, goodbye!', '這不關我的事', 'Please hold on.'];
const CUSTOMER = ['我的卡不見了', '包裹還沒到', 'I was charged twice', '学费怎么交', '你們太慢了！', 'Thanks, that helps'];

function session(i: number): SessionFacts {
  const messages: Message[] = [];
  let at = 2000;
  for (let k = 0, n = 3 + Math.floor(random() * 10); k < n; k++) {
    at += 2000 + random() * 20_000;
    messages.push({ from: random() < 0.55 ? 'agent' : 'customer', text: random() < 0.55 ? pick(AGENT) : pick(CUSTOMER), atMs: at });
  }
  const handleMs = at + 5000;
  const resolved = random() < 0.75;
  return {
    sessionId: `s${i}`,
    callId: `c${i}`,
    agentId: `agent-${i % 40}`,
    lang: pick(['zh-Hant', 'zh-Hans', 'en'] as const),
    waitMs: random() * 90_000,
    handleMs,
    endReason: 'agent-ended',
    messages,
    transcript: null,
    customerIdentified: random() < 0.3,
    routing: random() < 0.9 ? { label: 'x.y.z', confirmed: random() < 0.8 } : null,
    resolved,
    solutions: Array.from({ length: 3 }, (_, k) => ({ articleId: `art-${k}`, recommendable: random() < 0.95, outcome: k === 0 && random() < 0.6 ? ('success' as const) : null })),
    ticketOpened: !resolved && random() < 0.7,
    emotion: random() < 0.8 ? { startValence: random() * 2 - 1, endValence: random() * 2 - 1 } : null,
    talk: random() < 0.8 ? { customerTalkMs: handleMs * 0.4, agentTalkMs: handleMs * 0.4, silenceMs: handleMs * random() * 0.4, overlaps: Math.floor(random() * 5) } : null,
    alerts: random() < 0.2 ? [{ atMs: handleMs / 2 }] : [],
    csat: random() < 0.6 ? 1 + Math.floor(random() * 5) : null,
    transfers: random() < 0.1 ? 1 : 0,
  };
}

const form = { ...DEFAULT_FORM, version: 1, createdAt: new Date().toISOString(), createdBy: 'bench' };
process.stderr.write(`generating ${count} sessions\n`);
const sessions = Array.from({ length: count }, (_, i) => session(i));
for (const s of sessions.slice(0, 200)) scoreSession(form, s);
const times: number[] = [];
let checksum = 0;
const started = performance.now();
for (const s of sessions) {
  const t = performance.now();
  checksum += scoreSession(form, s).total ?? 0;
  times.push(performance.now() - t);
}
const seconds = (performance.now() - started) / 1000;
times.sort((a, b) => a - b);
const round = (v: number) => Math.round(v * 1000) / 1000;
process.stdout.write(
  `${JSON.stringify({ sessions: count, sessionsPerSecond: Math.round(count / seconds), msPerSessionP50: round(times[Math.floor(count * 0.5)]!), msPerSessionP99: round(times[Math.min(count - 1, Math.floor(count * 0.99))]!), meanTotal: round(checksum / count) })}\n`,
);
