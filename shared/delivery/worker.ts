/**
 * The outbox worker: one queue message in, one delivery moved forward (docs/delivery.md).
 *
 *   read envelope -> delivery row (created if the message came straight from the typed client)
 *   -> drop duplicates of final rows, defer copies that are early or under another worker's lease
 *   -> load and validate the message -> choose the sender -> wait for the mailbox's slot
 *   -> claim (ETag + lease) -> provider send (at most N at once per mailbox) -> record
 *
 * It never throws for an expected failure: throttling and outages become `retrying` plus a NEW
 * queue message with a visibility delay, and the current message completes, so its dequeue count
 * stays at 1. Only the unexpected (a bug, Storage down while recording) is thrown; the host then
 * retries it and, after maxDequeueCount, moves it to `outbox-poison` (see `poison.ts`).
 */
import { randomUUID } from 'node:crypto';
import { isMailerError, MailerError } from '../errors';
import { withDeadline } from '../providers/deadline';
import type { SendReceipt } from '../providers/types';
import { DEFAULT_ORG_ID, DEFAULT_SENDER_KEY } from '../senders/model';
import type { DeliveryChanges, DeliveryRecord } from '../store/deliveryStore';
import { isFinal, isLostRace } from './states';
import { finish, guessRow, newDelivery } from './firstLook';
import { contentHash } from './contentHash';
import { Accepted, buildEnvelope, Envelope, readEnvelope, Slot } from './envelope';
import { createUnknownOutcomes } from './unknownOutcome';
import { messageEventOf } from './events';
import { retryDelayMs, shouldGiveUp } from './retryPolicy';
import { groupRefsOf, Message, parseMessage, toOutgoingMail } from './schema';
import { chooseSender, mailboxOf, SenderChoice } from './senderChoice';
import { delayUntil } from './slotMath';

export type { Outcome, WorkerDeps, WorkerLog } from './workerTypes';
import type { Outcome, WorkerDeps, WorkerLog } from './workerTypes';

const RECORD_TRIES = 3;
/**
 * A copy that finds another worker's live lease looks again this soon, not at the lease's end: the
 * holder normally finishes in well under a second, and the lease only bounds a dead holder.
 */
const LEASE_RECHECK_MS = 5_000;
/** A message that got no mailbox permit looks again this soon (plus up to as much jitter). */
const PERMIT_RETRY_MS = 5_000;

