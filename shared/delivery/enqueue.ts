/**
 * Enqueue through the API (`POST /api/orgs/{orgId}/messages`): validate, dedupe on the id, reserve
 * the sender mailbox's next free slot (fairness, `scheduler.ts`), claim-check large payloads, put
 * the message on `outbox` hidden until its slot, and record it `queued`.
 *
 * Order: the row (`queued`) BEFORE the queue message, so the status shows the message as soon as it
 * is accepted, a duplicate of a message already attempted costs no queue message, and the queue message can carry the row's
 * ETag: the worker's claim is then one conditional update, with no read first. If the queue write
 * fails, the request fails and the row is taken back; should that fail too, the client's retry of
 * the same id finds the row `queued`, never attempted, and queues it. If two requests with the same
 * id race, only one inserts the row, and the worker's ETag-conditioned claim lets only one copy send.
 */
import { BoundedCache, boundedCache } from '../cache/bounded';
import { isMailerError, MailerError } from '../errors';
import type { DeliveryRecord, DeliveryStatus } from '../model/delivery';
import type { DeliveryStore } from './deliveries';
import type { QueueStore } from '../store/outboxQueue';
import type { PayloadStore } from '../store/payloadStore';
import { toQueueMessage } from './claimCheck';
import { contentHash } from './contentHash';
import type { MailboxScheduler } from './scheduler';
import { groupRefsOf, Message, parseMessageInput } from './schema';
import type { SenderResolver } from '../senders/resolve';
import type { RoutedMessage } from '../senders/rules';
import { chooseSender, Mailbox, MailboxRates, mailboxOf } from './senderChoice';
import { delayUntil } from './slotMath';
import type { Slot } from './envelope';
import type { DeliveryEventSink } from './events';
import { newDeliveryOf, snapshotOf } from './knownRow';
import { createExpressLane, ExpressLane, expressHiddenMs } from './expressLane';

export interface EnqueueDeps {
  deliveries: DeliveryStore;
  outbox: QueueStore;
  /** The express lane (`outbox-express`): messages due at once; without it they all go to `outbox`. */
  express?: QueueStore;
  payloads: PayloadStore;
  resolver: SenderResolver;
  scheduler: MailboxScheduler;
  ratePerMinute: MailboxRates;
  clock: () => number;
  /** Each new row (`queued`) is published here (events.ts: webhooks' `message.queued`). */
  publish: DeliveryEventSink;
  /**
   * Checks a message's `{ group }` recipients against the synced directory before anything is
   * written (DIRECTORY_GROUP_NOT_FOUND, DIRECTORY_GROUP_TOO_LARGE); groupExpansion.ts. Without it a
   * message naming a group is refused.
   */
  checkGroups?: (message: Message) => Promise<void>;
}

/** A per-recipient copy of a group message (groupFanout.ts): its row names the parent and member. */
export interface CopyOf {
  parent: string;
  member?: string;
}

export interface EnqueueResult {
  id: string;
  status: DeliveryStatus;
  /** False when a message with this id existed already (nothing new was queued). */
  created: boolean;
}

/**
 * Which mailbox an org's messages use is remembered this long for scheduling only: a flood then costs
 * no sender read per message, and a stale answer is harmless (the worker re-checks the mailbox and
 * reserves again when it changed).
 */
const MAILBOX_MEMORY_MS = 10_000;

export function createEnqueuer(deps: EnqueueDeps) {
  // Bounded by count and age (MAILBOX_MEMORY_MS): a flood over many orgs cannot grow it without end.
  const mailboxes = boundedCache<string, Mailbox>({ max: 10_000, ttlMs: MAILBOX_MEMORY_MS, clock: deps.clock });
  const context: Enqueuing = { ...deps, mailboxes, expressLane: createExpressLane(deps.clock) };
  return { enqueue: (orgId: string, body: unknown, copyOf?: CopyOf) => enqueue(context, orgId, body, copyOf) };
}

interface Enqueuing extends EnqueueDeps {
  /** Which mailbox an org's messages use, per org and routing fields (MAILBOX_MEMORY_MS). */
  mailboxes: BoundedCache<string, Mailbox>;
  /** Which due messages take `outbox-express` (expressLane.ts). */
  expressLane: ExpressLane;
}

