import { api, ApiError } from '$lib/api';
import type { Language } from '$lib/i18n';
import type { SurveyAnswers } from './Survey.svelte';
import type { IDENTIFY_METHODS, kioskApi, Reply } from '../../../../protocol/api/index.js';
import type { KioskDevice } from './device.svelte';

type Asked = Reply<typeof kioskApi.ask>;
/** The appliance's answer to a question or a clarifying choice, as much of its decision as the kiosk shows. */
export type AskReply = Omit<Asked, 'decision'> & { decision: Pick<Asked['decision'], 'kind' | 'label'> };
export type Customer = Reply<typeof kioskApi.identify>['customer'];
export type IdentifyMethod = (typeof IDENTIFY_METHODS)[number];

/** What a visit asks of the appliance; the visit is tested against a fake of it. */
export interface VisitPort {
  /** The kiosk has its device token and its connection: it can open sessions and ask for agents. */
  registered(): boolean;
  startSession(lang: Language): Promise<string>;
  ask(sessionId: string, text: string): Promise<AskReply>;
  choose(sessionId: string, label: string): Promise<AskReply>;
  identify(sessionId: string, method: IdentifyMethod, value: string): Promise<Customer>;
  feedback(sessionId: string, exposureId: string, helpful: boolean): Promise<void>;
  /** Resolves once the answers are stored, also when an earlier tap already stored them. */
  survey(sessionId: string, answers: SurveyAnswers): Promise<void>;
  requestAgent(lang: Language, sessionId: string): Promise<void>;
  cancelRequest(): Promise<void>;
}

/** The appliance's kiosk API and signalling, with this kiosk's device token. */
export function appliancePort(device: KioskDevice): VisitPort {
  const bearer = () => ({ authorization: `Bearer ${device.token}` });
  const signalling = () => {
    if (!device.client) throw new Error('not registered');
    return device.client.signalling;
  };
  return {
    registered: () => device.token !== null && device.client !== null,
    startSession: async (lang) => (await api<{ session: { id: string } }>('POST', '/api/kiosk/sessions', { lang }, bearer())).session.id,
    ask: (id, text) => api<AskReply>('POST', `/api/kiosk/sessions/${id}/questions`, { text }, bearer()),
    choose: (id, label) => api<AskReply>('POST', `/api/kiosk/sessions/${id}/choice`, { label }, bearer()),
    identify: async (id, method, value) => (await api<{ customer: Customer }>('POST', `/api/kiosk/sessions/${id}/identify`, { method, value }, bearer())).customer,
    feedback: (id, exposureId, helpful) => api('POST', `/api/kiosk/sessions/${id}/feedback`, { exposureId, helpful }, bearer()),
    survey: async (id, answers) => {
      try {
        await api('POST', `/api/kiosk/sessions/${id}/survey`, answers, bearer());
      } catch (err) {
        // Already rated (a second tap that crossed the first): the answer is stored all the same.
        if (!(err instanceof ApiError && err.status === 409)) throw err;
      }
    },
    requestAgent: async (lang, sessionId) => {
      await signalling().request('requestAgent', { lang, sessionId });
    },
    cancelRequest: async () => {
      await signalling().request('cancelRequest');
    },
  };
}
