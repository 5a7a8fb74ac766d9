/**
 * Sending to a directory group (docs/delivery.md, "Sending to a directory group"). The worker hands a message
 * naming `{ group }` recipients here instead of to a provider:
 *
 *   1. expand (the first claim): claim the parent row, expand the groups from the synced copy
 *      (groupExpansion.ts), enqueue ONE copy per final recipient through the normal outbox path
 *      (enqueue.ts: each copy reserves its own slot of the mailbox its route picks, so the mailbox's
 *      rate and concurrency hold, and is a delivery of its own with a derived, stable id), then record
 *      `group` on the parent, still `sending`, and put a parent copy on the queue for the rollup;
 *   2. roll up (each later parent copy): read the copies' rows (one range query), and either record
 *      the parent's final status (groupRollup.ts) or look again later.
 *
 * Crash safety: the copies' ids derive from parent id + address, the ones that exist are skipped on
 * a re-expansion, and a copy enqueued twice is one delivery (its row insert is the duplicate check,
 * and only one queue copy can claim it). The parent's payload is kept until the parent is final,
 * because every parent copy re-reads the message.
 */
import { randomUUID } from 'node:crypto';
import type { DirectoryReader } from '../directory/model';
import { ERROR_CODES, isMailerError, MailerError } from '../errors';
import type { DeliveryRecord } from '../model/delivery';
import type { DeliveryStore } from './deliveries';
import { DeliveryTransitionError, isLostRace } from './states';
import type { GroupChildren } from '../store/groupChildren';
import type { QueueStore } from '../store/outboxQueue';
import type { CopyOf } from './enqueue';
import { buildEnvelope, Envelope } from './envelope';
import type { EventPublisher } from './events';
import { childId, childPrefix, Expansion, expandRecipients } from './groupExpansion';
import type { GroupSend } from '../model/group';
import { finalOf, givenUp, nextCheckDelayMs, ROLLUP_GIVE_UP_MS, tally } from './groupRollup';
import { RetryPolicy, retryDelayMs, shouldGiveUp } from './retryPolicy';
import type { Message } from './schema';
import type { GroupStep, Outcome, WorkerSteps } from './workerTypes';

export interface GroupFanoutDeps {
  reader: DirectoryReader;
  /** DIRECTORY_GROUP_MAX_RECIPIENTS. */
  limit: number;
  deliveries: DeliveryStore;
  children: GroupChildren;
  outbox: QueueStore;
  /** The normal enqueue path (enqueue.ts), for each copy. */
  enqueue(orgId: string, body: unknown, copyOf: CopyOf): Promise<unknown>;
  publish: EventPublisher;
  policy: RetryPolicy;
  leaseMs: number;
  clock?: () => number;
}

/** Copies enqueued at once: enough to keep Storage busy, few enough not to crowd other work. */
const COPY_PARALLELISM = 8;

