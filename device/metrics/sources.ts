import type { SenseAlert } from '../store/index.js';
import { FOLLOW_UP_MS, REPEAT_WINDOW_MS, type KpiCall, type KpiRecords, type KpiScorecard, type KpiSession } from './kpis.js';

/**
 * What metrics reads of the other folders' journals, each through its owner's index-backed reader
 * (time ranges half-open, [from, to), ISO timestamps): metrics never reads their tables. The record
 * types are what the KPIs use, so a reader may leave the rest out (a call's chat, a scorecard's items).
 */
export interface KpiSources {
  /** Service sessions by `startedAt` (routing). */
  sessionsBetween(fromIso: string, toIso: string): KpiSession[];
  /** The same, only the sessions of identified customers: the ones a repeat inquiry can be. */
  identifiedSessionsBetween(fromIso: string, toIso: string): KpiSession[];
  /** Calls by `requestedAt` (calls). */
  callsBetween(fromIso: string, toIso: string): KpiCall[];
  /** Quality scorecards by `at` (qa). */
  scorecardsBetween(fromIso: string, toIso: string): KpiScorecard[];
  /** Emotion alerts, the newest first, at most `limit`, none older than `sinceIso` (sense). */
  recentAlerts(limit: number, sinceIso: string): WallboardAlert[];
}

export type WallboardAlert = Pick<SenseAlert, 'at' | 'level' | 'rule' | 'reason' | 'code' | 'params' | 'sessionId'>;

export const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Loads what the KPIs of the sessions started in [from, to) need and nothing more: those sessions, the
 * later ones of identified customers a repeat can be (the repeat window), and the calls and scorecards recorded meanwhile.
 * `own` is the period's sessions when the caller has read them already.
 */
export function loadRecords(sources: KpiSources, from: number, to: number, own = sources.sessionsBetween(iso(from), iso(to))): KpiRecords {
  return {
    sessions: [...own, ...sources.identifiedSessionsBetween(iso(to), iso(to + REPEAT_WINDOW_MS))],
    calls: sources.callsBetween(iso(from), iso(to + FOLLOW_UP_MS)),
    scorecards: sources.scorecardsBetween(iso(from), iso(to + FOLLOW_UP_MS)),
  };
}
