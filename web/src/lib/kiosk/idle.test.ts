import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_IDLE_SECONDS, IdleTimer, idleSecondsFrom } from './idle.svelte';

describe('the kiosk idle timer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('warns for the last third of the idle time, then resets once', () => {
    const reset = vi.fn();
    const idle = new IdleTimer(30, reset);
    idle.arm();
    vi.advanceTimersByTime(19_999);
    expect(idle.warning).toBe(false);
    vi.advanceTimersByTime(1);
    expect(idle.warning).toBe(true);
    expect(idle.secondsLeft).toBe(10);
    vi.advanceTimersByTime(9_999);
    expect(reset).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(reset).toHaveBeenCalledOnce();
    expect(idle.warning).toBe(false);
    vi.advanceTimersByTime(60_000);
    expect(reset).toHaveBeenCalledOnce();
  });

  it('starts over on a touch, and never fires once disarmed', () => {
    const reset = vi.fn();
    const idle = new IdleTimer(30, reset);
    idle.arm();
    vi.advanceTimersByTime(25_000);
    expect(idle.warning).toBe(true);
    idle.touch();
    expect(idle.warning).toBe(false);
    vi.advanceTimersByTime(29_999);
    expect(reset).not.toHaveBeenCalled();
    idle.disarm();
    vi.advanceTimersByTime(60_000);
    expect(reset).not.toHaveBeenCalled();
  });

  it('a second arm leaves the running count alone', () => {
    const reset = vi.fn();
    const idle = new IdleTimer(30, reset);
    idle.arm();
    vi.advanceTimersByTime(20_000);
    idle.arm();
    vi.advanceTimersByTime(10_000);
    expect(reset).toHaveBeenCalledOnce();
  });

  it('takes the idle time from the address, and the default for anything else', () => {
    expect(idleSecondsFrom('?idle=4')).toBe(4);
    for (const bad of ['', '?idle=', '?idle=0', '?idle=-3', '?idle=abc']) expect(idleSecondsFrom(bad)).toBe(DEFAULT_IDLE_SECONDS);
  });
});
