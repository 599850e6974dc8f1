import { describe, expect, it } from 'vitest';
import { EmotionSensing, loadRules, SenseRepository, senseTables, TextSentiment } from '../../device/sense/index.js';
import type { SenseAlert, SenseCallStats, SenseEvent } from '../../device/store/index.js';
import { openTestJournal } from '../helpers/journal.js';
import { fullScans, statementsOf } from '../helpers/query-plan.js';

const LEXICON = new URL('../../models/sense/lexicon.json', import.meta.url).pathname;
const RULES = new URL('../../models/sense/rules.json', import.meta.url).pathname;
const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const SUGGESTION = { 'zh-Hant': '先承認客戶的感受', 'zh-Hans': '先承认客户的感受', en: "Acknowledge the customer's feeling" };

const event = (sessionId: string, callId: string | null, at: number, valence: number, label = 'calm', channel: SenseEvent['channel'] = 'face'): SenseEvent => ({
  sessionId,
  callId,
  at: iso(at),
  channel,
  signal: { valence, arousal: 0.3 },
  fused: { valence, arousal: 0.4, label },
  evidence: `face at ${at}`,
});
const alert = (id: string, sessionId: string, at: number): SenseAlert => ({ id, sessionId, callId: null, at: iso(at), level: 'amber', rule: 'negative-words', reason: 'text: negative words', suggestion: SUGGESTION, evidence: { channel: 'text', detail: '"too slow"' } });
const stats = (callId: string, at: number): SenseCallStats => ({ callId, sessionId: `s-${callId}`, at: iso(at), customerTalkMs: 110_000, agentTalkMs: 130_000, silenceMs: 50_000, overlapMs: 3000, overlaps: 4 });

async function sensing(now = () => NOW) {
  const { journal, bus } = await openTestJournal([senseTables]);
  const hub = new EmotionSensing(journal, bus, new TextSentiment(LEXICON), loadRules(RULES), () => true, now);
  return { journal, bus, hub, repo: new SenseRepository(journal) };
}

