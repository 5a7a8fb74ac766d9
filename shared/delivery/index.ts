/**
 * Delivery, wired: the enqueue API's service, the outbox worker, the poison handler and sweep, sharing one
 * scheduler (per-mailbox slots) and one limiter (per-mailbox concurrency) per process. The
 * composition root (`shared/services.ts`) builds this once.
 */
import type { Config } from '../config';
import { QUEUES } from '../store/names';
import { createDeliveryStore, DeliveryStore } from './deliveries';
import { createMailboxSlotStore } from '../store/mailboxSlots';
import { createQueueStore, QueueStore } from '../store/outboxQueue';
import type { PayloadStore } from '../store/payloadStore';
import { createPoisonArchive, PoisonArchive } from '../store/poisonArchive';
import type { StorageClients } from '../store/storageClients';
import { createEnqueuer, Enqueuer } from './enqueue';
import type { DirectoryReader } from '../model/directory';
import { createGroupChildren } from '../store/groupChildren';
import { createGroupFanout } from './groupFanout';
import { platformEvents, statusQueueEvents, subscribers } from './events';
import { observeDelivery } from '../telemetry/deliveryObserver';
import type { DeliveryRecord } from '../model/delivery';
import { createRecorder } from './recorder';
import { requeueOn } from './requeue';
import { groupCheckAtEnqueue } from './groupExpansion';
import type { PlatformEventSink } from '../events/types';
import { MailboxLimiter } from './mailboxLimiter';
import { createLeasedPermits } from './permitLeases';
import { createMailboxPermitStore } from '../store/mailboxPermits';
import { createPoisonHandler, PoisonHandler } from './poison';
import { createPoisonSweep, PoisonSweep } from './poisonSweep';
import { retryPolicy } from './retryPolicy';
import { createMailboxScheduler } from './scheduler';
import { createStatusReader, StatusReader } from './status';
import type { SenderResolver } from '../senders/resolve';
import { sendTiming, SendTiming } from './timing';
import { createOutboxWorker, OutboxWorker } from './worker';

/** A claim holds a message in `sending` this long at the default deadline (30 s): derived in timing.ts. */
export const LEASE_MS = sendTiming(30_000).leaseMs;

export interface DeliveryServices {
  deliveries: DeliveryStore;
  /** What the status API shows: one delivery, or the org's recent ones. */
  statuses: StatusReader;
  poisonArchive: PoisonArchive;
  enqueuer: Enqueuer;
  worker: OutboxWorker;
  /** The same worker on the express lane (`outbox-express`; only its queue name differs). */
  expressWorker: OutboxWorker;
  poison: PoisonHandler;
  /** The poison handler of the express lane's poison queue. */
  expressPoison: PoisonHandler;
  /** The timer's sweep of every outbox poison queue. */
  poisonSweep: PoisonSweep;
  /** Per-mailbox permits, leased across instances (tests prove none is leaked). */
  limiter: MailboxLimiter;
}

export interface DeliveryInputs {
  config: Readonly<
    Pick<Config, 'mailboxConcurrency' | 'mailboxRatePerMinute' | 'retryBaseMs'> &
      Partial<Pick<Config, 'providerCallTimeoutMs' | 'directoryGroupMaxRecipients'>>
  >;
  storage: StorageClients;
  outbox: QueueStore;
  deliveryEvents: QueueStore;
  payloads: PayloadStore;
  resolver: SenderResolver;
  /** Where a lost event is reported (never with message contents); console.warn when not given. */
  warn?: (message: string) => void;
  /** Each transition is also a platform event (`message.*`, for webhooks): the bus, or `noEvents`. */
  events: PlatformEventSink;
  /** The time every delivery decision is made at (tests pass their own). */
  clock: () => number;
  /** The synced directory copy, for messages to groups (groupFanout.ts); without it they are refused. */
  directory?: DirectoryReader;
}

