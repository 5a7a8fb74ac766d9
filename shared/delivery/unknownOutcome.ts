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
import type { DeliveryRecord } from '../model/delivery';
import type { Accepted, Envelope } from './envelope';
import type { Recorder } from './recorder';
import { sentChanges, unlessLostRace } from './states';

/** When the follow-up of an accepted but unrecorded send is looked at: after a short Storage hiccup. */
export const UNRECORDED_RECHECK_SECONDS = 10;

/** A `sending` row whose lease ran out, for a message that does not opt into a resend. */
export async function markUncertain(recorder: Recorder, current: DeliveryRecord, envelope: Envelope): Promise<'uncertain' | 'race'> {
  const error = new MailerError(
    'DELIVERY_UNCERTAIN',
    `Attempt ${current.attempts} ended without a recorded answer from the provider; the message may have been delivered.`,
  );
  const uncertainAt = new Date(recorder.clock()).toISOString();
  const written = await unlessLostRace(() =>
    recorder.record(current, 'uncertain', { code: error.code, message: error.message, hint: error.hint, uncertainAt }),
  );
  if (written === 'race') return 'race';
  await recorder.dropPayload(envelope);
  return 'uncertain';
}

/** The follow-up copy of an accepted send: records `sent` from its proof. */
export async function recordAccepted(
  recorder: Recorder,
  current: DeliveryRecord,
  envelope: Envelope,
  accepted: Accepted,
): Promise<'sent' | 'race'> {
  const changes = sentChanges(accepted.at, accepted.providerMessageId);
  const written = await unlessLostRace(() => recorder.record(current, 'sent', changes, accepted.owner));
  if (written === 'race') return 'race';
  await recorder.dropPayload(envelope);
  return 'sent';
}

/** Accepted, `sent` not writable: queue the proof; if even that fails, the original error goes to the host. */
export async function unrecorded(recorder: Recorder, envelope: Envelope, accepted: Accepted, error: unknown): Promise<'unrecorded'> {
  try {
    await recorder.requeue(envelope, UNRECORDED_RECHECK_SECONDS * 1000, { slot: envelope.slot, accepted });
  } catch {
    throw error;
  }
  return 'unrecorded';
}
