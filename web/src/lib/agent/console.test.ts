import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerEvent } from '$lib/call/signalling';
import { AgentConsole, QUALITY_RELOAD_MS } from './console.svelte';
import type { AgentPort, CallLink, EmotionAlert, LinkHandlers, Presence, PresenceState, User } from './port';

const AGENT: User = { id: 'u1', username: 'ya-ting', displayName: '陳雅婷', role: 'agent', language: 'zh-Hant', skillGroups: ['cards'] } as User;
const ADMIN: User = { ...AGENT, id: 'u2', username: 'admin', role: 'admin' } as User;
const ROUTED = { label: 'f.cards.limit', confidence: 0.8, explanation: 'f.cards.limit at 80%: queue cards.', code: 'routing.queue', params: { label: 'f.cards.limit', confidence: 0.8, skill: 'cards' } };
const REC = { exposureId: 'x1', articleId: 'a1', key: 'raise-limit', version: 1, title: 'Raise the limit', body: 'Steps', exploring: false, stats: { shown: 1, successes: 1, failures: 0, lowerBound: 0.2 } };
const alert = (id: string, level: 'amber' | 'red', sessionId = 's1'): EmotionAlert => ({ id, sessionId, callId: 'c1', at: '2026-12-01T10:00:00Z', level, rule: 'negative-words', reason: 'text: negative words', suggestion: { 'zh-Hant': 'a', 'zh-Hans': 'a', en: 'a' }, evidence: { channel: 'text', detail: 'x' } });

/** A port over a pretend appliance whose presence the test sets. */
function fakePort() {
  let presence: Presence = { state: 'away', since: '2026-12-01T09:00:00Z' };
  let handlers: LinkHandlers | null = null;
  const link: CallLink & { stopped: boolean } = { session: null, online: true, stopped: false, stop: () => void (link.stopped = true) };
  const port = {
    presence: vi.fn(async () => presence),
    setPresence: vi.fn(async (state: PresenceState) => (presence = { state, since: '2026-12-01T10:00:00Z' })),
    labels: vi.fn(async () => [{ label: 'f.cards.limit', name: '信用卡額度' }]),
    coaching: vi.fn(async () => [{ text: 'old text', count: 3 }]),
    recentScores: vi.fn(async () => []),
    routed: vi.fn(async () => ROUTED),
    recommendations: vi.fn(async () => [REC]),
    markResolving: vi.fn(async () => undefined),
    wrapUp: vi.fn(async () => undefined),
    connect: vi.fn((h: LinkHandlers) => ((handlers = h), link)),
  } satisfies AgentPort;
  return {
    port,
    link,
    serverSets: (state: PresenceState) => void (presence = { state, since: '2026-12-01T10:05:00Z' }),
    hear: (event: { type: string; [k: string]: unknown }) => handlers!.other(event as unknown as ServerEvent),
  };
}

async function signedIn(presence: PresenceState = 'away') {
  const fake = fakePort();
  fake.serverSets(presence);
  const agent = new AgentConsole(fake.port);
  expect(await agent.signIn(AGENT)).toBe(true);
  return { agent, ...fake };
}

async function inCall() {
  const s = await signedIn('available');
  expect(await s.agent.callStarted('s1')).toBe(true);
  return s;
}

