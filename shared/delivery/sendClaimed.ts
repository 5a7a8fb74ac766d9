/**
 * The provider call of a claimed message, and what its answer leads to: `sent` (or, when the row
 * cannot be written, the proof of acceptance on the queue), a retry, a fallback to another sender,
 * or `failed`. At most N calls at once per mailbox (the limiter), each cut at the send budget.
 */
import { isMailerError, MailerError } from '../errors';
import type { DeliveryRecord } from '../model/delivery';
import { withDeadline } from '../providers/deadline';
import type { SendReceipt } from '../providers/types';
import { DEFAULT_ORG_ID, DEFAULT_SENDER_KEY } from '../model/sender';
import type { SenderResolver } from '../senders/resolve';
import type { Accepted, Envelope } from './envelope';
import { isSenderFault, retryOrFail, senderFallback } from './failure';
import type { MailboxLimiter } from './mailboxLimiter';
import type { Recorder } from './recorder';
import type { RetryPolicy } from './retryPolicy';
import { Message, toOutgoingMail } from './schema';
import type { Mailbox, SenderChoice } from './senderChoice';
import { sentChanges } from './states';
import { unrecorded } from './unknownOutcome';
import type { Outcome } from './workerTypes';

export interface SendDeps {
  recorder: Recorder;
  resolver: Pick<SenderResolver, 'markNeedsAttention' | 'resolveDefault' | 'recordUse'>;
  limiter: Pick<MailboxLimiter, 'run' | 'pause'>;
  policy: RetryPolicy;
  /** The longest one provider send may take (timing.ts); past it: PROVIDER_TIMEOUT, permit released. */
  sendBudgetMs: number;
}

export interface ClaimedSend {
  claimed: DeliveryRecord;
  owner: string;
  choice: SenderChoice;
  mailbox: Mailbox;
  envelope: Envelope;
  message: Message;
}

export async function sendClaimed(deps: SendDeps, send: ClaimedSend): Promise<Outcome> {
  const { recorder } = deps;
  const { claimed, owner, choice, envelope } = send;
  let receipt: SendReceipt;
  try {
    receipt = await deps.limiter.run(send.mailbox.key, () =>
      withDeadline(deps.sendBudgetMs, 'Sending through the provider', () => choice.sender.provider.send(toOutgoingMail(send.message))),
    );
  } catch (error) {
    if (isMailerError(error)) return afterSendFailure(deps, send, error);
    // A bug, not a provider answer: free the row for the host's re-delivery, then let it see the error.
    const at = new Date(recorder.clock()).toISOString();
    const changes = { code: 'INTERNAL' as const, message: 'Unexpected error while sending.', nextAttemptAt: at };
    await recorder.deliveries.transition(claimed, 'retrying', changes, { owner, now: recorder.clock() }).catch(() => undefined);
    throw error;
  }
  const accepted: Accepted = {
    attempt: claimed.attempts,
    owner,
    at: new Date(recorder.clock()).toISOString(),
    providerMessageId: receipt.providerMessageId,
  };
  try {
    await recorder.record(claimed, 'sent', sentChanges(accepted.at, receipt.providerMessageId), owner);
  } catch (error) {
    // Storage failed, or our lease ran out during a very slow send and another worker marked the
    // row `uncertain` (or resent it): either way the proof of OUR acceptance goes on the queue.
    return unrecorded(recorder, envelope, accepted, error);
  }
  deps.resolver.recordUse?.(choice.sender.config); // the sender's lastUsedAt (at most hourly, never awaited)
  await recorder.dropPayload(envelope);
  return 'sent';
}

async function afterSendFailure(deps: SendDeps, send: ClaimedSend, error: MailerError): Promise<Outcome> {
  const { claimed, choice, envelope, owner } = send;
  const now = deps.recorder.clock();
  if (error.category === 'throttle' && error.retryAfterSeconds !== undefined)
    deps.limiter.pause(send.mailbox.key, now + error.retryAfterSeconds * 1000);
  let step = retryOrFail(claimed, error, deps.policy, now);
  if (isSenderFault(error)) {
    // The sender is broken, not the message: tell its admin (with the config version used, so a
    // config fixed meanwhile is left alone), and use a fallback sender if allowed.
    const named = choice.via === 'org' && choice.senderKey !== DEFAULT_SENDER_KEY ? choice.senderKey : undefined;
    await deps.resolver
      .markNeedsAttention(choice.via === 'org' ? claimed.orgId : DEFAULT_ORG_ID, error, choice.sender.config.version, named)
      .catch(() => undefined);
    const platformDefault = choice.via === 'org' && choice.sender.config.fallbackToDefault && !!(await deps.resolver.resolveDefault());
    step = senderFallback(claimed.orgId, choice, error, platformDefault) ?? { act: 'fail' };
  }
  return deps.recorder.afterFailure(claimed, error, envelope, step, owner);
}
