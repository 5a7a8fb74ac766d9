/**
 * Delivery events: every row delivery writes goes to ONE sink (`DeliveryEventSink`), and what listens
 * subscribes to it (delivery/index.ts wires them):
 *
 * - the status queue for the SaaS backend: each transition on queue `delivery-events` as
 *   `{id, orgId, status, at, code?, via?}` (Base64 JSON, like every queue the Functions host reads),
 *   except `queued` (the enqueue's own answer says it) and `sending` (an internal state that lasts
 *   one provider call), which would cost every message a queue write for nothing the backend can act on;
 * - platform events (`message.*`, for webhooks), with ids that are stable (org + message id +
 *   status + attempt + row time), so a retried publish is the same event;
 * - telemetry (shared/telemetry/deliveryObserver.ts).
 *
 * Publishing is best effort AFTER the row is written: the row is the truth (GET .../messages/{id}),
 * and failing a delivery because its event could not be queued would be worse than a missed event.
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

/** Where delivery publishes each row it wrote (the new status); subscribers decide what to do with it. */
export type DeliveryEventSink = (record: DeliveryRecord) => Promise<void>;

/** Publishes to each subscriber in turn. */
export const subscribers =
  (...sinks: DeliveryEventSink[]): DeliveryEventSink =>
  async (record) => {
    for (const sink of sinks) await sink(record);
  };

/** The status queue's subscriber (`delivery-events`). */
export function statusQueueEvents(queue: QueueStore, warn: (message: string) => void): DeliveryEventSink {
  return async (record) => {
    if (record.status === 'sending' || record.status === 'queued') return;
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
  expanded: 'message.expanded',
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

/** The platform events' subscriber (webhooks): each status with an event type becomes `message.<status>`. */
export function platformEvents(sink: PlatformEventSink): DeliveryEventSink {
  return async (record) => {
    const event = messageEventOf(record);
    if (event) await sink(event);
  };
}
