/**
 * A delivery row (Table `deliveries`) as the code sees it: what the store keeps, the delivery state
 * machine (delivery/states.ts) moves, and the API shows. Types only.
 */
import type { ErrorCode } from '../errors';
import type { GroupSend } from './group';
import type { Hop, ProviderName } from './sender';

export const DELIVERY_STATUSES = ['queued', 'sending', 'sent', 'retrying', 'failed', 'uncertain', 'expanded', 'partly_failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveryRecord {
  orgId: string;
  id: string;
  status: DeliveryStatus;
  /** Provider attempts so far (claims). */
  attempts: number;
  createdAt: string;
  updatedAt: string;
  category?: string;
  /** The message's workspace, when given (routing rules may match on it). */
  workspace?: string;
  recipients?: number;
  /** Which sender the current/last attempt uses: the org's own, or the default sender. */
  via?: 'org' | 'default';
  /** Why `via` is `default` (an error code of the org's sender, or SENDER_NOT_FOUND). */
  viaReason?: string;
  provider?: ProviderName;
  /** The mailbox address used. */
  sender?: string;
  /** Which of the org's senders (its key), or `_platform` for the platform's default sender. */
  senderKey?: string;
  /** The org's senders the route passed over before `senderKey`, and why (absent when none). */
  hops?: Hop[];
  code?: ErrorCode;
  message?: string;
  hint?: string;
  /** The worker holding the message in `sending`, and until when (ISO). */
  leaseOwner?: string;
  leaseUntil?: string;
  /** When a `retrying` message is due, or an `expanded` one's copies are looked at next (ISO). */
  nextAttemptAt?: string;
  sentAt?: string;
  failedAt?: string;
  /** When a worker found the outcome of an attempt unknown (status `uncertain`). */
  uncertainAt?: string;
  providerMessageId?: string;
  /** SHA-256 of the first content seen under this id (delivery/contentHash.ts); a copy with another is not sent. */
  contentHash?: string;
  /** A message to directory groups: what was expanded and how its copies ended (model/group.ts). */
  group?: GroupSend;
  /** A per-recipient copy: the id of the group message it came from, and the directory user id when a member. */
  parent?: string;
  member?: string;
  etag: string;
}

export interface NewDelivery {
  orgId: string;
  id: string;
  category?: string;
  workspace?: string;
  recipients?: number;
  contentHash?: string;
  /** A group send's per-recipient copy (groupFanout.ts): its parent message and directory member. */
  parent?: string;
  member?: string;
}

/** What a transition may change besides the status (the key, creation time and ETag never change). */
export type DeliveryChanges = Partial<Omit<DeliveryRecord, 'orgId' | 'id' | 'status' | 'createdAt' | 'etag'>>;