export function createOutboxWorker(deps: WorkerDeps) {
  const now = deps.clock ?? Date.now;

  async function defer(envelope: Envelope, untilMs: number, slot?: Slot): Promise<void> {
    const seconds = Math.max(1, Math.ceil((untilMs - now()) / 1000));
    await deps.outbox.send(buildEnvelope(envelope, slot, envelope.accepted), { visibilityDelaySeconds: seconds, timeToLiveSeconds: -1 });
  }

  /** Writes a transition, retrying briefly on a Storage outage: losing `sent` means sending twice. */
  async function record(
    current: DeliveryRecord,
    to: DeliveryRecord['status'],
    changes: DeliveryChanges,
    owner?: string,
  ): Promise<DeliveryRecord> {
    for (let attempt = 1; ; attempt++) {
      try {
        const next = await deps.deliveries.transition(current, to, changes, { owner, now: now() });
        await deps.publish(next);
        return next;
      } catch (error) {
        if (!(isMailerError(error) && error.code === 'STORAGE_UNAVAILABLE') || attempt >= RECORD_TRIES) throw error;
        await new Promise((r) => setTimeout(r, 250 * attempt));
      }
    }
  }

  /** A message from the typed client has no row yet: the worker creates it, and that is its `message.queued`. */
  async function createRow(orgId: string, id: string): Promise<DeliveryRecord> {
    const { created, record } = await deps.deliveries.create({ orgId, id, now: now() });
    if (created) await deps.events?.(messageEventOf(record)!);
    return record;
  }

  /** A copy deferred on its first look: its row must exist, so the status shows it meanwhile. */
  async function ensureRow(envelope: Envelope): Promise<void> {
    if (!envelope.row) await createRow(envelope.orgId, envelope.id);
  }

  const errorFields = (error: MailerError): DeliveryChanges => ({ code: error.code, message: error.message, hint: error.hint });
  const { markUncertain, recordAccepted, unrecorded } = createUnknownOutcomes({
    record,
    dropPayload: (e) => dropPayload(e),
    outbox: deps.outbox,
    clock: now,
  });

  async function fail(current: DeliveryRecord, error: MailerError, envelope: Envelope, owner?: string): Promise<Outcome> {
    await record(current, 'failed', { ...errorFields(error), failedAt: new Date(now()).toISOString() }, owner);
    await dropPayload(envelope);
    return 'failed';
  }

  async function retry(
    current: DeliveryRecord,
    error: MailerError,
    envelope: Envelope,
    delayMs: number,
    changes: DeliveryChanges = {},
    owner?: string,
  ): Promise<Outcome> {
    await record(current, 'retrying', { ...errorFields(error), ...changes, nextAttemptAt: new Date(now() + delayMs).toISOString() }, owner);
    // The row says `retrying` before the new message exists: if this send fails, the error reaches
    // the host, which re-delivers the current message, and that copy re-enqueues.
    await deps.outbox.send(buildEnvelope(envelope), { visibilityDelaySeconds: delayMs / 1000, timeToLiveSeconds: -1 });
    return 'retrying';
  }

  async function dropPayload(envelope: Envelope): Promise<void> {
    if (!envelope.payloadRef) return;
    await deps.payloads.delete(envelope.payloadRef).catch(() => undefined);
  }

  async function loadMessage(envelope: Envelope): Promise<Message> {
    let content: unknown = envelope.content;
    if (envelope.payloadRef) {
      const blob = await deps.payloads.get(envelope.payloadRef);
      if (!blob)
        throw new MailerError('INVALID_MESSAGE', 'The message payload (claim check) was not found.', {
          fields: { payloadRef: 'no such payload' },
        });
      try {
        content = JSON.parse(blob.toString('utf8'));
      } catch {
        throw new MailerError('INVALID_MESSAGE', 'The message payload (claim check) is not JSON.', { fields: { payloadRef: 'not JSON' } });
      }
    }
    const message = parseMessage(content);
    if (message.id !== envelope.id || message.orgId !== envelope.orgId) {
      throw new MailerError('INVALID_MESSAGE', 'The message payload belongs to another message.', {
        fields: { payloadRef: 'id or orgId differ' },
      });
    }
    return message;
  }

  /** A failure before the provider was called (no claim held). */
  async function failEarly(current: DeliveryRecord, error: MailerError, envelope: Envelope): Promise<Outcome> {
    if (!error.retryable) return fail(current, error, envelope);
    const attempted = { ...current, attempts: current.attempts + 1 };
    if (shouldGiveUp(deps.policy, attempted.attempts, Date.parse(current.createdAt), now())) return fail(current, error, envelope);
    return retry(current, error, envelope, retryDelayMs(deps.policy, attempted.attempts, error.retryAfterSeconds), {
      attempts: attempted.attempts,
    });
  }

  /** The provider (or resolving the sender) failed after the claim. */
  async function afterSendFailure(
    claimed: DeliveryRecord,
    error: MailerError,
    choice: SenderChoice,
    key: string,
    envelope: Envelope,
    owner: string,
  ): Promise<Outcome> {
    if (error.retryable) {
      if (error.category === 'throttle' && error.retryAfterSeconds !== undefined)
        deps.limiter.pause(key, now() + error.retryAfterSeconds * 1000);
      if (shouldGiveUp(deps.policy, claimed.attempts, Date.parse(claimed.createdAt), now())) return fail(claimed, error, envelope, owner);
      return retry(claimed, error, envelope, retryDelayMs(deps.policy, claimed.attempts, error.retryAfterSeconds), {}, owner);
    }
    if (error.category === 'auth' || error.category === 'permission' || error.category === 'mailbox') {
      // The sender is broken, not the message: tell its admin, and use the default sender if allowed.
      // With the config version used, so a config the admin fixed meanwhile is left alone.
      const named = choice.via === 'org' && choice.senderKey !== DEFAULT_SENDER_KEY;
      await deps.resolver
        .markNeedsAttention(
          choice.via === 'org' ? claimed.orgId : DEFAULT_ORG_ID,
          error,
          choice.sender.config.version,
          named ? choice.senderKey : undefined,
        )
        .catch(() => undefined);
      // A named sender falls back to the org's default sender first: the next attempt routes again
      // (the sender now needs attention, so the route passes it over and records the hop).
      if (named && choice.sender.config.fallbackToDefault && choice.sender.config.status === 'active')
        return retry(claimed, error, envelope, 0, {}, owner);
      if (
        choice.via === 'org' &&
        choice.sender.config.fallbackToDefault &&
        claimed.orgId !== DEFAULT_ORG_ID &&
        (await deps.resolver.resolveDefault())
      ) {
        return retry(
          claimed,
          error,
          envelope,
          0,
          {
            via: 'default',
            viaReason: error.code,
            hops: [...(choice.hops ?? []), { sender: DEFAULT_SENDER_KEY, status: 'needs_attention', reason: error.code }],
          },
          owner,
        );
      }
    }
    return fail(claimed, error, envelope, owner);
  }

  /**
   * `race` when another worker changed the row between our read and our claim. `read` undefined:
   * the row was not read (the first look at a copy); the claim is then conditioned on the snapshot
   * the enqueue API put in the envelope, or is the row's insert (typed client), and anything off
   * that happy path reads the row first (`race`).
   */
  async function deliver(envelope: Envelope, read: DeliveryRecord | undefined): Promise<Outcome | 'race'> {
    let message: Message;
    let current: DeliveryRecord;
    let hash: string;
    try {
      message = await loadMessage(envelope);
      hash = contentHash(message);
      current = read ?? guessRow(envelope, message, hash, now());
    } catch (error) {
      if (!isMailerError(error)) throw error;
      if (!read) return 'race';
      return failEarly(read, error, envelope);
    }
    if (current.contentHash !== undefined && current.contentHash !== hash) {
      await dropPayload(envelope);
      return 'conflict';
    }
    if (groupRefsOf(message).length > 0) {
      // A group send is no hot path: its fan-out works from the row as read.
      if (!read) return 'race';
      if (deps.groups) return deps.groups.deliver(envelope, current, message, hash, { record, fail, retry, dropPayload });
      return failEarly(
        current,
        new MailerError('DIRECTORY_GROUP_NOT_FOUND', 'This deployment reads no directory, so a message cannot name a group.'),
        envelope,
      );
    }
    let choice: SenderChoice;
    try {
      choice = await chooseSender(deps.resolver, envelope.orgId, current, { category: message.category, workspace: message.workspace });
    } catch (error) {
      if (!isMailerError(error)) throw error;
      // Not on the happy path: fail only a row as read.
      if (!read) return 'race';
      return failEarly(current, error, envelope);
    }
    // Only a lease that has run out lets a `sending` row get this far (process() waits out live ones).
    if (current.status === 'sending' && !message.resendIfUncertain) return markUncertain(current, envelope);

    const { key, ratePerMinute } = mailboxOf(choice.sender.config, deps.ratePerMinute);
    // Deferred before any claim: a copy whose row was not read first makes sure the row exists
    // (a typed-client message has none yet), so its status shows it queued.
    const deferUnclaimed = async (untilMs: number, slot?: Slot): Promise<'deferred'> => {
      if (!read) await ensureRow(envelope);
      await defer(envelope, untilMs, slot);
      return 'deferred';
    };
    const paused = deps.limiter.pausedUntil(key, now());
    if (paused) return deferUnclaimed(paused);
    const slotAt = envelope.slot?.mailbox === key ? envelope.slot.at : await deps.scheduler.reserve(key, ratePerMinute);
    if (delayUntil(slotAt, now()) > 0) return deferUnclaimed(slotAt, { mailbox: key, at: slotAt });

    // A permit of the mailbox, shared by all instances (permitLeases.ts), before the claim: when none
    // can be had (other instances hold them all, or Storage failed), nothing is claimed or attempted.
    if (!(await deps.limiter.admit(key)))
      return deferUnclaimed(now() + PERMIT_RETRY_MS * (1 + Math.random()), { mailbox: key, at: slotAt });
    const owner = randomUUID();
    const changes: DeliveryChanges = {
      via: choice.via,
      viaReason: choice.viaReason,
      provider: choice.sender.config.provider,
      sender: choice.sender.config.senderEmail,
      senderKey: choice.senderKey,
      hops: choice.hops,
      contentHash: current.contentHash ?? hash,
    };
    let claimed: DeliveryRecord;
    try {
      claimed = current.etag
        ? await deps.deliveries.claim(current, owner, deps.leaseMs, changes, now())
        : await deps.deliveries.claimNew(newDelivery(message, hash), owner, deps.leaseMs, changes, now());
    } catch (error) {
      if (isLostRace(error)) return 'race';
      throw error;
    }
    // A row the claim created was never seen `queued`: its `message.queued` event comes now.
    if (!current.etag) await deps.events?.(messageEventOf({ ...claimed, status: 'queued', attempts: 0 })!);
    await deps.publish(claimed);

    let receipt: SendReceipt;
    try {
      receipt = await deps.limiter.run(key, () =>
        withDeadline(deps.sendBudgetMs ?? deps.leaseMs, 'Sending through the provider', () =>
          choice.sender.provider.send(toOutgoingMail(message)),
        ),
      );
    } catch (error) {
      if (isMailerError(error)) return afterSendFailure(claimed, error, choice, key, envelope, owner);
      // A bug, not a provider answer: free the row for the host's re-delivery, then let it see the error.
      await deps.deliveries
        .transition(
          claimed,
          'retrying',
          { code: 'INTERNAL', message: 'Unexpected error while sending.', nextAttemptAt: new Date(now()).toISOString() },
          { owner, now: now() },
        )
        .catch(() => undefined);
      throw error;
    }
    const accepted: Accepted = {
      attempt: claimed.attempts,
      owner,
      at: new Date(now()).toISOString(),
      providerMessageId: receipt.providerMessageId,
    };
    try {
      await record(
        claimed,
        'sent',
        { sentAt: accepted.at, providerMessageId: receipt.providerMessageId, code: undefined, message: undefined, hint: undefined },
        owner,
      );
    } catch (error) {
      // Storage failed, or our lease ran out during a very slow send and another worker marked the
      // row `uncertain` (or resent it): either way the proof of OUR acceptance goes on the queue.
      return unrecorded(envelope, accepted, error);
    }
    deps.resolver.recordUse?.(choice.sender.config); // the sender's lastUsedAt (at most hourly, never awaited)
    await dropPayload(envelope);
    return 'sent';
  }

  return {
    /** Handles one `outbox` queue entry as the Functions host hands it over. */
    async process(entry: unknown, log: WorkerLog): Promise<Outcome> {
      const read = readEnvelope(entry);
      if (!read.ok) {
        await deps.poisonArchive.keep({ queue: deps.queueName, raw: read.raw, reason: read.reason, now: now() });
        log.warn(`outbox: unreadable message archived (${read.reason})`);
        return 'archived';
      }
      const envelope = read.envelope;
      const where = `${envelope.orgId}/${envelope.id}`;

      for (let race = 0; ; race++) {
        // The first look at an ordinary copy claims without reading the row (see deliver).
        if (race === 0 && !envelope.accepted) {
          const outcome = await deliver(envelope, undefined);
          if (outcome !== 'race') return finish(outcome, where, log);
          continue;
        }
        const current = (await deps.deliveries.get(envelope.orgId, envelope.id)) ?? (await createRow(envelope.orgId, envelope.id));
        const accepted = envelope.accepted;
        if (accepted && !(current.attempts === accepted.attempt && (current.status === 'sending' || current.status === 'uncertain'))) {
          // A proof about an attempt the row has moved past (recorded, or resent on request): nothing to do.
          if (isFinal(current.status)) await dropPayload(envelope);
          log.info(`outbox: ${where} is ${current.status} (attempt ${current.attempts}); proof of attempt ${accepted.attempt} dropped`);
          return 'duplicate';
        }
        if (accepted) {
          const outcome = await recordAccepted(current, accepted, envelope);
          if (outcome === 'race' && race < 3) continue;
          if (outcome === 'race') {
            await defer(envelope, now() + 5000, envelope.slot);
            return 'deferred';
          }
          log.info(`outbox: ${where} sent (recorded from the proof of acceptance)`);
          return outcome;
        }
        if (isFinal(current.status)) {
          // Each copy has its own claim-check blob (a fresh name per upload): drop this one's.
          await dropPayload(envelope);
          log.info(`outbox: ${where} is already ${current.status}; duplicate dropped`);
          return 'duplicate';
        }
        const leaseUntil =
          current.status === 'sending' && current.leaseUntil ? Math.min(Date.parse(current.leaseUntil), now() + LEASE_RECHECK_MS) : 0;
        const dueAt = current.status === 'retrying' && current.nextAttemptAt ? Date.parse(current.nextAttemptAt) : 0;
        const waitUntil = Math.max(leaseUntil, dueAt);
        if (delayUntil(waitUntil, now()) > 0) {
          await defer(envelope, waitUntil, envelope.slot);
          log.info(`outbox: ${where} is ${current.status} until ${new Date(waitUntil).toISOString()}; deferred`);
          return 'deferred';
        }
        const outcome = await deliver(envelope, current);
        // Another worker moved the row between our read and our claim: read it again.
        if (outcome === 'race' && race < 3) continue;
        if (outcome === 'race') {
          await defer(envelope, now() + 5000, envelope.slot);
          return 'deferred';
        }
        return finish(outcome, where, log);
      }
    },
  };
}

export type OutboxWorker = ReturnType<typeof createOutboxWorker>;
