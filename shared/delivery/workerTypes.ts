/** The outbox worker's dependencies and results (shared/delivery/worker.ts). */
import type { DeliveryRecord } from '../model/delivery';
import type { SenderResolver } from '../senders/resolve';
import type { PayloadStore } from '../store/payloadStore';
import type { PoisonArchive } from '../store/poisonArchive';
import type { Envelope } from './envelope';
import type { MailboxLimiter } from './mailboxLimiter';
import type { Recorder } from './recorder';
import type { RetryPolicy } from './retryPolicy';
import type { MailboxScheduler } from './scheduler';
import type { Message } from './schema';
import type { MailboxRates } from './senderChoice';

export interface WorkerLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface WorkerDeps {
  /** Writes rows, publishes their events, requeues (recorder.ts). */
  recorder: Recorder;
  payloads: Pick<PayloadStore, 'get'>;
  poisonArchive: PoisonArchive;
  resolver: SenderResolver;
  scheduler: MailboxScheduler;
  limiter: MailboxLimiter;
  policy: RetryPolicy;
  ratePerMinute: MailboxRates;
  /** How long a claim holds a message in `sending` before another worker may take it over. */
  leaseMs: number;
  /** The longest one provider send may take (timing.ts); past it: PROVIDER_TIMEOUT, permit released. */
  sendBudgetMs: number;
  /** Names the queue in archived records. */
  queueName: string;
  /** Messages naming `{ group }` recipients go here (groupFanout.ts); without it they fail DIRECTORY_GROUP_NOT_FOUND. */
  groups?: GroupStep;
}

/** What the worker hands a message with `{ group }` recipients to (groupFanout.ts). */
export interface GroupStep {
  /** Its row as decided on, content hash checked: claim, expand, queue the copies. */
  deliver(envelope: Envelope, row: DeliveryRecord, message: Message, hash: string): Promise<Outcome | 'race'>;
  /** An `expanded` row, due: tally the copies, record the final status or look again later. */
  rollUp(envelope: Envelope, row: DeliveryRecord): Promise<Outcome | 'race'>;
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
