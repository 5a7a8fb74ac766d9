/**
 * How long the local host waits before polling a queue again after a poll that found nothing, as
 * the Functions Storage Queues extension does: its QueueListener asks a
 * RandomizedExponentialBackoffStrategy (minimum QueuePollingIntervals.Minimum = 100 ms, maximum
 * host.json's maxPollingInterval) for the next delay, telling it whether any message was found
 * since the last delay
 * (Azure/azure-sdk-for-net sdk/storage/Microsoft.Azure.WebJobs.Extensions.Storage.Queues/src/Listeners/QueueListener.cs,
 * CreateDelayWithNotificationTask; Azure/azure-webjobs-sdk src/Microsoft.Azure.WebJobs.Host/Timers/RandomizedExponentialBackoffStrategy.cs):
 * - a message found since the last delay: the minimum, and the back-off starts over;
 * - otherwise the minimum plus 2^(n-1) minimums (n = 1, 2, ...), so 200, 300, 500, 900, 1,700 ms...,
 *   up to the maximum, where it stays.
 * The real strategy scales each step by a random factor in [0.8, 1.2]; the local host takes the
 * middle (1.0), so a test sees the same delays every run.
 * A poll that found messages is followed by the next poll at once (once no more than
 * newBatchThreshold run), without any delay: that part is the poller's (queues.ts).
 */

/** QueuePollingIntervals.Minimum of the WebJobs SDK. */
export const MIN_POLLING_INTERVAL_MS = 100;

export interface PollBackoff {
  /** The delay of the last empty poll (0 before any). */
  delayMs: number;
  /** The exponent of the next step (1 after a reset). */
  exponent: number;
}

export const FRESH_BACKOFF: PollBackoff = { delayMs: 0, exponent: 0 };

/** The next back-off after an empty poll; `foundSinceLastDelay`: a poll found messages since the last one. */
export function nextPollDelay(previous: PollBackoff, foundSinceLastDelay: boolean, maxPollingIntervalMs: number): PollBackoff {
  const max = Math.max(MIN_POLLING_INTERVAL_MS, maxPollingIntervalMs);
  if (foundSinceLastDelay) return { delayMs: MIN_POLLING_INTERVAL_MS, exponent: 1 };
  if (previous.delayMs === max) return previous;
  const step = previous.exponent > 0 ? 2 ** (previous.exponent - 1) * MIN_POLLING_INTERVAL_MS : 0;
  const delayMs = MIN_POLLING_INTERVAL_MS + step;
  return delayMs < max ? { delayMs, exponent: previous.exponent + 1 } : { delayMs: max, exponent: previous.exponent };
}
