/**
 * Delivery rows with the state machine's rules (states.ts) applied to every write: what the rest of
 * delivery calls `deliveries`. Each write is one conditional Storage call (replace-if-match or insert).
 */
import type { DeliveryChanges, DeliveryRecord, DeliveryStatus } from '../model/delivery';
import { createDeliveryRows, DeliveryRows, ListOptions } from '../store/deliveryStore';
import type { StorageClients } from '../store/storageClients';
import { claimChanges, DeliveryTransitionError, nextRow, TransitionOptions } from './states';

export interface DeliveryStore extends Pick<DeliveryRows, 'get' | 'create' | 'remove' | 'list'> {
  /** Moves `current` (as read, with its ETag; or never written, etag '': then inserted) to `to`. */
  transition(current: DeliveryRecord, to: DeliveryStatus, changes?: DeliveryChanges, options?: TransitionOptions): Promise<DeliveryRecord>;
  /** `queued|retrying|sending-with-expired-lease -> sending`, attempts + 1, lease for `owner`. */
  claim(current: DeliveryRecord, owner: string, leaseMs: number, changes?: DeliveryChanges, now?: number): Promise<DeliveryRecord>;
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
    // A row never written (etag ''): the insert is the condition; a row that exists refuses it (`stale`).
    const written = current.etag ? await rows.replaceIfMatch(current, next) : await rows.insert(next);
    if ('refused' in written) {
      const reason = written.refused === 'exists' ? 'stale' : written.refused;
      throw new DeliveryTransitionError(reason, current.status, to, current);
    }
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
  };
}

/** The deliveries of a Storage account. */
export const createDeliveryStore = (storage: StorageClients): DeliveryStore => deliveriesOver(createDeliveryRows(storage));