export function createDeliveryServices(inputs: DeliveryInputs): DeliveryServices {
  const { config, storage, outbox, payloads, resolver, clock } = inputs;
  const core = createCore(inputs);
  const { deliveries, recorder, publish, scheduler, poisonArchive, policy, timing } = core;
  const ratePerMinute = config.mailboxRatePerMinute;
  const groupLimit = config.directoryGroupMaxRecipients ?? 1000;
  const express = createQueueStore(storage, QUEUES.outboxExpress);
  const checkGroups = inputs.directory ? groupCheckAtEnqueue(inputs.directory, groupLimit) : undefined;
  const enqueuer = createEnqueuer({
    deliveries,
    outbox,
    express,
    payloads,
    resolver,
    scheduler,
    ratePerMinute,
    publish,
    clock,
    checkGroups,
  });
  // The fan-out calls down into the enqueuer for each copy; nothing calls back up into it.
  const groups = inputs.directory
    ? createGroupFanout({
        reader: inputs.directory,
        limit: groupLimit,
        children: createGroupChildren(storage),
        enqueuer,
        recorder,
        policy,
        leaseMs: timing.leaseMs,
      })
    : undefined;
  // Both lanes' workers share everything but the queue they name in archived records.
  const lanes = { recorder, payloads, poisonArchive, resolver, scheduler, limiter: core.limiter, policy, ratePerMinute, groups };
  const worker = (queueName: string) =>
    createOutboxWorker({ ...lanes, leaseMs: timing.leaseMs, sendBudgetMs: timing.sendBudgetMs, queueName });
  // One poison handler per lane's poison queue; everything else they share.
  const poisonHandlerFor = (queueName: string) =>
    createPoisonHandler({ deliveries, payloads, poisonArchive, publish, requeue: core.requeue, policy, queueName, clock });
  const poison = poisonHandlerFor(QUEUES.outboxPoison);
  const poisonQueues = POISON_QUEUES.map((name) => createQueueStore(storage, name));
  return {
    deliveries,
    statuses: createStatusReader(deliveries),
    poisonArchive,
    enqueuer,
    worker: worker(QUEUES.outbox),
    expressWorker: worker(QUEUES.outboxExpress),
    expressPoison: poisonHandlerFor(QUEUES.outboxExpressPoison),
    poison,
    limiter: core.limiter,
    poisonSweep: createPoisonSweep({ queues: poisonQueues, handler: poison, poisonArchive }),
  };
}

const POISON_QUEUES = [QUEUES.outboxPoison, QUEUES.outboxPoisonPoison, QUEUES.outboxExpressPoison, QUEUES.outboxExpressPoisonPoison];

/** What every part of delivery shares: rows, the one event sink, the recorder, the mailbox limits, the timing. */
function createCore(inputs: DeliveryInputs) {
  const { config, storage, clock } = inputs;
  const deliveries = createDeliveryStore(storage);
  const warn = inputs.warn ?? ((m: string) => console.warn(m));
  // One sink for every row delivery writes; the status queue, webhooks and telemetry subscribe.
  const publish = subscribers(observed, statusQueueEvents(inputs.deliveryEvents, warn), platformEvents(inputs.events));
  const requeue = requeueOn(inputs.outbox);
  const timing = sendTiming(config.providerCallTimeoutMs ?? 30_000);
  return {
    deliveries,
    publish,
    requeue,
    recorder: createRecorder({ deliveries, publish, requeue, payloads: inputs.payloads, clock }),
    poisonArchive: createPoisonArchive(storage),
    scheduler: createMailboxScheduler(createMailboxSlotStore(storage), clock),
    limiter: createLimiter(storage, config.mailboxConcurrency, timing),
    policy: retryPolicy(config.retryBaseMs),
    timing,
  };
}

/** The concurrency limit holds across instances: permits are leased rows every instance respects. */
function createLimiter(storage: StorageClients, concurrency: number, timing: SendTiming): MailboxLimiter {
  const permits = createLeasedPermits(createMailboxPermitStore(storage), {
    max: concurrency,
    leaseMs: timing.leaseMs,
    sendBudgetMs: timing.sendBudgetMs,
  });
  return new MailboxLimiter(concurrency, { source: permits });
}

/** Every published transition also becomes a log line and metrics (shared/telemetry); telemetry never fails a delivery. */
async function observed(record: DeliveryRecord): Promise<void> {
  if (record.status === 'queued') return; // the enqueue request's own log line says it
  try {
    observeDelivery(record);
  } catch {
    // A telemetry fault must not touch the message.
  }
}
