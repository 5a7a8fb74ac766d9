/**
 * The one rule for rows: every message is decided on its delivery row, and its queue message says
 * where that row is, so the worker never guesses:
 *
 * - `row`: the row exactly as inserted for this very body (its content hash checked), with its
 *   ETag; known without a read. The enqueue API writes it, and a message that waits before any
 *   attempt carries it on (`snapshotOf`);
 * - `seen` or `accepted` (any other copy org-mailer put back on the queue): the row exists; it is read;
 * - neither (the typed client, which writes no row, or another writer of the queue): no row yet;
 *   the worker's first write inserts it.
 *
 * Every write is conditioned on the ETag, or is the insert, so a row that moved on since refuses it;
 * the worker then reads the row and decides again. Cost per delivered message (docs/delivery.md,
 * "Storage operations per message"): no read on either first look.
 */
import type { DeliveryRecord, NewDelivery } from '../model/delivery';
import { queuedRecord } from '../store/deliveryRecord';
import type { Envelope, RowSnapshot } from './envelope';
import type { Message } from './schema';

/** The row fields a message gives its delivery: the same whoever inserts the row (the API or the worker). */
export const newDeliveryOf = (message: Message, hash: string): NewDelivery => ({
  orgId: message.orgId,
  id: message.id,
  category: message.category,
  workspace: message.workspace,
  recipients: message.to.length + message.cc.length + message.bcc.length,
  contentHash: hash,
});

/** The row the queue message names without a read, or undefined when it must be read. */
export function rowInEnvelope(envelope: Envelope, now: number): DeliveryRecord | undefined {
  const { orgId, id, row } = envelope;
  if (row) return queuedRecord({ orgId, id, ...row }, row.at, row.etag);
  if (envelope.seen || envelope.accepted) return undefined;
  return unwrittenRow(envelope, now);
}

/**
 * The snapshot a queue message carries of its row: only of a row still exactly as inserted
 * (`queued`, never attempted), as the snapshot stands for nothing else; undefined otherwise.
 */
export function snapshotOf(record: DeliveryRecord): RowSnapshot | undefined {
  if (record.status !== 'queued' || record.attempts > 0 || !record.etag) return undefined;
  const { etag, createdAt: at, category, workspace, recipients, contentHash: hash, parent, member } = record;
  const optional = { category, workspace, recipients, contentHash: hash, parent, member };
  return { etag, at, ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)) };
}

/** The envelope's own snapshot while `row` is still that version (same ETag), else undefined. */
export const ownSnapshot = (envelope: Envelope, row: DeliveryRecord): RowSnapshot | undefined =>
  row.etag && envelope.row?.etag === row.etag ? envelope.row : undefined;

/** A message without a row: `queued`, never written (etag ''), so its first transition inserts it. */
export const unwrittenRow = (envelope: Pick<Envelope, 'orgId' | 'id'>, now: number): DeliveryRecord =>
  queuedRecord({ orgId: envelope.orgId, id: envelope.id }, new Date(now).toISOString(), '');
