/**
 * What a failed attempt leads to, decided purely (the worker and the group fan-out act on it):
 * `fail` with the error, or `retry` after a delay with the row changes that go with it.
 */
import { DEFAULT_ORG_ID, DEFAULT_SENDER_KEY } from '../model/sender';
import type { MailerError } from '../errors';
import type { DeliveryChanges, DeliveryRecord } from '../model/delivery';
import { retryDelayMs, RetryPolicy, shouldGiveUp } from './retryPolicy';
import type { SenderChoice } from './senderChoice';

export type FailureStep = { act: 'fail' } | { act: 'retry'; delayMs: number; changes: DeliveryChanges };

/** The policy: a retryable error is tried again until the attempts or the age run out (retryPolicy.ts). */
export function retryOrFail(
  row: Pick<DeliveryRecord, 'attempts' | 'createdAt'>,
  error: MailerError,
  policy: RetryPolicy,
  now: number,
): FailureStep {
  if (!error.retryable || shouldGiveUp(policy, row.attempts, Date.parse(row.createdAt), now)) return { act: 'fail' };
  return { act: 'retry', delayMs: retryDelayMs(policy, row.attempts, error.retryAfterSeconds), changes: {} };
}

/** A failure before the provider was called (nothing claimed): it counts as an attempt all the same. */
export function unclaimedFailure(row: DeliveryRecord, error: MailerError, policy: RetryPolicy, now: number): FailureStep {
  const attempts = row.attempts + 1;
  const step = retryOrFail({ attempts, createdAt: row.createdAt }, error, policy, now);
  return step.act === 'retry' ? { ...step, changes: { attempts } } : step;
}

/** The provider refused the sender itself (its credentials, permissions or mailbox), not the message. */
export const isSenderFault = (error: MailerError): boolean =>
  !error.retryable && (error.category === 'auth' || error.category === 'permission' || error.category === 'mailbox');

/**
 * After a sender fault, where the next attempt goes: a named sender falls back to the org's default
 * sender first (the route then passes it over and records the hop); the org's sender to the platform's
 * default sender when the org allows it and one exists. Undefined: no fallback, the message fails.
 */
export function senderFallback(orgId: string, choice: SenderChoice, error: MailerError, platformDefault: boolean): FailureStep | undefined {
  const { config } = choice.sender;
  if (choice.via !== 'org' || !config.fallbackToDefault) return undefined;
  if (choice.senderKey !== DEFAULT_SENDER_KEY && config.status === 'active') return { act: 'retry', delayMs: 0, changes: {} };
  if (orgId === DEFAULT_ORG_ID || !platformDefault) return undefined;
  const hop = { sender: DEFAULT_SENDER_KEY, status: 'needs_attention' as const, reason: error.code };
  return { act: 'retry', delayMs: 0, changes: { via: 'default', viaReason: error.code, hops: [...(choice.hops ?? []), hop] } };
}
