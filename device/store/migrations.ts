import { randomBytes } from 'node:crypto';
import type { CallRecord, InquiryRecord, KbExposure, KbIngestRun, KbTicket, QaScorecardRecord, SenseAlert, SenseCallStats, SenseEvent, ServiceSessionRecord } from './schema.js';

/**
 * A migration turns a store of version `to - 1` into version `to`. They run in order at open, so a store
 * written by any earlier build opens in this one. Append new ones; never edit a released one.
 */
export interface Migration {
  to: number;
  describe: string;
  /** This migration drops collections that moved to the journals: they are handed to the importer first. */
  journals?: boolean;
  up(data: Record<string, unknown>): void;
}

/** What grew with use in the JSON store up to schema v7 and lives in the journals (SQLite) since v8. */
export const LEGACY_JOURNAL_COLLECTIONS = ['inquiries', 'calls', 'serviceSessions', 'kbExposures', 'kbTickets', 'kbIngestRuns', 'senseEvents', 'senseAlerts', 'senseCallStats', 'qaScorecards'] as const;

export interface LegacyJournals {
  inquiries: InquiryRecord[];
  calls: CallRecord[];
  serviceSessions: ServiceSessionRecord[];
  kbExposures: KbExposure[];
  kbTickets: KbTicket[];
  kbIngestRuns: KbIngestRun[];
  senseEvents: SenseEvent[];
  senseAlerts: SenseAlert[];
  senseCallStats: SenseCallStats[];
  qaScorecards: QaScorecardRecord[];
}

export const MIGRATIONS: Migration[] = [
  {
    to: 1,
    describe: 'initial collections: users, kiosks, auth sessions, kiosk inquiries',
    up(data) {
      for (const name of ['users', 'kiosks', 'authSessions', 'inquiries']) {
        if (!Array.isArray(data[name])) data[name] = [];
      }
    },
  },
  {
    to: 2,
    describe: 'call records: kiosk, agent, queue/answer/end times, end reason, chat, recording',
    up(data) {
      if (!Array.isArray(data.calls)) data.calls = [];
    },
  },
  {
    to: 3,
    describe: 'routing: customers with tiers, service sessions with routing decisions, the customer lookup key',
    up(data) {
      for (const name of ['customers', 'serviceSessions']) {
        if (!Array.isArray(data[name])) data[name] = [];
      }
      if (typeof data.customerLookupKey !== 'string' || data.customerLookupKey === '') data.customerLookupKey = randomBytes(32).toString('base64url');
      for (const call of Array.isArray(data.calls) ? (data.calls as Record<string, unknown>[]) : []) {
        call.sessionId ??= null;
        call.skill ??= 'general';
      }
    },
  },
  {
    to: 4,
    describe: 'knowledge graph: nodes, article versions, typed links, recommendation exposures and outcomes, knowledge tickets, ingestion runs',
    up(data) {
      for (const name of ['kbNodes', 'kbArticleVersions', 'kbLinks', 'kbExposures', 'kbTickets', 'kbIngestRuns']) {
        if (!Array.isArray(data[name])) data[name] = [];
      }
    },
  },
  {
    to: 5,
    describe: 'emotion sensing: signals and alerts per session, talk statistics per call, per-kiosk analysis consent, escalation time of a session',
    up(data) {
      for (const name of ['senseEvents', 'senseAlerts', 'senseCallStats']) {
        if (!Array.isArray(data[name])) data[name] = [];
      }
      for (const kiosk of Array.isArray(data.kiosks) ? (data.kiosks as Record<string, unknown>[]) : []) kiosk.analysisEnabled ??= true;
      for (const session of Array.isArray(data.serviceSessions) ? (data.serviceSessions as Record<string, unknown>[]) : []) session.escalatedAt ??= null;
    },
  },
  {
    to: 6,
    describe: 'quality inspection: evaluation form versions and scorecards with overrides and disputes',
    up(data) {
      for (const name of ['qaForms', 'qaScorecards']) {
        if (!Array.isArray(data[name])) data[name] = [];
      }
    },
  },
  {
    to: 7,
    describe: 'service KPIs: the end-of-session survey (stars, would-recommend), baseline reports of historical complaints',
    up(data) {
      if (!Array.isArray(data.baselineReports)) data.baselineReports = [];
      for (const session of Array.isArray(data.serviceSessions) ? (data.serviceSessions as Record<string, unknown>[]) : []) session.survey ??= null;
    },
  },
  {
    to: 8,
    describe: 'journals: sessions, calls, sense data, exposures, tickets, ingestion runs and scorecards move to the SQLite journals',
    journals: true,
    up(data) {
      for (const name of LEGACY_JOURNAL_COLLECTIONS) delete data[name];
    },
  },
];

export function latestVersion(migrations: Migration[]): number {
  return migrations.reduce((max, m) => Math.max(max, m.to), 0);
}