describe('sense repository', () => {
  it('stores a reading with its alerts and announces both in the same transaction, the bus after the commit', async () => {
    const { journal, bus, hub, repo } = await sensing();
    const inside: string[] = [];
    journal.inTransaction('sense.state', (e) => void inside.push(`state ${e.channel} stored ${repo.timeline(e.sessionId).length}`));
    journal.inTransaction('sense.alert', (e) => void inside.push(`alert ${e.alert.rule} stored ${repo.alertsOf(e.alert.sessionId).length}`));
    const heard: string[] = [];
    bus.on('sense.state', (e) => void heard.push(`state ${e.fused.label}`));
    bus.on('sense.alert', (e) => void heard.push(`alert ${e.alert.level}`));
    const alerts = await hub.onText({ sessionId: 's1', callId: 'c1', kioskId: 'k1' }, '我要投訴！你們太慢了，非常失望！');
    expect(alerts.length).toBeGreaterThan(0);
    expect(inside).toEqual(['state text stored 1', ...alerts.map((a) => `alert ${a.rule} stored ${alerts.length}`)]);
    expect(heard[0]).toMatch(/^state /);
    expect(heard.slice(1)).toEqual(alerts.map((a) => `alert ${a.level}`));
    const [stored] = repo.timeline('s1');
    expect(stored).toMatchObject({ sessionId: 's1', callId: 'c1', at: iso(NOW), channel: 'text', evidence: expect.stringContaining('投訴') });
    expect(stored!.fused.valence).toBeLessThan(0);
    expect(repo.alertsOf('s1')).toEqual(alerts);
    journal.close();
  });

  it('changes nothing when the write fails: no reading, no alert, no announcement, and the alert can be raised again', async () => {
    const { journal, bus, hub, repo } = await sensing();
    let refuse = true;
    journal.inTransaction('sense.alert', () => {
      if (refuse) throw new Error('outbox refused');
    });
    const heard: string[] = [];
    bus.on('sense.state', () => void heard.push('state'));
    bus.on('sense.alert', () => void heard.push('alert'));
    const ref = { sessionId: 's2', callId: null, kioskId: 'k1' };
    await expect(hub.onText(ref, 'I want to file a complaint, this is terrible')).rejects.toThrow('outbox refused');
    expect(repo.timeline('s2')).toEqual([]);
    expect(repo.alertsOf('s2')).toEqual([]);
    expect(heard).toEqual([]);
    refuse = false;
    const again = await hub.onText(ref, 'I want to file a complaint, this is terrible');
    expect(again.map((a) => a.rule)).toContain('explicit-trigger');
    expect(repo.alertsOf('s2').map((a) => a.rule)).toEqual(again.map((a) => a.rule));
    journal.close();
  });

  it('reads timelines, alerts, recent alerts, talk statistics and a call\'s first and last valence through indexes', async () => {
    const { journal, repo } = await sensing();
    await journal.write(() => {
      repo.insertReading(event('s1', null, NOW - 60_000, 0.1, 'calm', 'text'), [alert('a1', 's1', NOW - 60_000)]);
      repo.insertReading(event('s1', 'c1', NOW - 50_000, -0.2), []);
      repo.insertReading(event('s1', 'c1', NOW - 40_000, -0.5, 'upset'), [alert('a2', 's1', NOW - 40_000)]);
      repo.insertReading(event('s2', 'c2', NOW - 30_000, 0.4, 'positive'), [alert('a3', 's2', NOW - 30_000)]);
      repo.insertCallStats(stats('c1', NOW));
    });
    expect(repo.timeline('s1').map((e) => e.fused.valence)).toEqual([0.1, -0.2, -0.5]);
    expect(repo.alertsOf('s1').map((a) => a.id)).toEqual(['a1', 'a2']);
    expect(repo.alertsOf('s1')[0]).toEqual(alert('a1', 's1', NOW - 60_000));
    expect(repo.recentAlerts(2).map((a) => a.id)).toEqual(['a3', 'a2']);
    expect(repo.recentAlerts(10, iso(NOW - 45_000)).map((a) => a.id)).toEqual(['a3', 'a2']);
    expect(repo.callStats('c1')).toEqual(stats('c1', NOW));
    expect(repo.callStats('c9')).toBeNull();
    expect(repo.callEmotion('c1')).toEqual({ startValence: -0.2, endValence: -0.5 });
    // One reading is no change.
    expect(repo.callEmotion('c2')).toBeNull();
    journal.close();
  });

  it('reads and deletes through indexes only: no statement of the repository reads a table whole', async () => {
    const { journal } = await openTestJournal([senseTables]);
    const { statements } = statementsOf(journal, () => new SenseRepository(journal));
    expect(statements.length).toBeGreaterThan(10);
    for (const sql of statements) expect(fullScans(journal, sql), sql).toEqual([]);
    expect(fullScans(journal, 'SELECT * FROM sense_events WHERE evidence = ?')).toEqual(['sense_events']);
    journal.close();
  });

  it('sums a session\'s emotion up from its readings: samples, means, the lowest valence, labels and its first call', async () => {
    const { journal, repo } = await sensing();
    expect(repo.emotionSummary('s1')).toBeNull();
    await journal.write(() => {
      repo.insertReading(event('s1', null, NOW - 60_000, 0.2, 'calm', 'text'), []);
      repo.insertReading(event('s1', 'c1', NOW - 50_000, -0.4, 'upset'), []);
      repo.insertReading(event('s1', 'c1', NOW - 40_000, -0.6, 'upset'), []);
      repo.insertReading(event('s1', 'c2', NOW - 30_000, 0.4, 'positive'), []);
      repo.insertReading(event('other', 'c3', NOW - 30_000, -1, 'angry'), []);
    });
    const summary = repo.emotionSummary('s1')!;
    expect(summary).toMatchObject({ callId: 'c1', samples: 4, minValence: -0.6, labels: { calm: 1, upset: 2, positive: 1 } });
    expect(summary.meanValence).toBeCloseTo(-0.1, 10);
    expect(summary.meanArousal).toBeCloseTo(0.4, 10);
    journal.close();
  });

  it('imports the sense records of a v7 store once, however often it is given them', async () => {
    const { journal, repo } = await sensing();
    const legacy = {
      senseEvents: [event('s1', 'c1', NOW - 2000, -0.1), event('s1', 'c1', NOW - 1000, -0.3, 'upset')],
      senseAlerts: [alert('a1', 's1', NOW - 1000)],
      senseCallStats: [stats('c1', NOW)],
    };
    expect(await journal.write(() => repo.importLegacy(legacy))).toBe(4);
    expect(await journal.write(() => repo.importLegacy(legacy))).toBe(0);
    expect(repo.timeline('s1')).toEqual(legacy.senseEvents);
    expect(repo.alertsOf('s1')).toEqual(legacy.senseAlerts);
    expect(repo.callStats('c1')).toEqual(legacy.senseCallStats[0]);
    journal.close();
  });

  it('prunes readings, alerts and talk statistics past their age, the oldest first, at most the limit in all', async () => {
    const { journal, repo } = await sensing();
    const cutoff = NOW - 90 * DAY;
    await journal.write(() => {
      for (let i = 0; i < 5; i++) repo.insertReading(event('old', 'c-old', cutoff - (i + 1) * 1000, 0), [alert(`old-${i}`, 'old', cutoff - (i + 1) * 1000)]);
      repo.insertCallStats(stats('c-old', cutoff - 1));
      repo.insertReading(event('edge', 'c-edge', cutoff, 0), [alert('edge', 'edge', cutoff)]);
      repo.insertCallStats(stats('c-edge', cutoff));
    });
    expect(await journal.write(() => repo.prune(iso(cutoff), 3))).toBe(3);
    // The three oldest readings went first.
    expect(repo.timeline('old').map((e) => e.at)).toEqual([iso(cutoff - 2000), iso(cutoff - 1000)]);
    expect(await journal.write(() => repo.prune(iso(cutoff), 4))).toBe(4);
    expect(repo.timeline('old')).toEqual([]);
    // Then the oldest alerts: the two oldest readings used up the rest of the limit.
    expect(repo.alertsOf('old').map((a) => a.id)).toEqual(['old-2', 'old-1', 'old-0']);
    expect(await journal.write(() => repo.prune(iso(cutoff), 100))).toBe(4);
    expect(await journal.write(() => repo.prune(iso(cutoff), 100))).toBe(0);
    expect(repo.alertsOf('old')).toEqual([]);
    expect(repo.callStats('c-old')).toBeNull();
    // Exactly as old as the cut-off is not past it.
    expect(repo.timeline('edge')).toHaveLength(1);
    expect(repo.alertsOf('edge')).toHaveLength(1);
    expect(repo.callStats('c-edge')).not.toBeNull();
    journal.close();
  });

  it('keeps talk statistics through the sensing service and forgets sessions idle for an hour', async () => {
    let now = NOW;
    const { journal, hub } = await sensing(() => now);
    const kept = await hub.recordCallStats('c1', 's1', { customerTalkMs: 1000, agentTalkMs: 2000, silenceMs: 300, overlapMs: 0, overlaps: 0 });
    expect(hub.callStats('c1')).toEqual(kept);
    // A complaint raises its alert once per cooldown.
    const ref = { sessionId: 's1', callId: null, kioskId: 'k1' };
    expect((await hub.onText(ref, 'I want to file a complaint, this is terrible')).map((a) => a.rule)).toContain('explicit-trigger');
    now += 1000;
    expect((await hub.onText(ref, 'I want to file a complaint, this is terrible')).map((a) => a.rule)).not.toContain('explicit-trigger');
    // After an idle hour the session starts from a calm state, like one never heard of.
    now += 3_600_000;
    await hub.onText(ref, 'thank you');
    await hub.onText({ ...ref, sessionId: 's-new' }, 'thank you');
    expect(hub.timeline('s1').at(-1)!.fused).toEqual(hub.timeline('s-new')[0]!.fused);
    journal.close();
  });
});
