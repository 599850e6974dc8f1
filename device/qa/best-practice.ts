import { normalizeText, words } from '../../models/intent/src/features.js';

/** What the miner needs of one session. */
export interface MinedSession {
  agentId: string;
  /** Intent group, e.g. `finance.cards`. */
  group: string;
  agentLines: string[];
  resolved: boolean | null;
  csat: number | null;
  /** End minus start valence of the customer's emotion. */
  emotionDelta: number | null;
}

export interface Phrase {
  phrase: string;
  /** Share of the top agents' sessions in the group that contain it, and of everyone else's. */
  topRate: number;
  restRate: number;
}

export interface Handbook {
  topAgents: { agentId: string; outcome: number; sessions: number }[];
  groups: { group: string; sessions: number; phrases: Phrase[] }[];
}

const MIN_SESSIONS_PER_AGENT = 5;
const MIN_SUPPORT = 3;
const MIN_TOP_RATE = 0.4;
const MIN_LIFT = 0.3;
/** A phrase more than this share of the other agents also use is what everyone says, not a best practice. */
const MAX_REST_RATE = 0.3;
const PER_GROUP = 10;
const CJK = /\p{Script=Han}/u;

/** Outcome of one session, 0-1: resolution counts most, then satisfaction, then a calmer customer. */
function outcome(s: MinedSession): number {
  const resolved = s.resolved === null ? 0.5 : s.resolved ? 1 : 0;
  const csat = s.csat === null ? 0.5 : (s.csat - 1) / 4;
  const calmer = s.emotionDelta === null ? 0.5 : Math.min(1, Math.max(0, 0.5 + s.emotionDelta / 2));
  return 0.5 * resolved + 0.3 * csat + 0.2 * calmer;
}

/** Candidate phrases of a line: English word 2-4-grams, Chinese character 3-6-grams (both scripts folded). */
function phrasesOf(line: string): Set<string> {
  const out = new Set<string>();
  const text = normalizeText(line);
  const tokens = words(text).filter((t) => !CJK.test(t));
  for (let n = 2; n <= 4; n++) for (let i = 0; i + n <= tokens.length; i++) out.add(tokens.slice(i, i + n).join(' '));
  for (const run of text.match(/\p{Script=Han}+/gu) ?? []) {
    for (let n = 3; n <= 6; n++) for (let i = 0; i + n <= run.length; i++) out.add(run.slice(i, i + n));
  }
  return out;
}

/**
 * Extends a phrase word by word (English) or character by character (Chinese) with what most often
 * follows or precedes it, as long as nearly as many of the best agents' sessions still contain it.
 */
