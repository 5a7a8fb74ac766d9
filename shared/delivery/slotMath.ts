/**
 * The arithmetic of per-mailbox scheduling (docs/delivery.md, "Per-mailbox limits and fairness"). Each
 * sender mailbox has a "next free slot" time; a message takes the next free slot and moves it one
 * interval on, so a flood of one org is laid out over the future at the mailbox's rate instead of
 * sitting in the queue in front of other orgs' messages. Exchange Online accepts about 30 messages
 * a minute per mailbox (https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits#sending-limits).
 */

/** Milliseconds between two sends of one mailbox at `ratePerMinute`. */
export function slotIntervalMs(ratePerMinute: number): number {
  return 60_000 / ratePerMinute;
}

/**
 * Reserves `count` consecutive slots. An idle mailbox (next free slot in the past) starts now: idle
 * time is not saved up into a burst.
 */
export function reserveSlots(nextFreeAt: number, now: number, count: number, intervalMs: number): { slots: number[]; nextFreeAt: number } {
  const start = Math.max(now, nextFreeAt);
  const slots = Array.from({ length: count }, (_, i) => Math.round(start + i * intervalMs));
  return { slots, nextFreeAt: start + count * intervalMs };
}

/** Slots this close to now go out now: queue visibility has whole-second resolution anyway. */
export const EARLY_TOLERANCE_MS = 1000;

/** How long to hide a message reserved for `slotAt`, or 0 when it may go now. */
export function delayUntil(slotAt: number, now: number): number {
  const wait = slotAt - now;
  return wait > EARLY_TOLERANCE_MS ? wait : 0;
}
