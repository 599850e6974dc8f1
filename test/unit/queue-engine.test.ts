import { describe, expect, it } from 'vitest';
import { PRIORITY, QueueEngine, type AgentSlot, type QueueEntry } from '../../device/routing/index.js';

const RULES = { overflowAfterMs: 60_000, fallbackSkill: 'general', vipSkill: 'vip' };
const entry = (id: string, skill: string, enqueuedAt: number, extra: Partial<QueueEntry> = {}): QueueEntry => ({ id, skill, vipLine: false, priority: PRIORITY.normal, enqueuedAt, ...extra });
const agent = (userId: string, skills: string[], idleSince: number, extra: Partial<AgentSlot> = {}): AgentSlot => ({ userId, skills, presence: 'available', active: 0, capacity: 1, idleSince, ...extra });

describe('queue engine', () => {
  it('gives the longest-waiting customer to the longest-idle qualified agent', () => {
    const q = new QueueEngine(RULES);
    q.add(entry('late', 'cards', 2000));
    q.add(entry('early', 'cards', 1000));
    const next = q.next([agent('fresh', ['cards'], 5000), agent('idle-long', ['cards'], 100), agent('other-skill', ['loans'], 0)], 3000);
    expect(next).toMatchObject({ entry: { id: 'early' }, agent: { userId: 'idle-long' }, via: 'skill' });
  });

  it('skips agents who are not available or at capacity, and customers nobody free can serve', () => {
    const q = new QueueEngine(RULES);
    q.add(entry('loans-first', 'loans', 1000));
    q.add(entry('cards-second', 'cards', 2000));
    const agents = [
      agent('busy', ['loans', 'cards'], 0, { presence: 'busy' }),
      agent('full', ['loans'], 0, { active: 1 }),
      agent('wrapping', ['loans'], 0, { presence: 'wrap-up' }),
      agent('cards-only', ['cards'], 500),
    ];
    expect(q.next(agents, 3000)).toMatchObject({ entry: { id: 'cards-second' }, agent: { userId: 'cards-only' } });
    expect(q.next(agents.slice(0, 3), 3000)).toBeNull();
  });

  it('serves an agent with capacity left even while they hold another session', () => {
    const q = new QueueEngine(RULES);
    q.add(entry('a', 'chat', 1000));
    expect(q.next([agent('multi', ['chat'], 0, { active: 1, capacity: 2 })], 2000)).toMatchObject({ agent: { userId: 'multi' } });
  });

  it('puts the VIP line ahead of everyone, then raised priority, then waiting time', () => {
    const q = new QueueEngine(RULES);
    q.add(entry('normal-oldest', 'cards', 1000));
    q.add(entry('raised', 'cards', 3000, { priority: PRIORITY.raised }));
    q.add(entry('vip-newest', 'cards', 5000, { vipLine: true, priority: PRIORITY.vip }));
    expect(q.ordered().map((e) => e.id)).toEqual(['vip-newest', 'raised', 'normal-oldest']);
    expect(q.next([agent('a', ['cards'], 0)], 6000)?.entry.id).toBe('vip-newest');
    // An agent of the VIP group takes VIP-line customers of any skill, and nobody else.
    expect(q.eligibility({ skills: ['vip'] }, q.get('vip-newest')!, 6000)).toBe('vip-line');
    expect(q.eligibility({ skills: ['vip'] }, q.get('normal-oldest')!, 6000)).toBeNull();
  });

  it('lets the fallback group take a customer only after the overflow wait', () => {
    const q = new QueueEngine(RULES);
    q.add(entry('waiting', 'investment', 0));
    const generalist = agent('generalist', ['general'], 0);
    expect(q.next([generalist], 59_999)).toBeNull();
    expect(q.next([generalist], 60_000)).toMatchObject({ entry: { id: 'waiting' }, via: 'overflow' });
  });

  it('tells each customer their place among those the same agents serve, and an estimated wait', () => {
    const q = new QueueEngine(RULES);
    q.add(entry('c1', 'cards', 1000));
    q.add(entry('l1', 'loans', 1500));
    q.add(entry('c2', 'cards', 2000));
    q.add(entry('v1', 'loans', 2500, { vipLine: true, priority: PRIORITY.vip }));
    const agents = [agent('x', ['cards'], 0, { presence: 'busy' }), agent('y', ['cards'], 0, { presence: 'busy' }), agent('gone', ['cards'], 0, { presence: 'away' })];
    // c2 has the VIP-line customer and c1 ahead; two busy card agents share them.
    expect(q.position('c2', agents, 3000, 120)).toEqual({ position: 3, etaSeconds: 120 + 60 });
    expect(q.position('c1', agents, 3000, 120)).toEqual({ position: 2, etaSeconds: 60 + 60 });
    expect(q.position('nobody', agents, 3000, 120)).toBeNull();
    expect(q.remove('c1')?.id).toBe('c1');
    expect(q.position('c2', agents, 3000, 120)?.position).toBe(2);
  });
});
