/**
 * Writing what happened to a delivery: one transition at a time through the state machine
 * (deliveries.ts), each published to the one event sink, plus the follow-ups that go with an ending
 * (drop the claim-check payload) or a retry (a new queue message, requeue.ts). The worker, the group
 * fan-out and the unknown-outcome steps all record through this, so a message fails and retries the
 * same way whichever of them handles it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isMailerError, MailerError } from '../errors';
import type { DeliveryChanges, DeliveryRecord, DeliveryStatus } from '../model/delivery';
import type { PayloadStore } from '../store/payloadStore';
import type { DeliveryStore } from './deliveries';
import type { Envelope } from './envelope';
import type { DeliveryEventSink } from './events';
import type { FailureStep } from './failure';
import type { Requeue } from './requeue';

/** Tries of one transition during a Storage outage: losing `sent` would mean sending twice. */
const RECORD_TRIES = 3;
const RECORD_BACKOFF_MS = 250;

export interface RecorderDeps {
  deliveries: DeliveryStore;
  publish: DeliveryEventSink;
  requeue: Requeue;
  payloads: Pick<PayloadStore, 'delete'>;
  clock: () => number;
}

export type Recorder = ReturnType<typeof createRecorder>;

export function createRecorder(deps: RecorderDeps) {
  return {
    record: (current: DeliveryRecord, to: DeliveryStatus, changes: DeliveryChanges, owner?: string) =>
      record(deps, current, to, changes, owner),
    claim: (current: DeliveryRecord, owner: string, leaseMs: number, changes: DeliveryChanges) =>
      claim(deps, current, owner, leaseMs, changes),
    insertQueued: (current: DeliveryRecord) => insertQueued(deps, current),
    dropPayload: (envelope: Envelope) => dropPayload(deps, envelope),
    /** Carries out a failure decision (failure.ts): `failed` (payload dropped), or `retrying` and a requeue. */
    afterFailure: (current: DeliveryRecord, error: MailerError, envelope: Envelope, step: FailureStep, owner?: string) =>
      step.act === 'fail' ? fail(deps, current, error, envelope, owner) : retry(deps, current, error, envelope, step, owner),
    requeue: deps.requeue,
    clock: deps.clock,
    deliveries: deps.deliveries,
  };
}

const errorFields = (error: MailerError): DeliveryChanges => ({ code: error.code, message: error.message, hint: error.hint });

/** Writes `current -> to`; a row never written yet (etag '') is inserted, and its `queued` is published first. */
async function record(
  deps: RecorderDeps,
  current: DeliveryRecord,
  to: DeliveryStatus,
  changes: DeliveryChanges,
  owner?: string,
): Promise<DeliveryRecord> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await published(deps, current, await deps.deliveries.transition(current, to, changes, { owner, now: deps.clock() }));
    } catch (error) {
      if (!(isMailerError(error) && error.code === 'STORAGE_UNAVAILABLE') || attempt >= RECORD_TRIES) throw error;
      await sleep(RECORD_BACKOFF_MS * attempt);
    }
  }
}

/** `sending` for `owner` (one more attempt, the lease): one conditional write, no retry (the host re-delivers). */
async function claim(deps: RecorderDeps, current: DeliveryRecord, owner: string, leaseMs: number, changes: DeliveryChanges) {
  return published(deps, current, await deps.deliveries.claim(current, owner, leaseMs, changes, deps.clock()));
}

/** Publishes a written row; one that was just inserted (etag '' before) shows `queued` first. */
async function published(deps: RecorderDeps, before: DeliveryRecord, written: DeliveryRecord): Promise<DeliveryRecord> {
  if (!before.etag) await deps.publish(before);
  await deps.publish(written);
  return written;
}

/** Inserts a row never written (`queued`); answers the row as it now stands (another writer's, if one came first). */
async function insertQueued(deps: RecorderDeps, current: DeliveryRecord): Promise<DeliveryRecord> {
  const { created, record: inserted } = await deps.deliveries.create({ ...current, now: Date.parse(current.createdAt) });
  if (created) await deps.publish(inserted);
  return inserted;
}

async function dropPayload(deps: RecorderDeps, envelope: Envelope): Promise<void> {
  if (envelope.payloadRef) await deps.payloads.delete(envelope.payloadRef).catch(() => undefined);
}

async function fail(deps: RecorderDeps, current: DeliveryRecord, error: MailerError, envelope: Envelope, owner?: string) {
  await record(deps, current, 'failed', { ...errorFields(error), failedAt: new Date(deps.clock()).toISOString() }, owner);
  await dropPayload(deps, envelope);
  return 'failed' as const;
}

async function retry(
  deps: RecorderDeps,
  current: DeliveryRecord,
  error: MailerError,
  envelope: Envelope,
  step: { delayMs: number; changes: DeliveryChanges },
  owner?: string,
) {
  const nextAttemptAt = new Date(deps.clock() + step.delayMs).toISOString();
  await record(deps, current, 'retrying', { ...errorFields(error), ...step.changes, nextAttemptAt }, owner);
  // The row says `retrying` before the new message exists: if the requeue fails, the error reaches
  // the host, which re-delivers the current message, and that copy requeues.
  await deps.requeue(envelope, step.delayMs);
  return 'retrying' as const;
}
