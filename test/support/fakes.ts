/**
 * In-memory stand-ins for the store interfaces of shared/store, for unit tests that need no Azurite.
 * Each keeps the contract its interface documents, and shares its rules with the real store where
 * one exists (the delivery state machine over fake rows, `archiveRecord`, the queue text encoding), so a
 * fake cannot quietly accept what Storage would refuse. Time comes from an injected clock.
 */
import { randomUUID } from 'node:crypto';
import { DeliveryRecord, DeliveryRows, indexKey, queuedRecord } from '@shared/store/deliveryStore';
import { deliveriesOver, DeliveryStore } from '@shared/delivery/deliveries';
import { decodeQueueMessage, encodeQueueMessage, MAX_MESSAGE_TEXT_BYTES, QueueEntry, QueueStore } from '@shared/store/outboxQueue';
import type { GroupChildren } from '@shared/store/groupChildren';
import type { MailboxSlotStore } from '@shared/store/mailboxSlots';
import type { PayloadStore } from '@shared/store/payloadStore';
import { archiveRecord, PoisonArchive, PoisonRecord } from '@shared/store/poisonArchive';

export type Clock = () => number;

interface StoredMessage {
  entry: QueueEntry;
  visibleAt: number;
}

/** A queue: Base64 text as Storage keeps it, hidden while received, `dequeueCount` counting receives. */
export function fakeQueueStore(name: string, clock: Clock = Date.now): QueueStore & { messages: StoredMessage[] } {
  const messages: StoredMessage[] = [];
  const visible = () => messages.filter((m) => m.visibleAt <= clock());
  const find = (entry: Pick<QueueEntry, 'id' | 'popReceipt'>) =>
    messages.findIndex((m) => m.entry.id === entry.id && m.entry.popReceipt === entry.popReceipt);

  async function sendEncoded(messageText: string, options: { visibilityDelaySeconds?: number } = {}) {
    if (Buffer.byteLength(messageText) > MAX_MESSAGE_TEXT_BYTES) throw new Error(`queue message over ${MAX_MESSAGE_TEXT_BYTES} bytes`);
    const now = clock();
    const id = randomUUID();
    const entry: QueueEntry = {
      id,
      popReceipt: randomUUID(),
      dequeueCount: 0,
      insertionTime: new Date(now),
      expirationTime: new Date(now + 7 * 86_400_000),
      messageText,
    };
    messages.push({ entry, visibleAt: now + Math.max(0, options.visibilityDelaySeconds ?? 0) * 1000 });
    return { id };
  }

  return {
    name,
    messages,
    send: (value, options) => sendEncoded(encodeQueueMessage(value), options),
    sendEncoded,
    async receive(max, visibilityTimeoutSeconds) {
      return visible()
        .slice(0, Math.max(1, Math.min(32, max)))
        .map((m) => {
          m.visibleAt = clock() + Math.max(1, visibilityTimeoutSeconds) * 1000;
          m.entry = {
            ...m.entry,
            popReceipt: randomUUID(),
            dequeueCount: m.entry.dequeueCount + 1,
            nextVisibleTime: new Date(m.visibleAt),
          };
          return m.entry;
        });
    },
    async delete(entry) {
      const at = find(entry);
      if (at >= 0) messages.splice(at, 1); // a message already gone is not an error
    },
    async release(entry, visibilityTimeoutSeconds) {
      const at = find(entry);
      if (at < 0) throw new Error(`message ${entry.id} is not held with this pop receipt`);
      messages[at].visibleAt = clock() + visibilityTimeoutSeconds * 1000;
    },
    async peek(max = 32) {
      return visible()
        .slice(0, max)
        .map((m) => {
          const decoded = decodeQueueMessage(m.entry.messageText);
          return decoded.ok ? decoded.value : m.entry.messageText;
        });
    },
    async count() {
      return messages.length;
    },
  };
}

