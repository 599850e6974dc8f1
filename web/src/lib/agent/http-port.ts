import { api } from '$lib/api';
import { CallClient } from '$lib/call/client.svelte';
import type { AgentPort, CoachingTip, LabelOption, Presence, Recommendation, RecentScore, Routed } from './port';

/** The console's port over the appliance's HTTP API and its signalling socket. */
export const httpAgentPort: AgentPort = {
  presence: () => api<Presence>('GET', '/api/agent/presence'),
  setPresence: (state) => api<Presence>('PUT', '/api/agent/presence', { state }),
  labels: async (lang) => (await api<{ labels: LabelOption[] }>('GET', `/api/routing/labels?lang=${lang}`)).labels,
  coaching: async () => (await api<{ suggestions: CoachingTip[] }>('GET', '/api/qa/coaching?days=7')).suggestions,
  recentScores: async () => (await api<{ scorecards: RecentScore[] }>('GET', '/api/qa/scorecards?limit=5')).scorecards,
  routed: async (id) => (await api<{ routed: Routed | null }>('GET', `/api/routing/sessions/${id}/routed`)).routed,
  // Fetching the solutions records nothing; what the page then puts in front of the agent is recorded as shown.
  recommendations: async (id) => {
    const found = (await api<{ recommendations: Omit<Recommendation, 'exposureId'>[] }>('GET', `/api/knowledge/recommendations?sessionId=${id}`)).recommendations;
    if (found.length === 0) return [];
    const { exposures } = await api<{ exposures: { id: string; articleId: string }[] }>('POST', '/api/knowledge/exposures', {
      sessionId: id,
      articles: found.map((r) => ({ articleId: r.articleId, version: r.version })),
    });
    return found.map((r, i) => ({ ...r, exposureId: exposures[i]!.id }));
  },
  markResolving: async (exposureId) => void (await api('POST', `/api/knowledge/exposures/${exposureId}/outcome`, { success: true })),
  wrapUp: async (id, label, resolved) => void (await api('POST', `/api/routing/sessions/${id}/wrap-up`, { label, resolved })),
  connect: (handlers) =>
    new CallClient(null, 'agent-lost', {
      started: (event) => handlers.started(event.sessionId),
      ended: handlers.ended,
      other: handlers.other,
    }),
};