export function createGroupFanout(deps: GroupFanoutDeps): GroupStep & { checkAtEnqueue(message: Message): Promise<void> } {
  const now = deps.clock ?? Date.now;
  const iso = (ms: number) => new Date(ms).toISOString();

  async function later(envelope: Envelope, atMs: number): Promise<void> {
    await deps.outbox.send(buildEnvelope(envelope), {
      visibilityDelaySeconds: Math.max(1, Math.ceil((atMs - now()) / 1000)),
      timeToLiveSeconds: -1,
    });
  }

  async function expand(message: Message): Promise<Expansion> {
    const expansion = await expandRecipients(message, deps.reader, deps.limit);
    if (expansion.recipients.length === 0) {
      throw new MailerError(
        'DIRECTORY_GROUP_EMPTY',
        `No one is left to send to: ${expansion.skipped.disabled} disabled and ${expansion.skipped.noMail} without mail.`,
      );
    }
    return expansion;
  }

  /** One copy per recipient that has none yet, each addressed to that recipient alone. */
  async function makeCopies(message: Message, expansion: Expansion): Promise<void> {
    const { orgId, id } = message;
    const existing = new Set((await deps.children.list(orgId, id, childPrefix(id))).map((row) => row.id));
    const { orgId: _org, ...content } = message;
    const todo = expansion.recipients.filter((r) => !existing.has(childId(id, r.address)));
    await Promise.all(
      Array.from({ length: Math.min(COPY_PARALLELISM, todo.length) }, async () => {
        for (let r = todo.shift(); r; r = todo.shift()) {
          const to = [{ address: r.address, ...(r.name ? { name: r.name } : {}) }];
          await deps.enqueue(
            orgId,
            { ...content, id: childId(id, r.address), to, cc: [], bcc: [] },
            { parent: id, ...(r.member ? { member: r.member } : {}) },
          );
        }
      }),
    );
  }

  async function firstClaim(
    envelope: Envelope,
    current: DeliveryRecord,
    message: Message,
    hash: string,
    steps: WorkerSteps,
  ): Promise<Outcome | 'race'> {
    const owner = randomUUID();
    let claimed: DeliveryRecord;
    try {
      claimed = await deps.deliveries.claim(current, owner, deps.leaseMs, { contentHash: current.contentHash ?? hash }, now());
    } catch (error) {
      if (isLostRace(error)) return 'race';
      throw error;
    }
    await deps.publish(claimed);
    let expansion: Expansion;
    try {
      expansion = await expand(message);
      await makeCopies(message, expansion);
    } catch (error) {
      if (!isMailerError(error)) throw error; // a bug: the host re-delivers; the lease then lets a copy take over
      if (!error.retryable || shouldGiveUp(deps.policy, claimed.attempts, Date.parse(claimed.createdAt), now()))
        return steps.fail(claimed, error, envelope, owner);
      return steps.retry(claimed, error, envelope, retryDelayMs(deps.policy, claimed.attempts, error.retryAfterSeconds), {}, owner);
    }
    const { groups, recipients, skipped } = expansion;
    const group: GroupSend = {
      groups,
      expandedCount: recipients.length,
      skipped,
      expandedAt: iso(now()),
      checks: 0,
      outcomes: { sent: 0, failed: 0, uncertain: 0, pending: recipients.length, reasons: {} },
    };
    const checkAt = now() + nextCheckDelayMs(0);
    try {
      // Still `sending`; the lease now runs to the first rollup, so an early parent copy waits for it.
      await steps.record(claimed, 'sending', { group, leaseUntil: iso(checkAt) }, owner);
    } catch (error) {
      if (error instanceof DeliveryTransitionError) return 'race'; // another copy took over and recorded it
      throw error;
    }
    await later(envelope, checkAt);
    return 'expanded';
  }

  async function rollup(envelope: Envelope, current: DeliveryRecord & { group: GroupSend }, steps: WorkerSteps): Promise<Outcome | 'race'> {
    const { group } = current;
    let outcomes = tally(await deps.children.list(current.orgId, current.id, childPrefix(current.id)), group.expandedCount);
    if (outcomes.pending > 0 && now() - Date.parse(group.expandedAt) > ROLLUP_GIVE_UP_MS) outcomes = givenUp(outcomes);
    const next: GroupSend = { ...group, outcomes, checks: group.checks + 1 };
    try {
      if (outcomes.pending > 0) {
        // Progress only: written without an event (the copies have their own).
        const checkAt = now() + nextCheckDelayMs(next.checks);
        await deps.deliveries.transition(
          current,
          'sending',
          { group: next, leaseOwner: randomUUID(), leaseUntil: iso(checkAt) },
          { now: now() },
        );
        await later(envelope, checkAt);
        return 'deferred';
      }
      const final = finalOf(outcomes);
      const at = iso(now());
      const ended =
        final.status === 'sent'
          ? { sentAt: at, code: undefined, message: undefined, hint: undefined }
          : { failedAt: at, code: final.code, message: final.message, hint: final.code && ERROR_CODES[final.code].hint };
      await steps.record(current, final.status, { group: next, ...ended });
      await steps.dropPayload(envelope);
      return final.status;
    } catch (error) {
      if (error instanceof DeliveryTransitionError) return 'race';
      throw error;
    }
  }

  return {
    /** At enqueue: refuses a group the synced copy does not hold, or one too large, before anything is written. */
    async checkAtEnqueue(message: Message): Promise<void> {
      try {
        await expand(message);
      } catch (error) {
        // Storage could not be read now: the worker expands at send time and decides then.
        if (!isMailerError(error) || error.retryable) return;
        throw error;
      }
    },

    /** The worker's step for a message with `{ group }` recipients (its row as read, content hash checked). */
    async deliver(
      envelope: Envelope,
      current: DeliveryRecord,
      message: Message,
      hash: string,
      steps: WorkerSteps,
    ): Promise<Outcome | 'race'> {
      if (current.group) return rollup(envelope, current as DeliveryRecord & { group: GroupSend }, steps);
      return firstClaim(envelope, current, message, hash, steps);
    },
  };
}
