/**
 * What the worker does with one queue message, decided from its delivery row alone: a pure function,
 * like `redrive.ts`'s `decidePoison`, so every case is a unit test without Storage (worker.ts acts on it).
 *
 *   proof of acceptance, for the attempt the row is on   -> record `sent` from the proof
 *   proof about an attempt the row has moved past         -> drop (nothing to do)
 *   row final (sent, failed, uncertain, partly_failed)    -> drop (a duplicate copy)
 *   `sending` under another worker's live lease           -> wait (at most LEASE_RECHECK_MS)
 *   `retrying` or `expanded`, not due yet                 -> wait until due
 *   `sending`, lease run out, to groups                   -> deliver (expanding again makes no copy twice)
 *   `sending`, lease run out, no resend asked for         -> mark `uncertain` (never send blindly again)
 *   `expanded` (a group message), due                     -> roll its copies up
 *   otherwise                                             -> deliver
 */
import type { DeliveryRecord } from '../model/delivery';
import type { Accepted, Envelope } from './envelope';
import { delayUntil } from './slotMath';
import { isFinal } from './states';

/**
 * A copy that finds another worker's live lease looks again this soon, not at the lease's end: the
 * holder normally finishes in well under a second, and the lease only bounds a dead holder.
 */
export const LEASE_RECHECK_MS = 5_000;

export type Decision =
  | { act: 'drop'; why: string }
  | { act: 'wait'; until: number; why: string }
  | { act: 'record-proof'; accepted: Accepted }
  | { act: 'mark-uncertain' }
  | { act: 'roll-up' }
  | { act: 'deliver' };

export function decide(
  row: DeliveryRecord,
  envelope: Pick<Envelope, 'accepted' | 'resendIfUncertain' | 'toGroups'>,
  now: number,
): Decision {
  const { accepted } = envelope;
  if (accepted) {
    const onThatAttempt = row.attempts === accepted.attempt && (row.status === 'sending' || row.status === 'uncertain');
    if (onThatAttempt) return { act: 'record-proof', accepted };
    return { act: 'drop', why: `is ${row.status} (attempt ${row.attempts}); proof of attempt ${accepted.attempt} dropped` };
  }
  if (isFinal(row.status)) return { act: 'drop', why: `is already ${row.status}; duplicate dropped` };
  const due = dueAt(row, now);
  if (delayUntil(due, now) > 0) return { act: 'wait', until: due, why: `is ${row.status} until ${new Date(due).toISOString()}` };
  if (row.status === 'expanded') return { act: 'roll-up' };
  if (row.status === 'sending' && !envelope.resendIfUncertain && !envelope.toGroups) return { act: 'mark-uncertain' };
  return { act: 'deliver' };
}

/** When the row lets a copy act: a live lease's recheck time, a retry's or a rollup's due time; 0 when now. */
function dueAt(row: DeliveryRecord, now: number): number {
  if (row.status === 'sending' && row.leaseUntil) {
    const leaseEnd = Date.parse(row.leaseUntil);
    return leaseEnd > now ? Math.min(leaseEnd, now + LEASE_RECHECK_MS) : 0;
  }
  if ((row.status === 'retrying' || row.status === 'expanded') && row.nextAttemptAt) return Date.parse(row.nextAttemptAt);
  return 0;
}
