/**
 * When to try a message again, and when to give up (docs/delivery.md).
 *
 * A transient failure is retried through a NEW queue message with a visibility delay, never by
 * throwing: the host's own retries would burn the dequeue count and send the message to the poison
 * queue during a throttling storm. The delay is the provider's Retry-After when it gave one (Graph
 * sends fractional seconds such as "2.128"), plus up to 20 % jitter so a storm's victims do not all
 * come back in the same second; else exponential backoff with "equal jitter" (half fixed, half
 * random), as recommended in https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 * and by Graph's throttling guidance (https://learn.microsoft.com/graph/throttling).
 */

export const MAX_ATTEMPTS = 8;
export const MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** A queue message may be hidden for at most 7 days (Put Message, visibilitytimeout). */
export const MAX_VISIBILITY_DELAY_MS = 7 * 24 * 60 * 60 * 1000 - 60_000;

export interface RetryPolicy {
  maxAttempts: number;
  maxAgeMs: number;
  /** First backoff step; doubles per attempt. */
  baseDelayMs: number;
  /** Backoff never grows past this. */
  maxDelayMs: number;
}

export function retryPolicy(baseDelayMs: number): RetryPolicy {
  return { maxAttempts: MAX_ATTEMPTS, maxAgeMs: MAX_AGE_MS, baseDelayMs, maxDelayMs: Math.max(baseDelayMs, 60 * 60 * 1000) };
}

/** True when a message that failed on its `attempts`-th attempt must not be tried again. */
export function shouldGiveUp(policy: RetryPolicy, attempts: number, createdAtMs: number, nowMs: number): boolean {
  return attempts >= policy.maxAttempts || nowMs - createdAtMs >= policy.maxAgeMs;
}

/** Milliseconds to wait before attempt `attempts + 1`, given the failure of attempt `attempts`. */
export function retryDelayMs(
  policy: RetryPolicy,
  attempts: number,
  retryAfterSeconds?: number,
  random: () => number = Math.random,
): number {
  if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0) {
    const asked = Math.max(1000, retryAfterSeconds * 1000);
    return Math.min(MAX_VISIBILITY_DELAY_MS, Math.round(asked * (1 + 0.2 * random())));
  }
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(step / 2 + (step / 2) * random());
}
