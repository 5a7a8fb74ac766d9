/**
 * The outbox worker: one queue message in, one delivery moved forward (docs/delivery.md).
 *
 *   read the envelope -> its delivery row (knownRow.ts) -> decide (decide.ts, pure) -> act:
 *   drop a duplicate | wait (a new, hidden queue message) | record a proof of acceptance |
 *   mark uncertain | roll a group up | deliver (deliver.ts: sender, mailbox gate, claim, send, record)
 *
 * A write refused because another worker moved the row first (a lost race) reads the row and
 * decides again. The worker never throws for an expected failure: throttling and outages become
 * `retrying` plus a NEW queue message with a visibility delay, and the current message completes, so
 * its dequeue count stays at 1. Only the unexpected (a bug, Storage down while recording) is thrown;
 * the host then retries it and, after maxDequeueCount, moves it to `outbox-poison` (see `poison.ts`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeliveryRecord } from '../model/delivery';
import { Decision, decide } from './decide';
import { createDeliver } from './deliver';
import { Envelope, readEnvelope } from './envelope';
import { ownSnapshot, rowInEnvelope, unwrittenRow } from './knownRow';
import { isFinal } from './states';
import { markUncertain, recordAccepted } from './unknownOutcome';
import { logOutcome } from './workerLog';
import type { Outcome, WorkerDeps, WorkerLog } from './workerTypes';

export type { Outcome, WorkerDeps, WorkerLog } from './workerTypes';

/** Looks at one queue message, each after a lost race; past them the message waits RACE_WAIT_MS. */
const MAX_LOOKS = 4;
const RACE_WAIT_MS = 5_000;

export function createOutboxWorker(deps: WorkerDeps) {
  const { recorder } = deps;
  const now = recorder.clock;
  const deliver = createDeliver({ ...deps, gate: { limiter: deps.limiter, scheduler: deps.scheduler, sleep } });

  /** The row as the queue message names it on the first look; read on every later one (or never written yet). */
  async function rowFor(envelope: Envelope, firstLook: boolean): Promise<DeliveryRecord> {
    const named = firstLook ? rowInEnvelope(envelope, now()) : undefined;
    return named ?? (await recorder.deliveries.get(envelope.orgId, envelope.id)) ?? unwrittenRow(envelope, now());
  }

  async function act(decision: Decision, row: DeliveryRecord, envelope: Envelope): Promise<Outcome | 'race'> {
    switch (decision.act) {
      case 'drop':
        // Each copy has its own claim-check blob (a fresh name per upload): drop this one's once the row is final.
        if (isFinal(row.status)) await recorder.dropPayload(envelope);
        return 'duplicate';
      case 'wait':
        // Nothing written: the envelope's own snapshot, if the row is still that one, stays true.
        await recorder.requeue(envelope, decision.until - now(), { slot: envelope.slot, row: ownSnapshot(envelope, row) });
        return 'deferred';
      case 'record-proof':
        return recordAccepted(recorder, row, envelope, decision.accepted);
      case 'mark-uncertain':
        return markUncertain(recorder, row, envelope);
      case 'roll-up':
        return deps.groups ? deps.groups.rollUp(envelope, row) : deliver(row, envelope);
      case 'deliver':
        return deliver(row, envelope);
    }
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
      for (let look = 1; ; look++) {
        const row = await rowFor(envelope, look === 1);
        const decision = decide(row, envelope, now());
        const outcome = await act(decision, row, envelope);
        if (outcome !== 'race') return logOutcome(log, where, outcome, decision);
        if (look === MAX_LOOKS) {
          await recorder.requeue(envelope, RACE_WAIT_MS, { slot: envelope.slot });
          return logOutcome(log, where, 'deferred', decision);
        }
      }
    },
  };
}

export type OutboxWorker = ReturnType<typeof createOutboxWorker>;
