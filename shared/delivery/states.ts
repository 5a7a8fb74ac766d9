/**
 * The delivery state machine, pure: which status may follow which, the lease rule, and the row a
 * transition or a claim writes. The store only keeps rows (get / insert / replace-if-match / list);
 * `deliveries.ts` puts the two together.
 *
 *   queued -> sending -> sent
 *                     -> retrying -> sending ...
 *                     -> failed
 *   (queued | retrying) -> retrying | failed   (a failure before the provider was called)
 *   sending -> sending                         (only when the previous worker's lease has run out)
 *   sending -> uncertain -> sent               (the outcome of an attempt is unknown; proven sent later)
 *   sending -> expanded -> expanded ... -> sent | failed | partly_failed
 *                                              (a message to directory groups: its copies queued, then rolled up)
 *
 * A row never written yet (etag '': a queue message from the typed client) is `queued`; its first
 * transition is its insert.
 * `sent`, `failed`, `partly_failed` and `uncertain` are final for the worker: nothing sends an
 * `uncertain` message again; only proof of the provider's acceptance may still move it to `sent`.
 * Leaving `sending` needs the lease owner while the lease lives; a refused transition throws
 * `DeliveryTransitionError` with the reason (`illegal`, `stale`, `leased`, `missing`), never overwrites.
 */
import { MailerError } from '../errors';
import type { DeliveryChanges, DeliveryRecord, DeliveryStatus } from '../model/delivery';

const NEXT: Record<DeliveryStatus, readonly DeliveryStatus[]> = {
  queued: ['sending', 'retrying', 'failed'],
  retrying: ['sending', 'retrying', 'failed'],
  sending: ['sending', 'sent', 'retrying', 'failed', 'uncertain', 'expanded'],
  sent: [],
  failed: [],
  uncertain: ['sent'],
  expanded: ['expanded', 'sent', 'failed', 'partly_failed'],
  partly_failed: [],
};

export function isFinal(status: DeliveryStatus): boolean {
  return status === 'sent' || status === 'failed' || status === 'uncertain' || status === 'partly_failed';
}

export type TransitionRefusal = 'illegal' | 'stale' | 'leased' | 'missing';

/** A refused transition. `current` is the row as last read, when known. */
export class DeliveryTransitionError extends MailerError {
  constructor(
    readonly reason: TransitionRefusal,
    readonly from: DeliveryStatus | undefined,
    readonly to: DeliveryStatus,
    readonly current?: DeliveryRecord,
  ) {
    super('CONCURRENT_UPDATE', `Delivery transition ${from ?? '(none)'} -> ${to} refused (${reason}).`);
    this.name = 'DeliveryTransitionError';
  }
}

/** A transition that another writer got to first (the ETag moved, or a live lease is someone else's). */
export const isLostRace = (error: unknown): error is DeliveryTransitionError =>
  error instanceof DeliveryTransitionError && (error.reason === 'stale' || error.reason === 'leased');

/** Runs a write; `race` when another writer moved the row first (the caller reads it and decides again). */
export async function unlessLostRace<T>(write: () => Promise<T>): Promise<T | 'race'> {
  try {
    return await write();
  } catch (error) {
    if (isLostRace(error)) return 'race';
    throw error;
  }
}

export interface TransitionOptions {
  /** The worker making the change; must hold the lease to leave `sending`. */
  owner?: string;
  /** The poison handler ends a message whatever its lease (the worker that held it is gone). */
  ignoreLease?: boolean;
  now?: number;
}

/** The row `current -> to` writes (ETag still the one read), or a refusal (`illegal`, `leased`). */
export function nextRow(
  current: DeliveryRecord,
  to: DeliveryStatus,
  changes: DeliveryChanges = {},
  options: TransitionOptions = {},
): DeliveryRecord {
  const from = current.status;
  if (!NEXT[from].includes(to)) throw new DeliveryTransitionError('illegal', from, to, current);
  const now = options.now ?? Date.now();
  if (from === 'sending' && !options.ignoreLease) {
    const leaseLive = current.leaseUntil !== undefined && Date.parse(current.leaseUntil) > now;
    const mine = options.owner !== undefined && current.leaseOwner === options.owner;
    // Another worker's live lease blocks every move, a takeover included; once it has run out,
    // the ETag condition alone decides (a takeover changes the ETag).
    if (leaseLive && !mine) throw new DeliveryTransitionError('leased', from, to, current);
  }
  const next: DeliveryRecord = { ...current, ...changes, status: to, updatedAt: new Date(now).toISOString() };
  // Cleared by `undefined`, which no write, snapshot or answer carries: `delete` would turn the row
  // into a slow dictionary object on the path every message takes twice.
  if (to !== 'sending') {
    next.leaseOwner = undefined;
    next.leaseUntil = undefined;
  }
  if (to !== 'retrying' && to !== 'expanded') next.nextAttemptAt = undefined;
  return next;
}

/** What entering `sent` writes: when, the provider's id if any, and no error or uncertainty left over. */
export const sentChanges = (at: string, providerMessageId?: string): DeliveryChanges => ({
  sentAt: at,
  providerMessageId,
  code: undefined,
  message: undefined,
  hint: undefined,
  uncertainAt: undefined,
});

/** What a claim changes: one more attempt, and the lease for `owner` until `now + leaseMs`. */
export const claimChanges = (attempts: number, owner: string, leaseMs: number, now: number): DeliveryChanges => ({
  attempts: attempts + 1,
  leaseOwner: owner,
  leaseUntil: new Date(now + leaseMs).toISOString(),
});
