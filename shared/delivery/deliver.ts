/**
 * Delivering one message the decision let through (decide.ts): load it, check its content against
 * the row, choose the sender, pass the mailbox's gate, claim, send under the send budget, record.
 * A message to directory groups goes to the group fan-out instead of a provider.
 */
import { randomUUID } from 'node:crypto';
import { isMailerError, MailerError } from '../errors';
import type { DeliveryChanges, DeliveryRecord } from '../model/delivery';
import type { SenderResolver } from '../senders/resolve';
import type { PayloadStore } from '../store/payloadStore';
import { contentHash } from './contentHash';
import type { Envelope } from './envelope';
import { unclaimedFailure } from './failure';
import { loadMessage } from './loadMessage';
import { GateDeps, passGate } from './mailboxGate';
import { groupRefsOf, Message } from './schema';
import { chooseSender, MailboxRates, mailboxOf, SenderChoice } from './senderChoice';
import { sendClaimed, SendDeps } from './sendClaimed';
import { unlessLostRace } from './states';
import { newDeliveryOf, ownSnapshot, snapshotOf } from './knownRow';
import type { GroupStep, Outcome } from './workerTypes';

export interface DeliverDeps extends SendDeps {
  payloads: Pick<PayloadStore, 'get'>;
  resolver: SenderResolver;
  gate: Omit<GateDeps, 'clock'>;
  ratePerMinute: MailboxRates;
  /** How long a claim holds a message in `sending` before another worker may take it over. */
  leaseMs: number;
  /** Messages naming `{ group }` recipients (groupFanout.ts); without it they fail DIRECTORY_GROUP_NOT_FOUND. */
  groups?: GroupStep;
}

const noDirectory = () =>
  new MailerError('DIRECTORY_GROUP_NOT_FOUND', 'This deployment reads no directory, so a message cannot name a group.');

export function createDeliver(deps: DeliverDeps) {
  const { recorder } = deps;
  const now = recorder.clock;
  /** A failure before anything was claimed: counted as an attempt, retried or failed by the policy. */
  const failUnclaimed = (row: DeliveryRecord, error: MailerError, envelope: Envelope) =>
    unlessLostRace(() => recorder.afterFailure(row, error, envelope, unclaimedFailure(row, error, deps.policy, now())));

  return async function deliver(known: DeliveryRecord, envelope: Envelope): Promise<Outcome | 'race'> {
    let row = known;
    const loaded = await prepare(deps.payloads, envelope, row);
    if (loaded instanceof MailerError) return failUnclaimed(row, loaded, envelope);
    const { message } = loaded;
    const hash = loaded.hash ?? row.contentHash!;
    // A row never written takes the message's fields, so its insert is the row the API would have written.
    if (!row.etag) row = { ...row, ...newDeliveryOf(message, hash) };
    if (row.contentHash !== undefined && row.contentHash !== hash) {
      await recorder.dropPayload(envelope);
      return 'conflict';
    }
    if (groupRefsOf(message).length > 0)
      return deps.groups ? deps.groups.deliver(envelope, row, message, hash) : failUnclaimed(row, noDirectory(), envelope);
    let choice: SenderChoice;
    try {
      choice = await chooseSender(deps.resolver, envelope.orgId, row, { category: message.category, workspace: message.workspace });
    } catch (error) {
      if (!isMailerError(error)) throw error;
      return failUnclaimed(row, error, envelope);
    }
    const mailbox = mailboxOf(choice.sender.config, deps.ratePerMinute);
    const gate = await passGate({ ...deps.gate, clock: now }, mailbox, envelope.slot);
    if (!gate.go) return waitUnclaimed(row, envelope, gate);
    const owner = randomUUID();
    const claimed = await unlessLostRace(() => recorder.claim(row, owner, deps.leaseMs, claimChanges(choice, row.contentHash ?? hash)));
    if (claimed === 'race') return 'race';
    return sendClaimed(deps, { claimed, owner, choice, mailbox, envelope, message });
  };

  /**
   * Waits before any claim; a row never written is inserted first, so its status shows it `queued`
   * meanwhile. Its content was checked against this body, so the copy carries its snapshot (no read next time).
   */
  async function waitUnclaimed(row: DeliveryRecord, envelope: Envelope, gate: { until: number; slot?: Envelope['slot'] }) {
    const current = row.etag ? row : await recorder.insertQueued(row);
    const checked = current.contentHash === row.contentHash ? snapshotOf(current) : undefined;
    await recorder.requeue(envelope, gate.until - now(), { slot: gate.slot, row: checked });
    return 'deferred' as const;
  }
}

/**
 * The message, and its content hash when the row needs it: to be inserted (never written), or
 * written by someone else. The envelope's own snapshot was inserted for this very body (knownRow.ts).
 */
async function prepare(
  payloads: DeliverDeps['payloads'],
  envelope: Envelope,
  row: DeliveryRecord,
): Promise<{ message: Message; hash?: string } | MailerError> {
  try {
    const message = await loadMessage(envelope, payloads);
    const checked = ownSnapshot(envelope, row)?.contentHash !== undefined;
    return { message, hash: checked ? undefined : contentHash(message) };
  } catch (error) {
    if (isMailerError(error)) return error;
    throw error;
  }
}

const claimChanges = (choice: SenderChoice, contentHash: string): DeliveryChanges => ({
  via: choice.via,
  viaReason: choice.viaReason,
  provider: choice.sender.config.provider,
  sender: choice.sender.config.senderEmail,
  senderKey: choice.senderKey,
  hops: choice.hops,
  contentHash,
});
