/**
 * Waiting out a provider's "slow down" within a bound. Microsoft Graph and the Google Admin SDK answer
 * 429 (and Graph 503/504) with `Retry-After` (https://learn.microsoft.com/graph/throttling#best-practices-to-handle-throttling,
 * https://developers.google.com/admin-sdk/directory/v1/limits): a sync waits that long and asks again,
 * but never longer than `maxWaitSeconds` per wait nor more than `maxTries` times, so a throttled tenant
 * ends the sync with DIRECTORY_THROTTLED (retryable: the next interval resumes) instead of holding an
 * invocation until the host's timeout.
 */
import { isMailerError } from '../errors';

export interface ThrottleBound {
  maxTries: number;
  maxWaitSeconds: number;
  /** Seconds to wait when the provider named none (doubles per try). */
  defaultWaitSeconds: number;
  /** Tests pass a recording sleep; real runs wait. */
  sleep?: (ms: number) => Promise<void>;
}

export const DIRECTORY_THROTTLE_BOUND: ThrottleBound = { maxTries: 5, maxWaitSeconds: 30, defaultWaitSeconds: 2 };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `call`; a retryable throttle error with a wait inside the bound is waited out and retried. */
export async function withThrottleWait<T>(bound: ThrottleBound, call: () => Promise<T>): Promise<T> {
  const sleep = bound.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isMailerError(error) || error.category !== 'throttle' || attempt >= bound.maxTries) throw error;
      const wait = error.retryAfterSeconds ?? bound.defaultWaitSeconds * 2 ** (attempt - 1);
      if (wait > bound.maxWaitSeconds) throw error;
      await sleep(Math.ceil(wait * 1000));
    }
  }
}
