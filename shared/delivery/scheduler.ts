/**
 * Fairness across orgs: each message takes the next free slot of its sender mailbox (see
 * `slotMath.ts`), so one org's flood is spread over the future at the mailbox's rate and other
 * orgs' messages, on other mailboxes, are not queued behind it.
 *
 * Within an instance, reservations for the same mailbox are coalesced: while one write of the slot
 * row is in flight, the next callers wait and then reserve together in ONE conditional write. A
 * flood of 2,000 enqueues therefore costs a few dozen Table writes, not 2,000 racing ones.
 */
import type { MailboxSlotStore } from '../store/mailboxSlots';
import { reserveSlots, slotIntervalMs } from './slotMath';

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

  async function flush(key: string): Promise<void> {
    const batch = pending.get(key);
    if (!batch || inFlight.has(key)) return;
    pending.delete(key);
    inFlight.add(key);
    try {
      const interval = slotIntervalMs(batch.ratePerMinute);
      const times = await slots.advance(key, (nextFreeAt) => {
        const reserved = reserveSlots(nextFreeAt, clock(), batch.waiters.length, interval);
        return { nextFreeAt: reserved.nextFreeAt, result: reserved.slots };
      });
      batch.waiters.forEach((waiter, i) => waiter.resolve(times[i]));
    } catch (error) {
      for (const waiter of batch.waiters) waiter.reject(error);
    } finally {
      inFlight.delete(key);
      void flush(key);
    }
  }

  return {
    reserve(key, ratePerMinute) {
      return new Promise<number>((resolve, reject) => {
        let batch = pending.get(key);
        if (!batch) pending.set(key, (batch = { waiters: [], ratePerMinute }));
        batch.waiters.push({ resolve, reject });
        void flush(key);
      });
    },
  };
}
