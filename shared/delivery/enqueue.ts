/**
 * Enqueue through the API (`POST /api/orgs/{orgId}/messages`): validate, dedupe on the id, reserve
 * the sender mailbox's next free slot (fairness, `scheduler.ts`), claim-check large payloads, put
 * the message on `outbox` hidden until its slot, and record it `queued`.
 *
 * Order matters for "never lose, never send twice": the queue message is written BEFORE the row.
 * If the row write fails, the worker creates the row itself; if two requests with the same id race,
 * both messages reach the worker and its ETag-conditioned claim lets only one send. The row's
 * insert is also the duplicate check (409: the id exists): reading first would cost every message
 * a request to save a queue message on the rare duplicate, which the worker then drops.
 */
import { boundedCache } from '../cache/bounded';
import { isMailerError, MailerError } from '../errors';
import type { DeliveryStatus, DeliveryStore } from '../store/deliveryStore';
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
import { messageEventOf } from '../events/producers';
import type { PlatformEventSink } from '../events/types';

export interface EnqueueDeps {
  deliveries: DeliveryStore;
  outbox: QueueStore;
  payloads: PayloadStore;
  resolver: SenderResolver;
  scheduler: MailboxScheduler;
  ratePerMinute: MailboxRates;
  clock?: () => number;
  /** `message.queued` for each new message (webhooks). */
  events?: PlatformEventSink;
  /**
   * Checks a message's `{ group }` recipients against the synced directory before anything is
   * written (DIRECTORY_GROUP_NOT_FOUND, DIRECTORY_GROUP_TOO_LARGE); groupFanout.ts. Without it a
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
const MIN_DELAY_MS = 1000;

export function createEnqueuer(deps: EnqueueDeps) {
  const now = deps.clock ?? Date.now;
  // Bounded by count and age (MAILBOX_MEMORY_MS): a flood over many orgs cannot grow it without end.
  const mailboxes = boundedCache<string, Mailbox>({ max: 10_000, ttlMs: MAILBOX_MEMORY_MS, clock: now });

  /** Per org AND routing fields: an org's messages may go out from several senders (routing rules). */
  async function mailboxOfOrg(orgId: string, routed: RoutedMessage): Promise<Mailbox> {
    const memo = `${orgId}\n${routed.category ?? ''}\n${routed.workspace ?? ''}`;
    const known = mailboxes.get(memo);
    if (known) return known;
    const { sender } = await chooseSender(deps.resolver, orgId, {}, routed);
    const mailbox = mailboxOf(sender.config, deps.ratePerMinute);
    mailboxes.set(memo, mailbox);
    return mailbox;
  }

  /** The slot of the mailbox the message will use; undefined leaves scheduling to the worker. */
  async function reserveSlot(orgId: string, routed: RoutedMessage): Promise<Slot | undefined> {
    let mailbox: Mailbox;
    try {
      mailbox = await mailboxOfOrg(orgId, routed);
    } catch (error) {
      // No sender can ever take it: say so now rather than failing it in the worker.
      if (isMailerError(error) && error.code === 'SENDER_NOT_FOUND') {
        throw new MailerError('INVALID_MESSAGE', error.message, { fields: { orgId: 'has no active sender and there is no default sender' }, hint: error.hint });
      }
      // Anything else (a broken sender without fallback, an outage) is the worker's to record.
      return undefined;
    }
    try {
      return { mailbox: mailbox.key, at: await deps.scheduler.reserve(mailbox.key, mailbox.ratePerMinute) };
    } catch {
      return undefined;
    }
  }

  return {
    async enqueue(orgId: string, body: unknown, copyOf?: CopyOf): Promise<EnqueueResult> {
      const message = parseMessageInput(orgId, body);
      if (groupRefsOf(message).length > 0) {
        if (!deps.checkGroups) throw new MailerError('DIRECTORY_GROUP_NOT_FOUND', 'This deployment reads no directory, so a message cannot name a group.');
        await deps.checkGroups(message);
      }
      const slot = await reserveSlot(orgId, { category: message.category, workspace: message.workspace });
      const { body: queued } = await toQueueMessage(message, deps.payloads);
      if (slot) queued.slot = slot;
      // At least a second hidden, so the row below is written before any worker sees the message;
      // else a worker could create the row first and this request would look like a duplicate.
      const delayMs = Math.max(MIN_DELAY_MS, slot ? delayUntil(slot.at, now()) : 0);
      await deps.outbox.send(queued, { visibilityDelaySeconds: delayMs / 1000, timeToLiveSeconds: -1 });

      const recipients = message.to.length + message.cc.length + message.bcc.length;
      const hash = contentHash(message);
      const { created, record } = await deps.deliveries.create({ orgId, id: message.id, category: message.category, workspace: message.workspace, recipients, contentHash: hash, ...copyOf, now: now() });
      // Same id, other content: refused. The queue message written above is dropped by the worker,
      // which finds the row's hash differs from its content's. A row without a hash (created by the
      // worker for a typed-client message not claimed yet) cannot be compared: a plain duplicate.
      if (!created && record.contentHash !== undefined && record.contentHash !== hash) {
        throw new MailerError('IDEMPOTENCY_CONFLICT', `A message with id ${message.id} was already accepted with different content.`);
      }
      if (created) await deps.events?.(messageEventOf(record)!);
      return { id: message.id, status: record.status, created };
    },
  };
}

export type Enqueuer = ReturnType<typeof createEnqueuer>;
