/**
 * Sent but not recorded. Between the provider's answer (Graph 202, Gmail 200) and the Table write
 * that says `sent` lies a window in which a worker can die or Storage can fail. The provider offers
 * no idempotency key (Graph sendMail and Gmail messages.send have none), so a message must never be
 * sent again merely because its row does not say `sent`:
 *
 * - The claim writes `sending`, the attempt number and a lease BEFORE the provider is called. A
 *   worker that later finds that row with the lease run out cannot know what the provider did, and
 *   records `uncertain` (code DELIVERY_UNCERTAIN, an event) instead of sending again; only a message
 *   with `resendIfUncertain: true` is sent again (at least once, possibly twice).
 * - A worker that got the provider's acceptance but cannot write `sent` (Storage failed RECORD_TRIES
 *   times) puts the proof on the queue: a follow-up copy of the message carrying `accepted {attempt,
 *   owner, at, providerMessageId}`, from which a later worker records `sent` (also over `uncertain`,
 *   should a copy have got there first). Only when the queue fails too does the message end
 *   `uncertain`.
 */
import { MailerError } from '../errors';
import type { DeliveryChanges, DeliveryRecord } from '../store/deliveryStore';
import { isLostRace } from './states';
import type { QueueStore } from '../store/outboxQueue';
import { Accepted, buildEnvelope, Envelope } from './envelope';

/** When the follow-up of an accepted but unrecorded send is looked at: after a short Storage hiccup. */
export const UNRECORDED_RECHECK_SECONDS = 10;

export interface UnknownOutcomeDeps {
  /** The worker's transition writer (retries a Storage outage briefly, publishes the event). */
  record(current: DeliveryRecord, to: DeliveryRecord['status'], changes: DeliveryChanges, owner?: string): Promise<DeliveryRecord>;
  dropPayload(envelope: Envelope): Promise<void>;
  outbox: Pick<QueueStore, 'send'>;
  clock: () => number;
}

export function createUnknownOutcomes(deps: UnknownOutcomeDeps) {
  return {
    /** A `sending` row whose lease ran out, for a message that does not opt into a resend. */
    async markUncertain(current: DeliveryRecord, envelope: Envelope): Promise<'uncertain' | 'race'> {
      const error = new MailerError(
        'DELIVERY_UNCERTAIN',
        `Attempt ${current.attempts} ended without a recorded answer from the provider; the message may have been delivered.`,
      );
      try {
        await deps.record(current, 'uncertain', {
          code: error.code,
          message: error.message,
          hint: error.hint,
          uncertainAt: new Date(deps.clock()).toISOString(),
        });
      } catch (e) {
        if (isLostRace(e)) return 'race';
        throw e;
      }
      await deps.dropPayload(envelope);
      return 'uncertain';
    },

    /** The follow-up copy of an accepted send: records `sent` from its proof. */
    async recordAccepted(current: DeliveryRecord, accepted: Accepted, envelope: Envelope): Promise<'sent' | 'race'> {
      const changes: DeliveryChanges = {
        sentAt: accepted.at,
        providerMessageId: accepted.providerMessageId,
        code: undefined,
        message: undefined,
        hint: undefined,
        uncertainAt: undefined,
      };
      try {
        await deps.record(current, 'sent', changes, accepted.owner);
      } catch (e) {
        if (isLostRace(e)) return 'race';
        throw e;
      }
      await deps.dropPayload(envelope);
      return 'sent';
    },

    /** Accepted, `sent` not writable: queue the proof; if even that fails, the original error goes to the host. */
    async unrecorded(envelope: Envelope, accepted: Accepted, error: unknown): Promise<'unrecorded'> {
      try {
        await deps.outbox.send(buildEnvelope(envelope, envelope.slot, accepted), {
          visibilityDelaySeconds: UNRECORDED_RECHECK_SECONDS,
          timeToLiveSeconds: -1,
        });
      } catch {
        throw error;
      }
      return 'unrecorded';
    },
  };
}