export function fakePayloadStore(): PayloadStore & { blobs: Map<string, Buffer> } {
  const blobs = new Map<string, Buffer>();
  return {
    blobs,
    async put(name, data) {
      blobs.set(name, Buffer.from(data));
    },
    async get(name) {
      return blobs.get(name);
    },
    async delete(name) {
      blobs.delete(name);
    },
  };
}

export function fakePoisonArchive(): PoisonArchive & { records: PoisonRecord[] } {
  const records: PoisonRecord[] = [];
  return {
    records,
    async keep(input) {
      const record = archiveRecord(input);
      records.push(record);
      return record;
    },
    async list(day) {
      return records.filter((r) => r.day === day).sort((a, b) => a.key.localeCompare(b.key));
    },
  };
}

/**
 * Deliveries with ETags: fake rows (every write conditioned on the ETag read, as the Table store's
 * are) under the real state machine (delivery/deliveries.ts).
 */
export function fakeDeliveryStore(clock: Clock = Date.now): DeliveryStore & { rows: Map<string, DeliveryRecord> } {
  const rows = new Map<string, DeliveryRecord>();
  let version = 0;
  const keyOf = (orgId: string, id: string) => `${orgId}/${id}`;
  const stamp = (record: DeliveryRecord): DeliveryRecord => {
    const stored = { ...record, etag: `W/"${++version}"` };
    rows.set(keyOf(record.orgId, record.id), stored);
    return { ...stored };
  };
  const fakeRows: DeliveryRows = {
    async get(orgId, id) {
      const stored = rows.get(keyOf(orgId, id));
      return stored && { ...stored };
    },
    async create({ now = clock(), ...init }) {
      const existing = rows.get(keyOf(init.orgId, init.id));
      if (existing) return { created: false, record: { ...existing } };
      return { created: true, record: stamp(queuedRecord(init, new Date(now).toISOString(), '')) };
    },
    async insert(record) {
      if (rows.has(keyOf(record.orgId, record.id))) return { refused: 'exists' };
      return { etag: stamp(record).etag };
    },
    async replaceIfMatch(current, next) {
      const stored = rows.get(keyOf(current.orgId, current.id));
      if (!stored) return { refused: 'missing' };
      if (stored.etag !== current.etag) return { refused: 'stale' };
      return { etag: stamp(next).etag };
    },
    async remove(record) {
      const stored = rows.get(keyOf(record.orgId, record.id));
      if (stored && stored.etag !== record.etag) throw new Error(`412: delivery ${record.orgId}/${record.id} changed`);
      rows.delete(keyOf(record.orgId, record.id));
    },
    async list(orgId, { status, cursor, limit = 50 } = {}) {
      // Newest first, as the index rows order them; the cursor is the offset into that order.
      const all = [...rows.values()]
        .filter((r) => r.orgId === orgId && (!status || r.status === status))
        .sort((a, b) => indexKey(a.createdAt, a.id).localeCompare(indexKey(b.createdAt, b.id)));
      const start = cursor ? Number(cursor) : 0;
      const page = all.slice(start, start + limit).map((r) => ({ ...r, etag: '' }));
      return { items: page, cursor: start + limit < all.length ? String(start + limit) : undefined };
    },
  };
  return { ...deliveriesOver(fakeRows, clock), rows };
}

/** Mailbox slot rows: `advance` is atomic here as the ETag-conditioned write makes it in Table Storage. */
export function fakeMailboxSlotStore(): MailboxSlotStore & { slots: Map<string, number> } {
  const slots = new Map<string, number>();
  return {
    slots,
    async advance(key, step) {
      const { nextFreeAt, result } = step(slots.get(key) ?? 0);
      slots.set(key, nextFreeAt);
      return result;
    },
  };
}

/** The copies of a group message: the rows of `deliveries` whose id starts with `prefix` and name the parent. */
export function fakeGroupChildren(deliveries: ReturnType<typeof fakeDeliveryStore>): GroupChildren {
  return {
    async list(orgId, parentId, prefix) {
      return [...deliveries.rows.values()]
        .filter((r) => r.orgId === orgId && r.id.startsWith(prefix) && r.parent === parentId)
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((r) => ({ ...r }));
    },
  };
}
