/**
 * Fairness across orgs: each message takes the next free slot of its sender mailbox (see
 * `slotMath.ts`), so one org's flood is spread over the future at the mailbox's rate and other
 * orgs' messages, on other mailboxes, are not queued behind it.
 *
 * Within an instance, reservations for the same mailbox are coalesced: while one write of the slot
 * row is in flight, the next callers wait and then reserve together in ONE conditional write. A
 * flood of 2,000 enqueues therefore costs a few dozen Table writes, not 2,000 racing ones.
 *
 * And reservations that follow each other (a steady stream, one request after the other) are
 * served from a block: a write that follows the previous one of the same mailbox within
 * BLOCK_SPAN_MS reserves twice as many slots as the last (at most MAX_BLOCK, and never more than
 * BLOCK_SPAN_MS of the mailbox's time). The block is a stretch of the mailbox's time that this
 * instance alone hands out, one interval apart, each at the earliest of its next free time and now:
 * a mailbox below its rate skips the idle part of its block instead of writing per message, and the
 * rate holds because no two slots of a block are closer than one interval and blocks never overlap.
 * The cost is bounded: another instance may wait behind at most BLOCK_SPAN_MS this one did not use.
 */
import { boundedCache } from '../cache/bounded';
import type { MailboxSlotStore } from '../store/mailboxSlots';
import { reserveSlots, slotIntervalMs } from './slotMath';

export const MAX_BLOCK = 32;
export const BLOCK_SPAN_MS = 10_000;

/** The rest of a mailbox's block in this instance: [next, end) of its time, the block's size, when written. */
interface Ahead {
  next: number;
  end: number;
  intervalMs: number;
  size: number;
  writtenAt: number;
}

export interface MailboxScheduler {
  /** When mailbox `key` may send one more message at `ratePerMinute` (ms since epoch). */
  reserve(key: string, ratePerMinute: number): Promise<number>;
}

interface Waiter {
  resolve(at: number): void;
  reject(error: unknown): void;
}

export function createMailboxScheduler(slots: MailboxSlotStore, clock: () => number = Date.now): MailboxScheduler {
  const pending = new Map<string, { waiters: Waiter[]; ratePerMinute: number }>();
  const inFlight = new Set<string>();
  const ahead = boundedCache<string, Ahead>({ max: 10_000, ttlMs: 2 * BLOCK_SPAN_MS, clock });

  /** The next slot of this instance's block, when one is left. */
  function fromBlock(key: string): number | undefined {
    const block = ahead.get(key);
    if (!block) return undefined;
    const at = Math.max(block.next, clock());
    if (at + block.intervalMs > block.end + 0.5) return undefined; // half a ms: float sums
    block.next = at + block.intervalMs;
    return Math.round(at);
  }

  function blockSize(key: string, interval: number): number {
    const last = ahead.get(key);
    const cap = Math.max(1, Math.min(MAX_BLOCK, Math.floor(BLOCK_SPAN_MS / interval)));
    return last && clock() - last.writtenAt < BLOCK_SPAN_MS ? Math.min(cap, last.size * 2) : 1;
  }

  async function flush(key: string): Promise<void> {
    const batch = pending.get(key);
    if (!batch || inFlight.has(key)) return;
    pending.delete(key);
    inFlight.add(key);
    try {
      const interval = slotIntervalMs(batch.ratePerMinute);
      const size = blockSize(key, interval);
      const count = Math.max(batch.waiters.length, size);
      const { times, end } = await slots.advance(key, (nextFreeAt) => {
        const reserved = reserveSlots(nextFreeAt, clock(), count, interval);
        return { nextFreeAt: reserved.nextFreeAt, result: { times: reserved.slots, end: reserved.nextFreeAt } };
      });
      batch.waiters.forEach((waiter, i) => waiter.resolve(times[i]));
      ahead.set(key, { next: end - (count - batch.waiters.length) * interval, end, intervalMs: interval, size, writtenAt: clock() });
    } catch (error) {
      for (const waiter of batch.waiters) waiter.reject(error);
    } finally {
      inFlight.delete(key);
      void flush(key);
    }
  }

  return {
    reserve(key, ratePerMinute) {
      const reserved = pending.has(key) ? undefined : fromBlock(key);
      if (reserved !== undefined) return Promise.resolve(reserved);
      return new Promise<number>((resolve, reject) => {
        let batch = pending.get(key);
        if (!batch) pending.set(key, (batch = { waiters: [], ratePerMinute }));
        batch.waiters.push({ resolve, reject });
        void flush(key);
      });
    },
  };
}
