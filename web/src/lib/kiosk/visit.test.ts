import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '$lib/api';
import type { AskReply, VisitPort } from './port';
import { ENDED_MS, SURVEY_IDLE_MS, THANKS_MS, Visit, type VisitState } from './visit.svelte';

const IDLE_SECONDS = 30;

function reply(kind: AskReply['decision']['kind'], answer: AskReply['answer'] = null): AskReply {
  return { sessionId: 's1', decision: { kind, label: 'hours' }, labelName: 'Opening hours', answer, options: kind === 'clarify' ? [{ label: 'a', name: 'A' }] : [] };
}
const BOT = reply('bot', { exposureId: 'x1', title: 'Hours', body: '9 to 5' });

function fakePort(overrides: Partial<VisitPort> = {}) {
  const port = {
    registered: vi.fn(() => true),
    startSession: vi.fn(async () => 's1'),
    ask: vi.fn(async () => BOT),
    choose: vi.fn(async () => BOT),
    identify: vi.fn(async () => ({ name: 'Lin', tier: 'vip' as const })),
    feedback: vi.fn(async () => undefined),
    survey: vi.fn(async () => undefined),
    requestAgent: vi.fn(async () => undefined),
    cancelRequest: vi.fn(async () => undefined),
    ...overrides,
  };
  return port satisfies VisitPort;
}

let visits: Visit[] = [];
function visitWith(port: VisitPort, onIdleReset?: () => void): Visit {
  const visit = new Visit(port, { idleSeconds: IDLE_SECONDS, lang: 'zh-Hans', ...(onIdleReset ? { onIdleReset } : {}) });
  visits.push(visit);
  return visit;
}

async function to(visit: Visit, state: VisitState): Promise<void> {
  if (state === 'answered') expect(await visit.ask('hours?')).toBe(true);
  if (state === 'clarifying') expect(await visit.ask('account?')).toBe(true);
  if (state === 'waiting') expect(await visit.talkToAgent()).toBe(true);
  if (state === 'identifying') expect(visit.openIdentify()).toBe(true);
  if (state === 'call' || state === 'ended' || state === 'survey' || state === 'thanks') {
    await visit.ask('hours?');
    await visit.talkToAgent();
    expect(visit.callStarted()).toBe(true);
    if (state === 'ended') expect(visit.callEnded('abandoned')).toBe(true);
    if (state === 'survey' || state === 'thanks') expect(visit.callEnded('agent-ended')).toBe(true);
    if (state === 'thanks') expect(await visit.submitSurvey({ stars: 5 })).toBe(true);
  }
  expect(visit.state).toBe(state);
}

