/** The outbox worker's dependencies and results (shared/delivery/worker.ts). */
import type { PlatformEventSink } from '../events/types';
import type { SenderResolver } from '../senders/resolve';
import type { QueueStore } from '../store/outboxQueue';
import type { PayloadStore } from '../store/payloadStore';
import type { PoisonArchive } from '../store/poisonArchive';
import type { EventPublisher } from './events';
import type { MailerError } from '../errors';
import type { DeliveryChanges, DeliveryRecord, DeliveryStatus } from '../model/delivery';
import type { DeliveryStore } from './deliveries';
import type { Envelope } from './envelope';
import type { Message } from './schema';
import type { MailboxLimiter } from './mailboxLimiter';
import type { RetryPolicy } from './retryPolicy';
import type { MailboxScheduler } from './scheduler';
import type { MailboxRates } from './senderChoice';

export interface WorkerLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface WorkerDeps {
  deliveries: DeliveryStore;
  outbox: QueueStore;
  payloads: PayloadStore;
  poisonArchive: PoisonArchive;
  resolver: SenderResolver;
  scheduler: MailboxScheduler;
  limiter: MailboxLimiter;
  publish: EventPublisher;
  policy: RetryPolicy;
  ratePerMinute: MailboxRates;
  /** How long a claim holds a message in `sending` before another worker may take it over. */
  leaseMs: number;
  /** The longest one provider send may take (timing.ts); past it: PROVIDER_TIMEOUT, permit released. */
  sendBudgetMs?: number;
  /** Names the queue in archived records. */
  queueName: string;
  clock?: () => number;
  /** `message.queued` for rows the worker creates (webhooks); the other transitions go through `publish`. */
  events?: PlatformEventSink;
  /** Messages naming `{ group }` recipients go here (groupFanout.ts); without it they fail DIRECTORY_GROUP_NOT_FOUND. */
  groups?: GroupStep;
}

/** The worker's own steps the group fan-out reuses (worker.ts), so a parent fails and retries exactly like any message. */
export interface WorkerSteps {
  record(current: DeliveryRecord, to: DeliveryStatus, changes: DeliveryChanges, owner?: string): Promise<DeliveryRecord>;
  fail(current: DeliveryRecord, error: MailerError, envelope: Envelope, owner?: string): Promise<Outcome>;
  retry(
    current: DeliveryRecord,
    error: MailerError,
    envelope: Envelope,
    delayMs: number,
    changes?: DeliveryChanges,
    owner?: string,
  ): Promise<Outcome>;
  dropPayload(envelope: Envelope): Promise<void>;
}

/** What the worker hands a message with `{ group }` recipients to (groupFanout.ts): its row as read, content hash checked. */
export interface GroupStep {
  deliver(envelope: Envelope, current: DeliveryRecord, message: Message, hash: string, steps: WorkerSteps): Promise<Outcome | 'race'>;
}

/** What happened to one queue message (returned for logs and tests). */
export type Outcome =
  | 'sent'
  | 'failed'
  | 'retrying'
  | 'deferred'
  | 'duplicate'
  | 'archived'
  /** A copy whose content differs from the first seen under its id (IDEMPOTENCY_CONFLICT): dropped, not sent. */
  | 'conflict'
  /** An attempt whose outcome is unknown: recorded `uncertain`, not sent again. */
  | 'uncertain'
  /** Accepted by the provider, the row not writable: a follow-up message carries the proof (`accepted`). */
  | 'unrecorded'
  /** A message to directory groups: one copy per recipient enqueued (groupFanout.ts). */
  | 'expanded'
  /** A message to directory groups whose copies ended some sent, some not. */
  | 'partly_failed';
