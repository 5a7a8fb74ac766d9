import { MAX_ATTEMPTS, retryDelayMs, retryPolicy, shouldGiveUp } from '@shared/delivery/retryPolicy';
import { delayUntil, reserveSlots, slotIntervalMs } from '@shared/delivery/slotMath';
import { MailboxLimiter } from '@shared/delivery/mailboxLimiter';
import { createMailboxScheduler } from '@shared/delivery/scheduler';
import type { MailboxSlotStore } from '@shared/store/mailboxSlots';

describe('retry policy', () => {
  const policy = retryPolicy(30_000);

  it('gives up after 8 attempts or 24 hours', () => {
    const created = Date.parse('2026-01-01T00:00:00Z');
    expect(MAX_ATTEMPTS).toBe(8);
    expect(shouldGiveUp(policy, 7, created, created + 1000)).toBe(false);
    expect(shouldGiveUp(policy, 8, created, created + 1000)).toBe(true);
    expect(shouldGiveUp(policy, 1, created, created + 24 * 3600_000 - 1)).toBe(false);
    expect(shouldGiveUp(policy, 1, created, created + 24 * 3600_000)).toBe(true);
  });

  it('backs off exponentially with equal jitter, capped at an hour', () => {
    expect(retryDelayMs(policy, 1, undefined, () => 0)).toBe(15_000);
    expect(retryDelayMs(policy, 1, undefined, () => 1)).toBe(30_000);
    expect(retryDelayMs(policy, 3, undefined, () => 0)).toBe(60_000);
    expect(retryDelayMs(policy, 3, undefined, () => 1)).toBe(120_000);
    expect(retryDelayMs(policy, 20, undefined, () => 1)).toBe(3600_000);
    const spread = new Set(Array.from({ length: 20 }, () => retryDelayMs(policy, 2)));
    expect(spread.size).toBeGreaterThan(10);
  });

  it('follows Retry-After (fractional seconds too) with up to 20 % jitter, at least 1 s', () => {
    expect(retryDelayMs(policy, 1, 2, () => 0)).toBe(2000);
    expect(retryDelayMs(policy, 1, 2, () => 1)).toBe(2400);
    expect(retryDelayMs(policy, 5, 2.128, () => 0)).toBe(2128);
    expect(retryDelayMs(policy, 1, 0, () => 0)).toBe(1000);
  });
});

describe('slot maths', () => {
  it("spaces one mailbox's messages at its rate, starting now when idle", () => {
    expect(slotIntervalMs(30)).toBe(2000);
    expect(reserveSlots(0, 10_000, 3, 2000)).toEqual({ slots: [10_000, 12_000, 14_000], nextFreeAt: 16_000 });
    expect(reserveSlots(50_000, 10_000, 2, 2000)).toEqual({ slots: [50_000, 52_000], nextFreeAt: 54_000 });
  });

  it('lays a flood of 5,000 at 30/min over about 2.8 hours', () => {
    const { slots } = reserveSlots(0, 0, 5000, slotIntervalMs(30));
    expect(slots[4999]).toBe(4999 * 2000);
  });

  it('sends within a second of the slot without deferring', () => {
    expect(delayUntil(10_900, 10_000)).toBe(0);
    expect(delayUntil(12_000, 10_000)).toBe(2000);
  });
});

describe('mailbox limiter', () => {
  it('runs at most N calls per mailbox at once, others freely', async () => {
    const limiter = new MailboxLimiter(2);
    let running = 0;
    let peak = 0;
    const releases: Array<() => void> = [];
    const task = () =>
      new Promise<void>((resolve) => {
        running += 1;
        peak = Math.max(peak, running);
        releases.push(() => {
          running -= 1;
          resolve();
        });
      });
    const all = Array.from({ length: 5 }, () => limiter.run('m1', task));
    const other = limiter.run('m2', task);
    await new Promise((r) => setImmediate(r));
    expect(limiter.active('m1')).toBe(2);
    expect(limiter.active('m2')).toBe(1);
    while (releases.length) {
      releases.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all([...all, other]);
    expect(peak).toBe(3);
    expect(limiter.active('m1')).toBe(0);
  });

  it('remembers a throttle pause per mailbox', () => {
    const limiter = new MailboxLimiter(4);
    limiter.pause('m1', 5000);
    expect(limiter.pausedUntil('m1', 1000)).toBe(5000);
    expect(limiter.pausedUntil('m1', 6000)).toBe(0);
    expect(limiter.pausedUntil('m2', 1000)).toBe(0);
  });
});

describe('mailbox scheduler', () => {
  it('coalesces concurrent reservations of one mailbox into few writes and hands out distinct slots', async () => {
    let nextFreeAt = 0;
    let writes = 0;
    const store: MailboxSlotStore = {
      async advance(_key, step) {
        await new Promise((r) => setTimeout(r, 5));
        const { nextFreeAt: moved, result } = step(nextFreeAt);
        nextFreeAt = moved;
        writes += 1;
        return result;
      },
    };
    const scheduler = createMailboxScheduler(store, () => 1_000_000);
    const slots = await Promise.all(Array.from({ length: 100 }, () => scheduler.reserve('microsoft:a@b.example', 60)));
    expect(new Set(slots).size).toBe(100);
    expect(Math.min(...slots)).toBe(1_000_000);
    expect(Math.max(...slots)).toBe(1_000_000 + 99 * 1000);
    expect(writes).toBeLessThanOrEqual(2);
  });

  it('serves a steady stream from blocks: few writes, slots never closer than the interval, idle time skipped, blocks never shared', async () => {
    let nextFreeAt = 0;
    let writes = 0;
    const store: MailboxSlotStore = {
      async advance(_key, step) {
        const { nextFreeAt: moved, result } = step(nextFreeAt);
        nextFreeAt = moved;
        writes += 1;
        return result;
      },
    };
    let now = 1_000_000;
    const a = createMailboxScheduler(store, () => now);
    const b = createMailboxScheduler(store, () => now);
    const fromA: number[] = [];
    // One reservation after the other, 25 ms apart, on a mailbox allowing one per 10 ms: below its rate.
    for (let i = 0; i < 100; i++, now += 25) fromA.push(await a.reserve('k', 6000));
    expect(writes).toBeLessThanOrEqual(14);
    for (let i = 1; i < fromA.length; i++) expect(fromA[i] - fromA[i - 1]).toBeGreaterThanOrEqual(10);
    // Below the rate, each goes at once (the idle part of a block is skipped, never saved up).
    expect(fromA.every((at, i) => at <= 1_000_000 + i * 25 + 10)).toBe(true);
    // Another instance's slot comes after every block this one holds.
    const fromB = await b.reserve('k', 6000);
    expect(fromB).toBeGreaterThanOrEqual(Math.max(...fromA) + 10);
    expect(await a.reserve('k', 6000)).not.toBe(fromB);
  });

  it('fails every waiter of a failed write, and recovers on the next', async () => {
    let fail = true;
    const store: MailboxSlotStore = {
      async advance(_key, step) {
        if (fail) throw new Error('down');
        return step(0).result;
      },
    };
    const scheduler = createMailboxScheduler(store, () => 0);
    await expect(scheduler.reserve('k', 60)).rejects.toThrow('down');
    fail = false;
    await expect(scheduler.reserve('k', 60)).resolves.toBe(0);
  });
});
