/**
 * The worker's first look at a queue message, without reading its delivery row (worker.ts): the row
 * as it is expected, and the log line of an outcome.
 */
import type { DeliveryRecord, NewDelivery } from '../store/deliveryStore';
import { queuedRecord } from '../store/deliveryStore';
import type { Envelope } from './envelope';
import type { Message } from './schema';
import type { Outcome, WorkerLog } from './workerTypes';

export const newDelivery = (message: Message, hash: string): NewDelivery => ({
  orgId: message.orgId,
  id: message.id,
  category: message.category,
  workspace: message.workspace,
  recipients: message.to.length + message.cc.length + message.bcc.length,
  contentHash: hash,
});

/**
 * The row as it is expected on a copy's first look, unread: as the enqueue API wrote it (its
 * snapshot in the envelope), or none yet (typed client; etag ''). A wrong guess costs a refused
 * claim and a read, never a wrong write: every write is conditioned on the ETag or is an insert.
 */
export function guessRow(envelope: Envelope, message: Message, hash: string, now: number): DeliveryRecord {
  const { row } = envelope;
  if (row) return queuedRecord({ ...newDelivery(message, hash), parent: row.parent, member: row.member }, row.at, row.etag);
  return queuedRecord({ orgId: envelope.orgId, id: envelope.id }, new Date(now).toISOString(), '');
}

export function finish(outcome: Outcome, where: string, log: WorkerLog): Outcome {
  if (outcome === 'conflict')
    log.warn(
      `outbox: ${where}: IDEMPOTENCY_CONFLICT: a copy with other content than the first one seen under this id was dropped, not sent`,
    );
  else if (outcome === 'uncertain')
    log.warn(`outbox: ${where}: DELIVERY_UNCERTAIN: an attempt ended without a recorded answer; not sent again`);
  else if (outcome === 'unrecorded')
    log.warn(`outbox: ${where}: accepted by the provider, not recorded yet (Storage); a follow-up records it`);
  else log.info(`outbox: ${where} ${outcome}`);
  return outcome;
}
