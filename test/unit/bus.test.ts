import { describe, expect, it } from 'vitest';
import { EventBus } from '../../device/bus.js';

describe('event bus', () => {
  it('delivers typed events to every subscriber until it unsubscribes', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const off = bus.on('kiosk.registered', (e) => seen.push(`a:${e.kioskId}`));
    bus.on('kiosk.registered', (e) => seen.push(`b:${e.kioskId}`));
    bus.emit('kiosk.registered', { kioskId: 'k1', at: 'now' });
    off();
    bus.emit('kiosk.registered', { kioskId: 'k2', at: 'now' });
    expect(seen).toEqual(['a:k1', 'b:k1', 'b:k2']);
  });

  it('keeps a failing subscriber from breaking the emitter and the others, and reports it', () => {
    const bus = new EventBus();
    const reported: string[] = [];
    bus.onListenerError((name, err) => reported.push(`${name}: ${(err as Error).message}`));
    const seen: string[] = [];
    bus.on('kiosk.revoked', () => {
      throw new Error('boom');
    });
    bus.on('kiosk.revoked', (e) => seen.push(e.kioskId));
    expect(() => bus.emit('kiosk.revoked', { kioskId: 'k1', at: 'now' })).not.toThrow();
    expect(seen).toEqual(['k1']);
    expect(reported).toEqual(['kiosk.revoked: boom']);
  });

  it('reports the rejection of an async subscriber like a synchronous throw, and nothing is left unhandled', async () => {
    const bus = new EventBus();
    const reported: string[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      bus.onListenerError((name, err) => reported.push(`${name}: ${(err as Error).message}`));
      bus.on('call.ended', async () => {
        await Promise.resolve();
        throw new Error('store write failed');
      });
      bus.emit('call.ended', { callId: 'c1', sessionId: null, reason: 'customer-lost', at: 'now', kioskId: 'k', skill: 'general', agentId: null, requestedAt: 'then', answeredAt: null });
      await expect.poll(() => reported).toEqual(['call.ended: store write failed']);
      // A turn of the event loop lets Node notice a rejection nobody handled.
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