describe('the agent console', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('signs in to the phase of the appliance presence and connects; an admin gets no link', async () => {
    const { agent, port } = await signedIn('away');
    expect(agent.phase).toBe('idle');
    expect(port.connect).toHaveBeenCalledOnce();
    expect(agent.labels).toHaveLength(1);
    expect((await signedIn('available')).agent.phase).toBe('available');
    const admin = new AgentConsole(fakePort().port);
    expect(await admin.signIn(ADMIN)).toBe(true);
    expect(admin.phase).toBe('admin');
    expect(admin.link).toBeNull();
  });

  it('moves between idle and available with the presence the appliance confirms', async () => {
    const { agent, port } = await signedIn('away');
    expect(await agent.setPresence('available')).toBe(true);
    expect(port.setPresence).toHaveBeenCalledWith('available');
    expect(agent).toMatchObject({ phase: 'available', presence: 'available', since: '2026-12-01T10:00:00Z' });
    expect(await agent.setPresence('busy')).toBe(true);
    expect(agent.phase).toBe('idle');
  });

  it('keeps the phase and shows the message when the appliance refuses a presence', async () => {
    const { agent, port } = await signedIn('available');
    port.setPresence.mockRejectedValueOnce(new Error('帳號已停用'));
    expect(await agent.setPresence('away')).toBe(false);
    expect(agent).toMatchObject({ phase: 'available', error: '帳號已停用' });
  });

  it('enters a call with its routing and solutions, and ends in the wrap-up of its session', async () => {
    const { agent, port, serverSets } = await inCall();
    expect(agent).toMatchObject({ phase: 'in-call', sessionId: 's1', routed: ROUTED, wrapUpLabel: 'f.cards.limit', recommendations: [REC] });
    expect(await agent.markResolving(REC)).toBe(true);
    expect(port.markResolving).toHaveBeenCalledWith('x1');
    expect(await agent.markResolving(REC)).toBe(false);
    serverSets('wrap-up');
    expect(await agent.callEnded('customer-ended')).toBe(true);
    expect(agent).toMatchObject({ phase: 'wrap-up', lastEnded: 'customer-ended', presence: 'wrap-up' });
  });

  it('a resumed call keeps what was shown instead of recording the solutions again', async () => {
    const { agent, port } = await inCall();
    expect(await agent.callStarted('s1')).toBe(true);
    expect(port.recommendations).toHaveBeenCalledOnce();
  });

  it('a call without a session ends in the presence phase, with no wrap-up', async () => {
    const { agent, serverSets } = await signedIn('available');
    await agent.callStarted(null);
    serverSets('available');
    await agent.callEnded('agent-ended');
    expect(agent.phase).toBe('available');
  });

  it('finishes the wrap-up, then reloads the quality picture once the scorecard is written', async () => {
    const { agent, port, serverSets } = await inCall();
    await agent.callEnded('agent-ended');
    agent.wrapUpResolved = false;
    serverSets('available');
    expect(await agent.finishWrapUp()).toBe(true);
    expect(port.wrapUp).toHaveBeenCalledWith('s1', 'f.cards.limit', false);
    expect(agent).toMatchObject({ phase: 'available', sessionId: null, routed: null });
    const loads = port.coaching.mock.calls.length;
    await vi.advanceTimersByTimeAsync(QUALITY_RELOAD_MS - 1);
    expect(port.coaching).toHaveBeenCalledTimes(loads);
    await vi.advanceTimersByTimeAsync(1);
    expect(port.coaching).toHaveBeenCalledTimes(loads + 1);
  });

  it('stays in wrap-up when the wrap-up is refused or has no label', async () => {
    const { agent, port } = await inCall();
    await agent.callEnded('agent-ended');
    port.wrapUp.mockRejectedValueOnce(new Error('no such session'));
    expect(await agent.finishWrapUp()).toBe(false);
    expect(agent).toMatchObject({ phase: 'wrap-up', error: 'no such session' });
    agent.wrapUpLabel = '';
    expect(await agent.finishWrapUp()).toBe(false);
    expect(port.wrapUp).toHaveBeenCalledOnce();
  });

  it('refuses what the current phase does not allow, changing nothing', async () => {
    const fresh = new AgentConsole(fakePort().port);
    expect(await fresh.setPresence('available')).toBe(false);
    expect(await fresh.callStarted('s1')).toBe(false);
    expect(await fresh.finishWrapUp()).toBe(false);
    expect(fresh.signOut()).toBe(false);
    expect(fresh.phase).toBe('signed-out');

    const { agent, port } = await inCall();
    expect(await agent.signIn(AGENT)).toBe(false);
    expect(await agent.setPresence('away')).toBe(false);
    expect(await agent.finishWrapUp()).toBe(false);
    expect(port.setPresence).not.toHaveBeenCalled();
    await agent.callEnded('agent-ended');
    expect(await agent.callEnded('agent-ended')).toBe(false);
    expect(await agent.setPresence('available')).toBe(false);
    expect(await agent.markResolving(REC)).toBe(false);
    expect(agent.phase).toBe('wrap-up');
  });

  it('shows the queue in every phase, and only the alerts and readings of the call on screen', async () => {
    const { agent, hear } = await signedIn('available');
    hear({ type: 'queue', waiting: [{ callId: 'c9', lang: 'en', kioskName: 'K', requestedAt: '2026-12-01T10:00:00Z', skill: 'cards', vipLine: false, priority: 0 }] });
    expect(agent.waiting).toHaveLength(1);
    hear({ type: 'alert', alert: alert('early', 'red') });
    expect(agent.alerts).toEqual([]);
    await agent.callStarted('s1');
    hear({ type: 'alert', alert: alert('other', 'red', 's2') });
    hear({ type: 'alert', alert: alert('a1', 'amber') });
    hear({ type: 'alert', alert: alert('r1', 'red') });
    hear({ type: 'alert', alert: alert('a2', 'amber') });
    hear({ type: 'alert', alert: alert('a3', 'amber') });
    expect(agent.alerts.map((a) => a.id)).toEqual(['r1', 'a3', 'a2']);
    hear({ type: 'emotion', sessionId: 's2', fused: { label: 'calm', valence: 0, arousal: 0 } });
    expect(agent.emotion).toBeNull();
    hear({ type: 'emotion', sessionId: 's1', fused: { label: 'angry', valence: -0.6, arousal: 0.8 }, face: { dominant: 'angry', score: 0.7, micro: null } });
    expect(agent).toMatchObject({ emotion: { label: 'angry' }, face: { dominant: 'angry' } });
  });

  it('ticks the waiting clock while signed in and stops every timer and the link on sign-out', async () => {
    vi.setSystemTime(Date.parse('2026-12-01T10:00:00Z'));
    const { agent, link } = await inCall();
    await agent.callEnded('agent-ended');
    await agent.finishWrapUp();
    await vi.advanceTimersByTimeAsync(5000);
    expect(agent.waitedSeconds('2026-12-01T10:00:00Z')).toBe(5);
    expect(vi.getTimerCount()).toBe(1);
    expect(agent.signOut()).toBe(true);
    expect(agent).toMatchObject({ phase: 'signed-out', user: null, link: null });
    expect(link.stopped).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('clears the pending quality reload on sign-out', async () => {
    const { agent, port } = await inCall();
    await agent.callEnded('agent-ended');
    await agent.finishWrapUp();
    expect(vi.getTimerCount()).toBe(2);
    agent.dispose();
    expect(vi.getTimerCount()).toBe(0);
    const loads = port.coaching.mock.calls.length;
    await vi.advanceTimersByTimeAsync(QUALITY_RELOAD_MS);
    expect(port.coaching).toHaveBeenCalledTimes(loads);
  });
});
