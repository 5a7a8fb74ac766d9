/**
 * The poison handler's logic (queue `outbox-poison`): a message the host gave up on (it threw
 * maxDequeueCount times) is recorded `failed` with code POISON, so the SaaS sees an end state
 * instead of a message stuck in `sending`. A message already `sent` stays `sent`: the provider
 * accepted it before whatever failed afterwards. Unreadable messages are archived with their text.
 */
import { MailerError } from '../errors';
import { DeliveryStore, DeliveryTransitionError, isFinal } from '../store/deliveryStore';
import type { PayloadStore } from '../store/payloadStore';
import type { PoisonArchive } from '../store/poisonArchive';
import { readEnvelope } from './envelope';
import type { EventPublisher } from './events';

export interface PoisonDeps {
  deliveries: DeliveryStore;
  payloads: PayloadStore;
  poisonArchive: PoisonArchive;
  publish: EventPublisher;
  queueName: string;
}

export type PoisonOutcome = 'failed' | 'final' | 'archived';

export function createPoisonHandler(deps: PoisonDeps) {
  return {
    async process(entry: unknown, log: { warn(message: string): void }): Promise<PoisonOutcome> {
      const read = readEnvelope(entry);
      if (!read.ok) {
        await deps.poisonArchive.keep({ queue: deps.queueName, raw: read.raw, reason: read.reason });
        log.warn(`outbox-poison: unreadable message archived (${read.reason})`);
        return 'archived';
      }
      const { orgId, id, payloadRef } = read.envelope;
      const error = new MailerError('POISON', 'Delivery failed repeatedly with an unexpected error and was set aside.');
      for (let race = 0; ; race++) {
        const current = (await deps.deliveries.get(orgId, id)) ?? (await deps.deliveries.create({ orgId, id })).record;
        if (isFinal(current.status)) return 'final';
        try {
          const failed = await deps.deliveries.transition(
            current,
            'failed',
            { code: error.code, message: error.message, hint: error.hint, failedAt: new Date().toISOString() },
            { ignoreLease: true },
          );
          await deps.publish(failed);
          break;
        } catch (e) {
          if (!(e instanceof DeliveryTransitionError && e.reason === 'stale') || race >= 5) throw e;
        }
      }
      if (payloadRef) await deps.payloads.delete(payloadRef).catch(() => undefined);
      log.warn(`outbox-poison: ${orgId}/${id} recorded failed (POISON)`);
      return 'failed';
    },
  };
}