describe('a kiosk visit', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    for (const visit of visits) visit.dispose();
    visits = [];
    vi.useRealTimers();
  });

  it('answers a question in the visit language, one session for the visit, and clears what was typed', async () => {
    const port = fakePort();
    const visit = visitWith(port);
    visit.question = '  opening hours?  ';
    expect(await visit.ask()).toBe(true);
    expect(visit.state).toBe('answered');
    expect(port.startSession).toHaveBeenCalledWith('zh-Hans');
    expect(port.ask).toHaveBeenCalledWith('s1', 'opening hours?');
    expect(visit.question).toBe('');
    expect(visit.reply).toEqual(BOT);
    expect(await visit.feedback(true)).toBe(true);
    expect(port.feedback).toHaveBeenCalledWith('s1', 'x1', true);
    expect(visit.feedbackGiven).toBe(true);
    expect(await visit.feedback(false)).toBe(false);
    expect(port.startSession).toHaveBeenCalledOnce();
  });

  it('asks which meaning was meant, and a pick answers it', async () => {
    const port = fakePort({ ask: vi.fn(async () => reply('clarify')) });
    const visit = visitWith(port);
    await to(visit, 'clarifying');
    expect(await visit.pick('a')).toBe(true);
    expect(port.choose).toHaveBeenCalledWith('s1', 'a');
    expect(visit.state).toBe('answered');
  });

  it('goes straight to the queue when the question is routed there, and the queue moves it along', async () => {
    const port = fakePort({ ask: vi.fn(async () => reply('queue')) });
    const visit = visitWith(port);
    expect(await visit.ask('lost card')).toBe(true);
    expect(port.requestAgent).toHaveBeenCalledWith('zh-Hans', 's1');
    expect(visit.state).toBe('waiting');
    expect(visit.queued(3, 120)).toBe(true);
    expect([visit.position, visit.etaSeconds]).toEqual([3, 120]);
  });

  it('takes the waiting screen from the queue when its word beats the answer to the request', async () => {
    let answer: () => void = () => undefined;
    const port = fakePort({ requestAgent: vi.fn(() => new Promise<void>((resolve) => (answer = resolve))) });
    const visit = visitWith(port);
    const requested = visit.talkToAgent();
    await vi.waitFor(() => expect(port.requestAgent).toHaveBeenCalled());
    expect(visit.queued(1, 30)).toBe(true);
    expect(visit.state).toBe('waiting');
    answer();
    expect(await requested).toBe(true);
    expect(visit.state).toBe('waiting');
  });

  it('ignores a queue position when it asked for nobody', () => {
    const visit = visitWith(fakePort());
    expect(visit.queued(2, 60)).toBe(false);
    expect(visit.state).toBe('home');
    expect(visit.position).toBe(0);
  });

  it('cancels a request: the start screen at once, the request withdrawn, and the late end of it ignored', async () => {
    const port = fakePort();
    const visit = visitWith(port);
    await to(visit, 'waiting');
    expect(visit.cancel()).toBe(true);
    expect(port.cancelRequest).toHaveBeenCalledOnce();
    expect(visit.state).toBe('home');
    expect(visit.sessionId).toBeNull();
    expect(visit.callEnded('abandoned')).toBe(false);
    expect(visit.state).toBe('home');
  });

  it('identifies the customer, and a number not found keeps the dialog with a message', async () => {
    const notFound = new ApiError(404, 'no customer with that card number');
    const identify = vi.fn().mockRejectedValueOnce(notFound).mockResolvedValue({ name: 'Lin', tier: 'vip' as const });
    const port = fakePort({ identify });
    const visit = visitWith(port);
    await to(visit, 'identifying');
    expect(await visit.identify()).toBe(false);
    visit.identifyMethod = 'phone';
    visit.identifyValue = '0912345678';
    expect(await visit.identify()).toBe(false);
    expect(visit.state).toBe('identifying');
    expect(visit.identifyError).toEqual({ key: 'identifyFailed' });
    expect(await visit.identify()).toBe(true);
    expect(identify).toHaveBeenLastCalledWith('s1', 'phone', '0912345678');
    expect(visit.state).toBe('home');
    expect(visit.customer).toEqual({ name: 'Lin', tier: 'vip' });
    expect([visit.identifyValue, visit.identifyMethod, visit.identifyError]).toEqual(['', 'card', null]);
    // Identified once is enough for a visit.
    expect(visit.openIdentify()).toBe(false);
  });

  it('closes the identify dialog on cancel without a trace of the number', async () => {
    const visit = visitWith(fakePort());
    await to(visit, 'identifying');
    visit.identifyValue = '4000';
    expect(visit.cancelIdentify()).toBe(true);
    expect(visit.state).toBe('home');
    expect(visit.identifyValue).toBe('');
  });

  it('tells an unregistered kiosk to ask staff, and keeps the appliance code of a failure for the customer language', async () => {
    const registered = vi.fn(() => false);
    const port = fakePort({ registered, ask: vi.fn(async () => Promise.reject(new ApiError(503, 'disk full', 'store_unavailable'))) });
    const visit = visitWith(port);
    expect(await visit.talkToAgent()).toBe(false);
    expect(visit.error).toEqual({ key: 'notRegistered' });
    expect(port.requestAgent).not.toHaveBeenCalled();
    registered.mockReturnValue(true);
    expect(await visit.ask('hours?')).toBe(false);
    expect(visit.state).toBe('home');
    expect(visit.error).toEqual({ key: 'sendFailed', code: 'store_unavailable' });
    vi.mocked(port.requestAgent).mockRejectedValueOnce(new Error('not connected'));
    expect(await visit.talkToAgent()).toBe(false);
    expect(visit.error).toEqual({ key: 'sendFailed' });
  });

  it('after a call, asks for a rating; the thanks, then the start screen', async () => {
    const port = fakePort();
    const visit = visitWith(port);
    await to(visit, 'survey');
    expect(visit.endReason).toBe('agent-ended');
    expect(await visit.submitSurvey({ stars: 4, recommend: 9 })).toBe(true);
    expect(port.survey).toHaveBeenCalledWith('s1', { stars: 4, recommend: 9 });
    expect(visit.state).toBe('thanks');
    vi.advanceTimersByTime(THANKS_MS - 1);
    expect(visit.state).toBe('thanks');
    vi.advanceTimersByTime(1);
    expect(visit.state).toBe('home');
    expect([visit.sessionId, visit.reply, visit.endReason]).toEqual([null, null, null]);
  });

  it('keeps the survey on a failed send, with the message, and sends again', async () => {
    const survey = vi.fn().mockRejectedValueOnce(new Error('offline')).mockResolvedValue(undefined);
    const visit = visitWith(fakePort({ survey }));
    await to(visit, 'survey');
    expect(await visit.submitSurvey({ stars: 2 })).toBe(false);
    expect(visit.state).toBe('survey');
    expect(visit.surveyError).toEqual({ key: 'sendFailed' });
    expect(await visit.submitSurvey({ stars: 2 })).toBe(true);
    expect(visit.surveyError).toBeNull();
  });

  it('gives an untouched end screen its time, and a touch on it the whole time again', async () => {
    for (const [state, ms] of [['survey', SURVEY_IDLE_MS], ['thanks', THANKS_MS], ['ended', ENDED_MS]] as const) {
      const visit = visitWith(fakePort());
      await to(visit, state);
      vi.advanceTimersByTime(ms - 1000);
      visit.touched('pointerdown');
      vi.advanceTimersByTime(ms - 1);
      expect(visit.state, state).toBe(state);
      vi.advanceTimersByTime(1);
      expect(visit.state, state).toBe('home');
    }
  });

  it('shows an ended request or a call without a session for a while, then the start screen', async () => {
    const visit = visitWith(fakePort());
    await to(visit, 'ended');
    expect(visit.endReason).toBe('abandoned');
    vi.advanceTimersByTime(ENDED_MS - 1);
    expect(visit.state).toBe('ended');
    vi.advanceTimersByTime(1);
    expect(visit.state).toBe('home');
  });

  it('ends a waiting request the appliance gave up with its message, not the survey', async () => {
    const visit = visitWith(fakePort());
    await to(visit, 'waiting');
    expect(visit.callEnded('abandoned')).toBe(true);
    expect(visit.state).toBe('ended');
  });

  it('the survey after the bot answer, and a skip back to the start', async () => {
    const visit = visitWith(fakePort());
    await to(visit, 'answered');
    expect(visit.finish()).toBe(true);
    expect(visit.state).toBe('survey');
    expect(visit.endReason).toBeNull();
    expect(visit.startOver()).toBe(true);
    expect(visit.state).toBe('home');
    // The skipped survey's timer went with it: nothing happens to the next visit when it would have fired.
    await to(visit, 'answered');
    vi.advanceTimersByTime(SURVEY_IDLE_MS);
    expect(visit.state).not.toBe('survey');
  });

  it('clears the end screen timer when a call comes in over it', async () => {
    const visit = visitWith(fakePort());
    await to(visit, 'ended');
    expect(visit.callStarted()).toBe(true);
    vi.advanceTimersByTime(ENDED_MS * 10);
    expect(visit.state).toBe('call');
  });

  it('refuses what does not belong to the screen, and changes nothing', async () => {
    const port = fakePort();
    const visit = visitWith(port);
    const refused: [VisitState, (v: Visit) => boolean | Promise<boolean>][] = [
      ['home', (v) => v.cancel()],
      ['home', (v) => v.finish()],
      ['home', (v) => v.pick('a')],
      ['home', (v) => v.submitSurvey({ stars: 1 })],
      ['home', (v) => v.cancelIdentify()],
      ['home', (v) => v.callEnded('agent-ended')],
      ['waiting', (v) => v.startOver()],
      ['waiting', (v) => v.ask('again')],
      ['waiting', (v) => v.talkToAgent()],
      ['call', (v) => v.startOver()],
      ['call', (v) => v.cancel()],
      ['call', (v) => v.ask('hours?')],
      ['call', (v) => v.queued(1, 10)],
      ['survey', (v) => v.callEnded('agent-ended')],
      ['thanks', (v) => v.submitSurvey({ stars: 1 })],
    ];
    for (const [state, act] of refused) {
      const fresh = visitWith(fakePort());
      await to(fresh, state);
      const before = { reply: fresh.reply, sessionId: fresh.sessionId, endReason: fresh.endReason };
      expect(await act(fresh), `${act} on ${state}`).toBe(false);
      expect(fresh.state).toBe(state);
      expect({ reply: fresh.reply, sessionId: fresh.sessionId, endReason: fresh.endReason }).toEqual(before);
    }
    expect(port.cancelRequest).not.toHaveBeenCalled();
    expect(visit.state).toBe('home');
  });

  it('drops an answer that comes after the visit was reset, so the next customer never sees it', async () => {
    let answer: (r: AskReply) => void = () => undefined;
    const visit = visitWith(fakePort({ ask: vi.fn(() => new Promise<AskReply>((resolve) => (answer = resolve))) }));
    const asked = visit.ask('my card number is 4000');
    await vi.waitFor(() => expect(visit.sessionId).toBe('s1'));
    expect(visit.startOver()).toBe(true);
    answer(BOT);
    expect(await asked).toBe(false);
    expect(visit.state).toBe('home');
    expect(visit.reply).toBeNull();
  });

  describe('left alone', () => {
    it('does not count down on an empty start screen, and does once something is typed', () => {
      const visit = visitWith(fakePort());
      vi.advanceTimersByTime(IDLE_SECONDS * 2000);
      expect(visit.idle.warning).toBe(false);
      visit.question = 'my card number';
      vi.advanceTimersByTime(IDLE_SECONDS * 1000 - 1);
      expect(visit.idle.warning).toBe(true);
    });

    it('resets to the start screen, clearing what the customer typed and who they were', async () => {
      const onIdleReset = vi.fn();
      const visit = visitWith(fakePort(), onIdleReset);
      await to(visit, 'identifying');
      visit.identifyValue = '4000';
      expect(await visit.identify()).toBe(true);
      visit.question = 'my card number is 4000';
      vi.advanceTimersByTime(IDLE_SECONDS * 1000);
      expect(visit.state).toBe('home');
      expect([visit.question, visit.customer, visit.sessionId, visit.error]).toEqual(['', null, null, null]);
      expect(onIdleReset).toHaveBeenCalledOnce();
      expect(visit.idle.warning).toBe(false);
      vi.advanceTimersByTime(IDLE_SECONDS * 3000);
      expect(onIdleReset).toHaveBeenCalledOnce();
    });

    it('resets the identify dialog and the answer screens too', async () => {
      for (const state of ['identifying', 'answered', 'clarifying'] as const) {
        const visit = visitWith(fakePort({ ask: vi.fn(async () => (state === 'clarifying' ? reply('clarify') : BOT)) }));
        await to(visit, state);
        vi.advanceTimersByTime(IDLE_SECONDS * 1000);
        expect(visit.state, state).toBe('home');
        expect(visit.reply).toBeNull();
      }
    });

    it('withdraws a request in the queue', async () => {
      const port = fakePort();
      const visit = visitWith(port);
      await to(visit, 'waiting');
      vi.advanceTimersByTime(IDLE_SECONDS * 1000);
      expect(port.cancelRequest).toHaveBeenCalledOnce();
      expect(visit.state).toBe('home');
    });

    it('counts from the last touch; while the warning shows only a finished tap answers it', async () => {
      const visit = visitWith(fakePort());
      await to(visit, 'answered');
      vi.advanceTimersByTime(IDLE_SECONDS * 1000 - 1000);
      expect(visit.idle.warning).toBe(true);
      visit.touched('pointerdown');
      expect(visit.idle.warning).toBe(true);
      visit.touched('click');
      expect(visit.idle.warning).toBe(false);
      vi.advanceTimersByTime(IDLE_SECONDS * 1000 - 1);
      expect(visit.state).toBe('answered');
    });

    it('counts while something else of the visit is open (the staff dialog), and closes it at the reset', () => {
      let staffOpen = true;
      const onIdleReset = vi.fn(() => (staffOpen = false));
      const visit = visitWith(fakePort(), onIdleReset);
      vi.advanceTimersByTime(IDLE_SECONDS * 2000);
      expect(onIdleReset).not.toHaveBeenCalled();
      visit.otherOpen(staffOpen);
      vi.advanceTimersByTime(IDLE_SECONDS * 1000);
      expect(onIdleReset).toHaveBeenCalledOnce();
      expect(staffOpen).toBe(false);
    });

    it('never times out a call, however long it lasts', async () => {
      const port = fakePort();
      const onIdleReset = vi.fn();
      const visit = visitWith(port, onIdleReset);
      await to(visit, 'waiting');
      vi.advanceTimersByTime(IDLE_SECONDS * 1000 - 1000);
      expect(visit.idle.warning).toBe(true);
      expect(visit.callStarted()).toBe(true);
      expect(visit.idle.warning).toBe(false);
      // Where a count would warn, then reset.
      vi.advanceTimersByTime(IDLE_SECONDS * 1000 - 1000);
      expect(visit.idle.warning).toBe(false);
      vi.advanceTimersByTime(IDLE_SECONDS * 1000 * 20);
      expect(onIdleReset).not.toHaveBeenCalled();
      expect(visit.state).toBe('call');
      expect(visit.idle.warning).toBe(false);
      expect(port.cancelRequest).not.toHaveBeenCalled();
    });

    it('does not run on the end screens, which have their own timers', async () => {
      const visit = visitWith(fakePort());
      await to(visit, 'survey');
      vi.advanceTimersByTime(SURVEY_IDLE_MS - 1);
      expect(visit.idle.warning).toBe(false);
      expect(visit.state).toBe('survey');
    });
  });
});
