/**
 * The poison handler's logic (queue `outbox-poison`, and the sweep of every poison queue): a message
 * the host gave up on is re-driven, failed or archived as `redrive.ts` decides. It never fails a
 * message because Storage was down: a message whose row cannot be read is put back on `outbox`
 * with a delay, and only set aside (archived with its text) after the re-drive bound.
 * Unreadable messages (no id/orgId) are archived with their text at once.
 */
import { isMailerError, MailerError } from '../errors';
import type { DeliveryStore } from './deliveries';
import { isFinal, isLostRace } from './states';
import type { PayloadStore } from '../store/payloadStore';
import type { PoisonArchive } from '../store/poisonArchive';
import { entryText, Envelope, readEnvelope } from './envelope';
import type { DeliveryEventSink } from './events';
import type { Requeue } from './requeue';
import { decidePoison, RowRead } from './redrive';
import type { RetryPolicy } from './retryPolicy';

export interface PoisonDeps {
  deliveries: DeliveryStore;
  payloads: PayloadStore;
  poisonArchive: PoisonArchive;
  publish: DeliveryEventSink;
  /** Puts re-driven messages back on `outbox` (requeue.ts). */
  requeue: Requeue;
  /** The delivery retry policy: re-drive delays grow like retries. */
  policy: RetryPolicy;
  /** Names the queue in archived records when the caller does not. */
  queueName: string;
  clock: () => number;
}

export type PoisonOutcome = 'redriven' | 'failed' | 'final' | 'archived';

async function readRow(deps: PoisonDeps, envelope: Envelope): Promise<RowRead> {
  try {
    const record = await deps.deliveries.get(envelope.orgId, envelope.id);
    return record ? { kind: 'row', record } : { kind: 'missing' };
  } catch (error) {
    // Storage errors are classified with safe texts (operation and status only).
    return { kind: 'unreadable', reason: isMailerError(error) ? error.message : 'unexpected error' };
  }
}

/** Ends the message `failed` POISON whatever its lease (the worker that held it is gone); a final row is left alone. */
async function failPoisoned(deps: PoisonDeps, envelope: Envelope, reason: string): Promise<PoisonOutcome> {
  const { orgId, id, payloadRef } = envelope;
  const error = new MailerError('POISON', `Delivery was set aside: ${reason}.`.slice(0, 1000));
  const changes = { code: error.code, message: error.message, hint: error.hint, failedAt: new Date(deps.clock()).toISOString() };
  for (let race = 0; ; race++) {
    const current = (await deps.deliveries.get(orgId, id)) ?? (await deps.deliveries.create({ orgId, id })).record;
    if (isFinal(current.status)) return 'final';
    try {
      await deps.publish(await deps.deliveries.transition(current, 'failed', changes, { ignoreLease: true }));
      break;
    } catch (e) {
      if (!isLostRace(e) || race >= 5) throw e;
    }
  }
  if (payloadRef) await deps.payloads.delete(payloadRef).catch(() => undefined);
  return 'failed';
}

export function createPoisonHandler(deps: PoisonDeps) {
  const now = deps.clock;

  return {
    /**
     * Handles one entry of a poison queue as the Functions host hands it over. Throws only when
     * Storage refuses even the way out (re-drive or archive): the host then moves the entry on to
     * `<queue>-poison`, which the sweep reads.
     */
    async process(entry: unknown, log: { warn(message: string): void }, queueName = deps.queueName): Promise<PoisonOutcome> {
      const read = readEnvelope(entry);
      if (!read.ok) {
        await deps.poisonArchive.keep({ queue: queueName, raw: read.raw, reason: read.reason, now: now() });
        log.warn(`${queueName}: unreadable message archived (${read.reason})`);
        return 'archived';
      }
      const envelope = read.envelope;
      const where = `${envelope.orgId}/${envelope.id}`;
      const decision = decidePoison(await readRow(deps, envelope), envelope.redrive, now(), deps.policy);
      switch (decision.action) {
        case 'final':
          return 'final';
        case 'redrive':
          // Without its old slot: the worker reserves a fresh one, so a re-driven crowd keeps the mailbox's pace.
          await deps.requeue({ ...envelope, redrive: decision.redrive }, decision.delayMs);
          log.warn(
            `${queueName}: ${where} re-driven (${decision.redrive.count}) in ${Math.round(decision.delayMs / 1000)} s: ${decision.redrive.reason}`,
          );
          return 'redriven';
        case 'fail': {
          const outcome = await failPoisoned(deps, envelope, decision.reason);
          if (outcome === 'failed') log.warn(`${queueName}: ${where} recorded failed (POISON): ${decision.reason}`);
          return outcome;
        }
        case 'archive':
          await deps.poisonArchive.keep({ queue: queueName, raw: entryText(entry), reason: decision.reason, now: now() });
          log.warn(`${queueName}: ${where} archived: ${decision.reason}`);
          return 'archived';
      }
    },
  };
}

export type PoisonHandler = ReturnType<typeof createPoisonHandler>;
