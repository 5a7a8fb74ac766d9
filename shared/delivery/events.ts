/**
 * Status events for the SaaS backend: every transition is also put on queue `delivery-events` as
 * `{id, orgId, status, at, code?, via?}` (Base64 JSON, like every queue the Functions host reads),
 * except `sending`: an internal state that lasts one provider call (the platform events skip it
 * too), whose event cost every message a queue write for nothing the backend can act on.
 *
 * Publishing is best effort AFTER the row is written: the row is the truth (GET .../messages/{id}),
 * and failing a delivery because its event could not be queued would be worse than a missed event.
 */
import type { DeliveryRecord, DeliveryStatus } from '../store/deliveryStore';
import type { QueueStore } from '../store/outboxQueue';
import type { ErrorCode } from '../errors';
import { groupSummary } from '../events/producers';

export interface DeliveryEvent {
  id: string;
  orgId: string;
  status: DeliveryStatus;
  at: string;
  code?: ErrorCode;
  via?: 'org' | 'default';
  /** A per-recipient copy of a message to directory groups: that message's id. */
  parentId?: string;
  /** A message to directory groups: recipients expanded, and its copies by outcome. */
  group?: ReturnType<typeof groupSummary>;
}

export function eventOf(record: DeliveryRecord): DeliveryEvent {
  return {
    id: record.id,
    orgId: record.orgId,
    status: record.status,
    at: record.updatedAt,
    ...(record.code && record.status !== 'sent' ? { code: record.code } : {}),
    ...(record.via ? { via: record.via } : {}),
    ...(record.parent ? { parentId: record.parent } : {}),
    ...(record.group ? { group: groupSummary(record.group) } : {}),
  };
}

export type EventPublisher = (record: DeliveryRecord) => Promise<void>;

export function createEventPublisher(queue: QueueStore, warn: (message: string) => void): EventPublisher {
  return async (record) => {
    if (record.status === 'sending') return;
    try {
      await queue.send(eventOf(record));
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'error';
      warn(`delivery event ${record.orgId}/${record.id} ${record.status} not queued (${code})`);
    }
  };
}