async function enqueue(context: Enqueuing, orgId: string, body: unknown, copyOf?: CopyOf): Promise<EnqueueResult> {
  const message = parseMessageInput(orgId, body);
  if (groupRefsOf(message).length > 0) {
    if (!context.checkGroups)
      throw new MailerError('DIRECTORY_GROUP_NOT_FOUND', 'This deployment reads no directory, so a message cannot name a group.');
    await context.checkGroups(message);
  }
  const slot = await reserveSlot(context, orgId, { category: message.category, workspace: message.workspace });
  const hash = contentHash(message);
  // The row first: its insert is the duplicate check, and the queue message then carries its ETag.
  const { created, record } = await context.deliveries.create({ ...newDeliveryOf(message, hash), ...copyOf, now: context.clock() });
  // Same id, other content: refused. A row without a hash (inserted by the worker for a queue
  // message it could not read) cannot be compared: a plain duplicate.
  if (!created && record.contentHash !== undefined && record.contentHash !== hash) {
    throw new MailerError('IDEMPOTENCY_CONFLICT', `A message with id ${message.id} was already accepted with different content.`);
  }
  if (!created) {
    // A row still `queued` and never attempted may be one whose queue message was never written
    // (the request that created it failed after the row): the retried request queues it. Any
    // extra copy is dropped by the worker (its claim finds the row moved on).
    if (record.status === 'queued' && record.attempts === 0) await queue(context, message, record, slot);
    return { id: message.id, status: record.status, created };
  }
  try {
    await queue(context, message, record, slot);
  } catch (error) {
    // Not accepted: take the row back so the status does not show a message nobody will send;
    // if even that fails, the client's retry (same id) queues it (above).
    await context.deliveries.remove(record).catch(() => undefined);
    throw error;
  }
  await context.publish(record);
  return { id: message.id, status: record.status, created };
}

/** Per org AND routing fields: an org's messages may go out from several senders (routing rules). */
async function mailboxOfOrg(context: Enqueuing, orgId: string, routed: RoutedMessage): Promise<Mailbox> {
  const memo = `${orgId}\n${routed.category ?? ''}\n${routed.workspace ?? ''}`;
  const known = context.mailboxes.get(memo);
  if (known) return known;
  const { sender } = await chooseSender(context.resolver, orgId, {}, routed);
  const mailbox = mailboxOf(sender.config, context.ratePerMinute);
  context.mailboxes.set(memo, mailbox);
  return mailbox;
}

/** The slot of the mailbox the message will use; undefined leaves scheduling to the worker. */
async function reserveSlot(context: Enqueuing, orgId: string, routed: RoutedMessage): Promise<Slot | undefined> {
  let mailbox: Mailbox;
  try {
    mailbox = await mailboxOfOrg(context, orgId, routed);
  } catch (error) {
    // No sender can ever take it: say so now rather than failing it in the worker.
    if (isMailerError(error) && error.code === 'SENDER_NOT_FOUND') {
      throw new MailerError('INVALID_MESSAGE', error.message, {
        fields: { orgId: 'has no active sender and there is no default sender' },
        hint: error.hint,
      });
    }
    // Anything else (a broken sender without fallback, an outage) is the worker's to record.
    return undefined;
  }
  try {
    return { mailbox: mailbox.key, at: await context.scheduler.reserve(mailbox.key, mailbox.ratePerMinute) };
  } catch {
    return undefined;
  }
}

/** The queue message, hidden until its slot; it carries the row as inserted, so the worker claims without a read (knownRow.ts). */
async function queue(context: Enqueuing, message: Message, record: DeliveryRecord, slot: Slot | undefined): Promise<void> {
  const { body } = await toQueueMessage(message, context.payloads);
  if (slot) body.slot = slot;
  body.row = snapshotOf(record);
  const delayMs = slot ? delayUntil(slot.at, context.clock()) : 0;
  // Due at once and its mailbox not flooding (expressLane.ts): the express lane, so it never queues
  // behind other mailboxes' due messages. A message without a slot is placed by the worker, in `outbox`.
  const express = context.express && slot && context.expressLane.admits(slot, delayMs) ? context.express : undefined;
  const hiddenMs = express ? expressHiddenMs(delayMs) : delayMs;
  await (express ?? context.outbox).send(body, { visibilityDelaySeconds: hiddenMs / 1000, timeToLiveSeconds: -1 });
}

export type Enqueuer = ReturnType<typeof createEnqueuer>;