function grow(seed: string, sessions: string[][]): string {
  const support = (p: string) => sessions.filter((lines) => lines.some((l) => l.includes(p))).length;
  const base = support(seed);
  let phrase = seed;
  for (const direction of ['after', 'before'] as const) {
    for (let steps = 0; steps < 40; steps++) {
      const options = new Map<string, number>();
      for (const lines of sessions) {
        for (const line of lines) {
          const at = line.indexOf(phrase);
          if (at < 0) continue;
          const piece = direction === 'after' ? /^(\p{Script=Han}|\s?[^\s\p{P}]+)/u.exec(line.slice(at + phrase.length))?.[0] : /(\p{Script=Han}|[^\s\p{P}]+\s?)$/u.exec(line.slice(0, at))?.[0];
          if (piece && (CJK.test(phrase) ? CJK.test(piece) && piece.length === 1 : !CJK.test(piece))) options.set(piece, (options.get(piece) ?? 0) + 1);
        }
      }
      const best = [...options].sort((a, b) => b[1] - a[1])[0];
      if (!best) break;
      const next = direction === 'after' ? phrase + best[0] : best[0] + phrase;
      if (support(next) < base * 0.9) break;
      phrase = next;
    }
  }
  return phrase;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const list = groups.get(key(item));
    if (list) list.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

/**
 * The phrasing that distinguishes the best agents: agents ranked by the outcome of their sessions, the
 * top 10% (at least one) taken, and per intent group the phrases their sessions use far more often than
 * everyone else's. Phrases everybody uses are left out; of overlapping phrases the longest is kept.
 */
export function mineBestPractice(sessions: readonly MinedSession[]): Handbook {
  const byAgent = groupBy(sessions, (s) => s.agentId);
  const ranked = [...byAgent]
    .filter(([, list]) => list.length >= MIN_SESSIONS_PER_AGENT)
    .map(([agentId, list]) => ({ agentId, outcome: list.reduce((sum, s) => sum + outcome(s), 0) / list.length, sessions: list.length }))
    .sort((a, b) => b.outcome - a.outcome);
  const topAgents = ranked.slice(0, Math.max(1, Math.ceil(ranked.length * 0.1)));
  const top = new Set(topAgents.map((a) => a.agentId));
  const groups = groupBy(sessions.filter((s) => byAgent.get(s.agentId)!.length >= MIN_SESSIONS_PER_AGENT), (s) => s.group);

  const result: Handbook['groups'] = [];
  for (const [group, list] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const topSessions = list.filter((s) => top.has(s.agentId));
    const restSessions = list.filter((s) => !top.has(s.agentId));
    if (topSessions.length < MIN_SUPPORT || restSessions.length === 0) continue;
    const count = (pool: MinedSession[]) => {
      const counts = new Map<string, number>();
      for (const s of pool) for (const p of new Set(s.agentLines.flatMap((l) => [...phrasesOf(l)]))) counts.set(p, (counts.get(p) ?? 0) + 1);
      return counts;
    };
    const topCounts = count(topSessions);
    const restCounts = count(restSessions);
    const candidates: Phrase[] = [];
    for (const [phrase, n] of topCounts) {
      const topRate = n / topSessions.length;
      const restRate = (restCounts.get(phrase) ?? 0) / restSessions.length;
      if (n >= MIN_SUPPORT && topRate >= MIN_TOP_RATE && topRate - restRate >= MIN_LIFT && restRate <= MAX_REST_RATE) candidates.push({ phrase, topRate, restRate });
    }
    // N-grams are fragments: grow each into the whole phrase the best agents say, then keep the longest.
    const topLines = topSessions.map((s) => s.agentLines.map(normalizeText));
    const restLines = restSessions.map((s) => s.agentLines.map(normalizeText));
    const rate = (pool: string[][], phrase: string) => pool.filter((lines) => lines.some((l) => l.includes(phrase))).length / pool.length;
    const grown = new Map<string, Phrase>();
    for (const c of candidates) {
      const phrase = grow(c.phrase, topLines);
      grown.set(phrase, { phrase, topRate: rate(topLines, phrase), restRate: rate(restLines, phrase) });
    }
    const kept = [...grown.values()]
      .filter((p) => p.topRate >= MIN_TOP_RATE && p.topRate - p.restRate >= MIN_LIFT)
      .sort((a, b) => b.phrase.length - a.phrase.length)
      .filter((p, i, all) => !all.slice(0, i).some((longer) => longer.phrase.includes(p.phrase)));
    kept.sort((a, b) => b.topRate - b.restRate - (a.topRate - a.restRate) || b.phrase.length - a.phrase.length);
    result.push({ group, sessions: list.length, phrases: kept.slice(0, PER_GROUP) });
  }
  return { topAgents, groups: result };
}

/** The handbook as a Markdown page, agents named by `name`. */
export function handbookMarkdown(handbook: Handbook, name: (agentId: string) => string, generatedAt: string): string {
  const lines = [
    '# Best-practice handbook',
    '',
    `Generated ${generatedAt} from quality-inspected sessions.`,
    '',
    '## Top agents',
    '',
    ...handbook.topAgents.map((a) => `- ${name(a.agentId)}: outcome ${(a.outcome * 100).toFixed(0)} over ${a.sessions} sessions`),
    '',
  ];
  for (const group of handbook.groups) {
    lines.push(`## ${group.group} (${group.sessions} sessions)`, '');
    if (group.phrases.length === 0) lines.push('No phrasing sets the best agents apart here yet.', '');
    for (const p of group.phrases) lines.push(`- "${p.phrase}": used in ${(p.topRate * 100).toFixed(0)}% of the best agents' sessions, ${(p.restRate * 100).toFixed(0)}% of the others'`);
    lines.push('');
  }
  return lines.join('\n');
}
