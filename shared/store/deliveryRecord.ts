/** The row `create` writes, as a record (the types are in model/delivery.ts). */
import type { DeliveryRecord, NewDelivery } from '../model/delivery';

export type { DeliveryChanges, DeliveryRecord, DeliveryStatus, NewDelivery } from '../model/delivery';
export { DELIVERY_STATUSES } from '../model/delivery';

/**
 * The row `create` writes, as a record: the worker rebuilds it from the message and the envelope's
 * snapshot (ETag, creation time) to claim without reading it first. One function, so the two never differ.
 */
export function queuedRecord(init: NewDelivery, createdAt: string, etag: string): DeliveryRecord {
  const { orgId, id, category, workspace, recipients, contentHash, parent, member } = init;
  return {
    orgId,
    id,
    status: 'queued',
    attempts: 0,
    createdAt,
    updatedAt: createdAt,
    category,
    ...(workspace ? { workspace } : {}),
    recipients,
    contentHash,
    ...(parent ? { parent } : {}),
    ...(member ? { member } : {}),
    etag,
  };
}
