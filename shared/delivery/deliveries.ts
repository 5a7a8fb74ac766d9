/**
 * Delivery rows with the state machine's rules (states.ts) applied to every write: what the rest of
 * delivery calls `deliveries`. Each write is one conditional Storage call (replace-if-match or insert).
 */
import type { DeliveryChanges, DeliveryRecord, DeliveryStatus, NewDelivery } from '../model/delivery';
import { createDeliveryRows, DeliveryRows, ListOptions } from '../store/deliveryStore';
import type { StorageClients } from '../store/storageClients';
import { claimChanges, DeliveryTransitionError, newSendingRow, nextRow, TransitionOptions } from './states';

export interface DeliveryStore extends Pick<DeliveryRows, 'get' | 'create' | 'remove' | 'list'> {
  /** Moves `current` (as read, with its ETag) to `to`. */
  transition(current: DeliveryRecord, to: DeliveryStatus, changes?: DeliveryChanges, options?: TransitionOptions): Promise<DeliveryRecord>;
  /** `queued|retrying|sending-with-expired-lease -> sending`, attempts + 1, lease for `owner`. */
  claim(current: DeliveryRecord, owner: string, leaseMs: number, changes?: DeliveryChanges, now?: number): Promise<DeliveryRecord>;
  /**
   * Claims a message that has no row yet (the typed client's): inserts it straight as `sending`,
   * attempt 1, with the lease. The insert is the condition: a row that exists already refuses it
   * (`stale`), and the caller reads that row and decides again.
   */
  claimNew(init: NewDelivery, owner: string, leaseMs: number, changes?: DeliveryChanges, now?: number): Promise<DeliveryRecord>;
  list(orgId: string, options?: ListOptions): Promise<{ items: DeliveryRecord[]; cursor?: string }>;
}

/** `clock` is the time of a write made without its own `now`. */
export function deliveriesOver(rows: DeliveryRows, clock: () => number = Date.now): DeliveryStore {
  async function transition(
    current: DeliveryRecord,
    to: DeliveryStatus,
    changes: DeliveryChanges = {},
    options: TransitionOptions = {},
  ): Promise<DeliveryRecord> {
    const next = nextRow(current, to, changes, { ...options, now: options.now ?? clock() });
    const written = await rows.replaceIfMatch(current, next);
    if ('refused' in written) throw new DeliveryTransitionError(written.refused, current.status, to, current);
    return { ...next, etag: written.etag };
  }

  return {
    get: rows.get,
    create: rows.create,
    remove: rows.remove,
    list: rows.list,
    transition,
    claim: (current, owner, leaseMs, changes = {}, now = clock()) =>
      transition(current, 'sending', { ...changes, ...claimChanges(current.attempts, owner, leaseMs, now) }, { owner, now }),
    async claimNew(init, owner, leaseMs, changes = {}, now = clock()) {
      const row = newSendingRow(init, owner, leaseMs, changes, now);
      const written = await rows.insert(row);
      if ('refused' in written) throw new DeliveryTransitionError('stale', undefined, 'sending');
      return { ...row, etag: written.etag };
    },
  };
}

/** The deliveries of a Storage account. */
export const createDeliveryStore = (storage: StorageClients): DeliveryStore => deliveriesOver(createDeliveryRows(storage));
