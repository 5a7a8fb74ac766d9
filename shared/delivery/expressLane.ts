/**
 * Which queue a scheduled message goes to (docs/delivery.md, "Per-mailbox limits and fairness"):
 * the express lane (`outbox-express`) is for a mailbox that is not flooding, so a quiet org's
 * messages never wait behind other mailboxes' due backlog. A message takes it when
 * - its slot comes within EXPRESS_WINDOW_MS of its acceptance (it is due at once), and
 * - its slot lies within EXPRESS_WINDOW_MS of the first slot this instance sent express for its
 *   mailbox in the last EXPRESS_PERIOD_MS.
 * The second condition is what keeps a flood out: a flood enqueued no faster than its mailbox's
 * rate has every slot due at once, and without it every one of its messages would take the lane,
 * which then is one FIFO queue of all floods' due messages again (bench/README.md, fairness). So
 * the lane holds at most EXPRESS_WINDOW_MS of any mailbox's sending per EXPRESS_PERIOD_MS and per
 * instance; the rest of a flood waits in `outbox` behind its own kind.
 */
import { boundedCache } from '../cache/bounded';
import type { Slot } from './envelope';
import { EARLY_TOLERANCE_MS } from './slotMath';

export const EXPRESS_WINDOW_MS = 2_000;
export const EXPRESS_PERIOD_MS = 60_000;
/** Mailboxes remembered at once; a forgotten one only gets a fresh burst. */
const MAX_MAILBOXES = 10_000;

/**
 * How long an express message stays hidden: until the worker would first take it, EARLY_TOLERANCE_MS
 * before its slot (slotMath.ts). Hidden for its whole delay, it would come out up to a second after
 * its slot (a queue hides in whole seconds, rounded up: outboxQueue.ts) and then wait for the host's
 * next poll of a lane that was idle meanwhile (its back-off grows to 0.9 s within 2 s: dev/host/pollDelay.ts).
 */
export const expressHiddenMs = (delayMs: number) => Math.max(0, delayMs - EARLY_TOLERANCE_MS);

export interface ExpressLane {
  /** Whether the message reserved for `slot`, hidden for `delayMs`, takes the express lane (and counts against its mailbox's burst). */
  admits(slot: Slot, delayMs: number): boolean;
}

export function createExpressLane(clock: () => number = Date.now): ExpressLane {
  // Each mailbox's burst start (a slot time); the entry expires EXPRESS_PERIOD_MS after its write.
  const bursts = boundedCache<string, number>({ max: MAX_MAILBOXES, ttlMs: EXPRESS_PERIOD_MS, clock });
  return {
    admits(slot, delayMs) {
      if (delayMs > EXPRESS_WINDOW_MS) return false;
      const start = bursts.get(slot.mailbox);
      if (start === undefined) {
        bursts.set(slot.mailbox, slot.at);
        return true;
      }
      return slot.at - start <= EXPRESS_WINDOW_MS;
    },
  };
}
