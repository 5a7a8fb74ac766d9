/**
 * The reads behind the operator summary: recent delivery rows across every org, and queue depths.
 * Kept apart from the per-org delivery store because these are cross-partition scans, bounded by
 * `maxRows` and meant for an operator's occasional look, never for a request path.
 */
import { odata } from '@azure/data-tables';
import { indexKey } from './deliveryStore';
import type { DeliveryStatus } from './deliveryStore';
import { storageFailure, storageStatus } from './storageErrors';
import type { StorageClients } from './storageClients';
import { TABLES } from './names';

export interface RecentDelivery {
  orgId: string;
  status: DeliveryStatus;
  code?: string;
  createdAt: string;
}

/**
 * Delivery rows created since `sinceMs`, newest first per org. Reads the index rows (RowKey
 * `~<inverted time>~<id>`), so the time bound is a RowKey range the service can apply.
 */
export async function scanRecentDeliveries(
  storage: StorageClients,
  sinceMs: number,
  maxRows: number,
): Promise<{ rows: RecentDelivery[]; truncated: boolean }> {
  const client = await storage.table(TABLES.deliveries);
  const upper = indexKey(new Date(sinceMs).toISOString(), '');
  const filter = odata`RowKey gt ${'~'} and RowKey lt ${upper}`;
  const rows: RecentDelivery[] = [];
  try {
    for await (const entity of client.listEntities<Record<string, unknown>>({
      queryOptions: { filter, select: ['PartitionKey', 'status', 'code', 'createdAt'] },
    })) {
      if (rows.length >= maxRows) return { rows, truncated: true };
      rows.push({
        orgId: String(entity.partitionKey),
        status: entity.status as DeliveryStatus,
        ...(typeof entity.code === 'string' ? { code: entity.code } : {}),
        createdAt: String(entity.createdAt),
      });
    }
  } catch (error) {
    throw storageFailure(error, 'scan recent deliveries');
  }
  return { rows, truncated: false };
}

export interface QueueDepth {
  /** Approximate number of messages, hidden ones included (Storage's own count). */
  length: number;
  /** Age of the oldest visible message, when there is one. */
  oldestAgeSeconds?: number;
}

/** A queue's depth; a queue that does not exist yet is empty. */
export async function queueDepth(storage: StorageClients, name: string, now: number = Date.now()): Promise<QueueDepth> {
  try {
    const client = await storage.queue(name);
    const [properties, peeked] = await Promise.all([client.getProperties(), client.peekMessages({ numberOfMessages: 1 })]);
    const oldest = peeked.peekedMessageItems[0]?.insertedOn;
    return {
      length: properties.approximateMessagesCount ?? 0,
      ...(oldest ? { oldestAgeSeconds: Math.max(0, Math.round((now - oldest.getTime()) / 1000)) } : {}),
    };
  } catch (error) {
    if (storageStatus(error) === 404) return { length: 0 };
    throw storageFailure(error, `read queue ${name}`);
  }
}
