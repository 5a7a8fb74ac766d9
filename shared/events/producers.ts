/**
 * Platform events of the delivery pipeline and of the sender lifecycle, built from the rows the
 * producers just wrote. Ids are stable (hash of what happened), so a retried publish is the same
 * event: messages by org + message id + status + attempt + row time, senders by type + org +
 * config version + row time.
 */
import type { DeliveryRecord } from '../store/deliveryStore';
import type { SenderConfig } from '../senders/model';
import type { GroupSend } from '../delivery/groupModel';
import { EventData, EventType, stableEventId } from './catalogue';
import type { PlatformEvent, PlatformEventSink } from './types';

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
  record: Pick<DeliveryRecord, 'orgId' | 'id' | 'attempts' | 'updatedAt' | 'category' | 'via' | 'code' | 'nextAttemptAt' | 'parent' | 'group'> & { status: string },
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
  return { id: stableEventId(record.orgId, record.id, status, record.attempts, record.updatedAt), type, timestamp: record.updatedAt, orgId: record.orgId, data };
}

/** A group message's expansion and outcomes in counts (never member ids or addresses). */
export function groupSummary(group: GroupSend): { expandedCount: number; sent: number; failed: number; uncertain: number; pending: number } {
  const { sent, failed, uncertain, pending } = group.outcomes;
  return { expandedCount: group.expandedCount, sent, failed, uncertain, pending };
}

/** Wraps the delivery pipeline's publisher so every transition is also a platform event. */
export function alsoAsPlatformEvents<R extends Parameters<typeof messageEventOf>[0]>(publish: (record: R) => Promise<void>, sink: PlatformEventSink) {
  return async (record: R): Promise<void> => {
    await publish(record);
    const event = messageEventOf(record);
    if (event) await sink(event);
  };
}

type SenderEventType = 'sender.activated' | 'sender.needs_attention' | 'sender.reset';

export function senderEvent(type: SenderEventType, config: SenderConfig): PlatformEvent {
  const data: EventData<SenderEventType> = {
    provider: config.provider,
    mode: config.mode,
    senderEmail: config.senderEmail,
    status: config.status,
    version: config.version,
    ...(config.senderKey ? { senderKey: config.senderKey } : {}),
    ...(type === 'sender.needs_attention' && config.lastError ? { code: config.lastError.code, hint: config.lastError.hint } : {}),
  };
  // A named sender's key joins the id (the default sender's ids stay what they were).
  const id = config.senderKey ? stableEventId(type, config.orgId, config.senderKey, config.version, config.updatedAt) : stableEventId(type, config.orgId, config.version, config.updatedAt);
  return { id, type, timestamp: config.updatedAt, orgId: config.orgId, data };
}
