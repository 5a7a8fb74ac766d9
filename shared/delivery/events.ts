/**
 * Status events for the SaaS backend: every transition is also put on queue `delivery-events` as
 * `{id, orgId, status, at, code?, via?}` (Base64 JSON, like every queue the Functions host reads),
 * except `sending`: an internal state that lasts one provider call (the platform events skip it
 * too), whose event cost every message a queue write for nothing the backend can act on.
 *
 * Publishing is best effort AFTER the row is written: the row is the truth (GET .../messages/{id}),
 * and failing a delivery because its event could not be queued would be worse than a missed event.
 *
 * The same transitions are platform events (`message.*`, for webhooks): built here too, with ids
 * that are stable (org + message id + status + attempt + row time), so a retried publish is the
 * same event.
 */
import type { DeliveryRecord, DeliveryStatus } from '../model/delivery';
import type { GroupSend } from '../model/group';
import type { PlatformEvent, PlatformEventSink } from '../model/events';
import type { QueueStore } from '../store/outboxQueue';
import type { ErrorCode } from '../errors';
import { EventData, EventType, stableEventId } from '../events/catalogue';

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

type MessageStatus = EventData<'message.sent'>['status'];
const MESSAGE_TYPES: Record<MessageStatus, EventType> = {
  queued: 'message.queued',
  sent: 'message.sent',
  retrying: 'message.retrying',
  failed: 'message.failed',
  uncertain: 'message.uncertain',
  partly_failed: 'message.partly_failed',
};

/** The event of a delivery row's new status; undefined for internal states (`sending`). */
export function messageEventOf(
  record: Pick<
    DeliveryRecord,
    'orgId' | 'id' | 'attempts' | 'updatedAt' | 'category' | 'via' | 'code' | 'nextAttemptAt' | 'parent' | 'group'
  > & { status: string },
): PlatformEvent | undefined {
  const status = record.status as MessageStatus;
  const type = Object.prototype.hasOwnProperty.call(MESSAGE_TYPES, status) ? MESSAGE_TYPES[status] : undefined;
  if (!type) return undefined;
  const data: EventData<'message.sent'> = {
    messageId: record.id,
    status,
    attempts: record.attempts,
    at: record.updatedAt,
    ...(record.category ? { category: record.category } : {}),
    ...(record.via ? { via: record.via } : {}),
    ...(record.code && status !== 'sent' && status !== 'queued' ? { code: record.code } : {}),
    ...(record.nextAttemptAt && status === 'retrying' ? { nextAttemptAt: record.nextAttemptAt } : {}),
    ...(record.parent ? { parentId: record.parent } : {}),
    ...(record.group ? { group: groupSummary(record.group) } : {}),
  };
  return {
    id: stableEventId(record.orgId, record.id, status, record.attempts, record.updatedAt),
    type,
    timestamp: record.updatedAt,
    orgId: record.orgId,
    data,
  };
}

/** A group message's expansion and outcomes in counts (never member ids or addresses). */
export function groupSummary(group: GroupSend): {
  expandedCount: number;
  sent: number;
  failed: number;
  uncertain: number;
  pending: number;
} {
  const { sent, failed, uncertain, pending } = group.outcomes;
  return { expandedCount: group.expandedCount, sent, failed, uncertain, pending };
}

/** Wraps the delivery pipeline's publisher so every transition is also a platform event. */
export function alsoAsPlatformEvents<R extends Parameters<typeof messageEventOf>[0]>(
  publish: (record: R) => Promise<void>,
  sink: PlatformEventSink,
) {
  return async (record: R): Promise<void> => {
    await publish(record);
    const event = messageEventOf(record);
    if (event) await sink(event);
  };
}
