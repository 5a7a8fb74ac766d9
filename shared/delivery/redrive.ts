/**
 * What the poison handler does with a message the host gave up on (it threw maxDequeueCount times).
 * A pure decision, so every case is unit-tested without Storage.
 *
 * The host's retries say only that the worker threw, not why. During a Table outage longer than
 * maxDequeueCount x visibilityTimeout, messages that were never attempted arrive here, and so do
 * attempted ones whose outcome could not be recorded. Neither may end `failed`: a message is failed
 * only with a reason from an attempt (the worker's own retry policy) or from validation. So:
 *
 * - `sent` or `failed` row: final, nothing to do (a `sent` row stays `sent`);
 * - the attempt itself threw (the worker freed the row as `retrying` / INTERNAL, a bug seen while
 *   sending): `failed` POISON with that reason;
 * - anything else (no row, never attempted, `sending`, `retrying` on a transient cause, or the row
 *   cannot be read because Storage is down, in which case the handler cannot know): re-driven onto
 *   `outbox` with an exponential delay, the count carried in the envelope (`redrive`);
 * - past the bound (MAX_REDRIVES, or 24 hours since the first re-drive, like the retry policy):
 *   `failed` POISON with the last reason, or, when the row still cannot be read, archived in
 *   `poisonmessages` with its text.
 */
import type { DeliveryRecord } from '../model/delivery';
import { isFinal } from './states';
import type { Redrive } from './envelope';
import { MAX_AGE_MS, retryDelayMs, RetryPolicy } from './retryPolicy';

/** Hard cap on re-drives; with the default 30 s base doubling to 1 h, 24 hours come first. */
export const MAX_REDRIVES = 50;
export const MAX_REDRIVE_AGE_MS = MAX_AGE_MS;

export type RowRead = { kind: 'row'; record: DeliveryRecord } | { kind: 'missing' } | { kind: 'unreadable'; reason: string };

export type PoisonDecision =
  | { action: 'final' }
  | { action: 'redrive'; delayMs: number; redrive: Redrive }
  | { action: 'fail'; reason: string }
  | { action: 'archive'; reason: string };

/** Why this copy reached the poison queue, in words (never message contents). */
function reasonOf(row: RowRead): string {
  if (row.kind === 'unreadable') return `delivery row unreadable: ${row.reason}`;
  if (row.kind === 'missing' || row.record.attempts === 0) return 'the worker failed on it repeatedly before any attempt';
  const { record } = row;
  const last = record.code ? `; last error ${record.code}: ${record.message ?? ''}`.trimEnd() : '';
  return `the worker failed on it repeatedly after ${record.attempts} attempt(s), row ${record.status}${last}`;
}

export function decidePoison(row: RowRead, previous: Redrive | undefined, nowMs: number, policy: RetryPolicy): PoisonDecision {
  if (row.kind === 'row' && isFinal(row.record.status)) return { action: 'final' };
  const reason = reasonOf(row);
  // The worker records INTERNAL when the provider call itself threw (a bug): a reason from an attempt.
  if (row.kind === 'row' && row.record.attempts > 0 && row.record.status === 'retrying' && row.record.code === 'INTERNAL') {
    return { action: 'fail', reason };
  }
  const since = previous?.since ?? nowMs;
  const count = (previous?.count ?? 0) + 1;
  if (count > MAX_REDRIVES || nowMs - since >= MAX_REDRIVE_AGE_MS) {
    const bound = `re-driven ${previous?.count ?? 0} time(s) since ${new Date(since).toISOString()}`;
    return row.kind === 'unreadable'
      ? { action: 'archive', reason: `${bound}; ${reason}` }
      : { action: 'fail', reason: `${bound}; ${reason}` };
  }
  return {
    action: 'redrive',
    delayMs: Math.max(1000, retryDelayMs(policy, count)),
    redrive: { count, since, reason: reason.slice(0, 1000) },
  };
}
