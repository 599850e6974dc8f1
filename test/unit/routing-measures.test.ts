import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FactJournal } from '../../device/bus.js';
import { KpiDays, KpiReports, metricsTables } from '../../device/metrics/index.js';
import type { ServiceSessionRecord } from '../../device/store/index.js';
import { roundFigure } from '../../protocol/index.js';
import { openTestJournal } from '../helpers/journal.js';
import { arraySources } from '../helpers/kpi-sources.js';
import { craftedSession } from '../helpers/sessions.js';

const T0 = Date.parse('2026-11-20T09:00:00Z');
const DAY_MS = 86_400_000;
const at = (seconds: number, day = 0) => new Date(T0 + day * DAY_MS + seconds * 1000).toISOString();
const decision = { at: at(1), text: 'q', kind: 'queue' as const, label: 'x.y.z', confidence: 0.9, candidates: [], route: { skill: 's', vipLine: false, priority: 0 }, rules: [], explanation: '' };

function session(overrides: Partial<ServiceSessionRecord>, day = 0): ServiceSessionRecord {
  return craftedSession(crypto.randomUUID(), at(0, day), { kioskId: 'k', decisions: [decision], ...overrides });
}

const wrap = (confirmed: boolean, day = 0) => ({ routedLabel: 'x.y.z', label: confirmed ? 'x.y.z' : 'x.y.other', confirmed, resolved: true, by: 'a', at: at(300, day) });

let journal: FactJournal;
let sources: ReturnType<typeof arraySources>;
let days: KpiDays;
let now: number;
let reports: KpiReports;
beforeEach(async () => {
  ({ journal } = await openTestJournal([metricsTables]));
  sources = arraySources();
  days = new KpiDays(journal, sources, { recordRetentionDays: 730 });
  reports = new KpiReports(sources, days, { listKiosks: () => [], listUsers: () => [] }, () => now);
});
afterEach(() => journal.close());

describe('routing measures from stored sessions', () => {
  it('counts a bot answer or an agent within 30 s as a response, and waits 30 s before counting an open one as a miss', () => {
    sources.data.sessions.push(
      session({ botAnsweredAt: at(2), firstResponseAt: at(2) }),
      session({ queuedAt: at(3), agentAnsweredAt: at(30), firstResponseAt: at(30), wrapUp: wrap(true) }),
      session({ queuedAt: at(3), agentAnsweredAt: at(95), firstResponseAt: at(95), wrapUp: wrap(false) }),
      session({ queuedAt: at(3), abandonedAt: at(50) }),
      // Nothing asked, nothing queued: a visit that never became a request.
      session({ decisions: [] }),
    );
    now = T0 + 120_000;
    expect(reports.measures()).toEqual({ sessions: 4, responseRate30s: 0.5, reviewed: 2, matchingAccuracy: 0.5, abandoned: 1 });
  });

  it('does not count a session still inside its first 30 s without an answer', () => {
    now = T0;
    expect(reports.measures()).toEqual({ sessions: 0, responseRate30s: null, reviewed: 0, matchingAccuracy: null, abandoned: 0 });
    sources.data.sessions.push(session({ queuedAt: at(1) }));
    now = T0 + 10_000;
    expect(reports.measures()).toMatchObject({ sessions: 0, responseRate30s: null });
    now = T0 + 31_000;
    expect(reports.measures()).toMatchObject({ sessions: 1, responseRate30s: 0 });
  });

  it('keeps counting every session there has been once the records of the rolled-up days are gone', async () => {
    sources.data.sessions.push(
      session({ botAnsweredAt: at(2), firstResponseAt: at(2), wrapUp: wrap(true) }),
      session({ queuedAt: at(3), abandonedAt: at(50) }),
      session({ queuedAt: at(3), agentAnsweredAt: at(20), firstResponseAt: at(20), wrapUp: wrap(false, 20) }, 20),
    );
    now = T0 + 21 * DAY_MS;
    const before = reports.measures();
    expect(before).toEqual({ sessions: 3, responseRate30s: roundFigure(2 / 3), reviewed: 2, matchingAccuracy: 0.5, abandoned: 1 });
    expect(await days.rollUpFinishedDays(now)).toBeGreaterThan(0);
    // The record retention deletes the first day's sessions; the third is not rolled up yet.
    sources.data.sessions.splice(0, 2);
    expect(reports.measures()).toEqual(before);
  });
});
