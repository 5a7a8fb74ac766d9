/**
 * Rolling a group message's per-recipient copies up into the parent's status: `sent` when every copy
 * was sent, `failed` when none was, `partly_failed` otherwise, with how many copies ended for each
 * reason. A copy that is `uncertain` (the provider may have taken it) counts as not sent, under its
 * code, so the parent never claims more than is known.
 */
import type { ErrorCode } from '../errors';
import type { DeliveryRecord, DeliveryStatus } from '../store/deliveryStore';
import type { GroupOutcomes } from '../model/group';

/**
 * The copies' outcomes. `expected` copies were made; one without a row yet (its queue message was
 * written first, the worker creates the row) is pending, like one not final yet.
 */
export function tally(children: Pick<DeliveryRecord, 'status' | 'code'>[], expected: number): GroupOutcomes {
  const outcomes: GroupOutcomes = { sent: 0, failed: 0, uncertain: 0, pending: 0, reasons: {} };
  for (const child of children) {
    if (child.status === 'sent') outcomes.sent += 1;
    else if (child.status === 'failed' || child.status === 'uncertain') {
      outcomes[child.status] += 1;
      const code: ErrorCode = child.code ?? (child.status === 'failed' ? 'INTERNAL' : 'DELIVERY_UNCERTAIN');
      outcomes.reasons[code] = (outcomes.reasons[code] ?? 0) + 1;
    } else outcomes.pending += 1;
  }
  outcomes.pending += Math.max(0, expected - children.length);
  return outcomes;
}

/** Copies still pending this long after the expansion are given up on (past the copies' own 24 h retry bound). */
export const ROLLUP_GIVE_UP_MS = 26 * 3600 * 1000;

/** Counts the pending copies as not known (`DELIVERY_UNCERTAIN`): used once the rollup gives up on them. */
export function givenUp(outcomes: GroupOutcomes): GroupOutcomes {
  if (outcomes.pending === 0) return outcomes;
  const reasons = { ...outcomes.reasons, DELIVERY_UNCERTAIN: (outcomes.reasons.DELIVERY_UNCERTAIN ?? 0) + outcomes.pending };
  return { ...outcomes, uncertain: outcomes.uncertain + outcomes.pending, pending: 0, reasons };
}

export interface FinalRollup {
  status: Extract<DeliveryStatus, 'sent' | 'failed' | 'partly_failed'>;
  /** The most frequent reason of the copies not sent (absent when all were sent). */
  code?: ErrorCode;
  message?: string;
}

/** The parent's final status, once nothing is pending. */
export function finalOf(outcomes: GroupOutcomes): FinalRollup {
  const total = outcomes.sent + outcomes.failed + outcomes.uncertain;
  if (outcomes.sent === total) return { status: 'sent' };
  const reasons = Object.entries(outcomes.reasons).sort(([a, x], [b, y]) => y - x || a.localeCompare(b)) as Array<[ErrorCode, number]>;
  const listed = reasons.map(([code, n]) => `${code} x${n}`).join(', ');
  return {
    status: outcomes.sent === 0 ? 'failed' : 'partly_failed',
    code: reasons[0]?.[0],
    message: `${outcomes.sent} of ${total} copies were sent; not sent: ${listed}.`,
  };
}

/** When to look at the copies again: 2 s after the expansion, doubling, at most a minute apart. */
export function nextCheckDelayMs(checks: number): number {
  return Math.min(60_000, 2000 * 2 ** Math.min(checks, 5));
}
