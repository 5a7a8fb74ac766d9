/**
 * One deadline per outbound call (PROVIDER_CALL_TIMEOUT_SECONDS). Every call to Entra ID, Graph,
 * Google's token endpoint and Gmail gets an AbortSignal from `callSignal`, and whatever it throws is
 * looked at with `timedOut` first: a call cut by its own deadline is a retryable PROVIDER_TIMEOUT,
 * whatever shape the SDK gives the abort (DOMException TimeoutError/AbortError, GaxiosError,
 * GraphError wrapping the fetch failure). Why a signal and not only a timer race: the signal also
 * closes the socket, so a hung connection does not keep running after we gave up.
 * https://nodejs.org/api/globals.html#abortsignaltimeoutdelay
 */
import { MailerError } from '../errors';

/** PROVIDER_CALL_TIMEOUT_SECONDS's default, for callers built before a config is at hand. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/** A fresh signal that aborts with a TimeoutError after `ms`. */
export function callSignal(ms: number): AbortSignal {
  return AbortSignal.timeout(ms);
}

/** True when `signal` ended the call (its deadline passed), so the error is ours, not the provider's. */
export function timedOut(signal: AbortSignal | undefined): boolean {
  return !!signal?.aborted;
}

/** No `cause`: a client library's abort error carries the request config, Authorization header included. */
export function timeoutError(what: string, ms: number): MailerError {
  return new MailerError('PROVIDER_TIMEOUT', `${what} did not answer within ${Math.round(ms / 1000)} s.`, { providerCode: 'timeout' });
}

/**
 * Runs `call` with its own deadline signal; an error after the deadline becomes PROVIDER_TIMEOUT,
 * any other error is passed to `classify`. Also races the deadline itself, so a library that ignores
 * the signal still cannot hold the caller (and the mailbox permit) past it.
 */
export async function withDeadline<T>(
  ms: number,
  what: string,
  call: (signal: AbortSignal) => Promise<T>,
  classify: (error: unknown) => unknown = (error) => error,
): Promise<T> {
  const signal = callSignal(ms);
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    onAbort = () => reject(timeoutError(what, ms));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  deadline.catch(() => undefined);
  try {
    return await Promise.race([call(signal), deadline]);
  } catch (error) {
    if (error instanceof MailerError && error.code === 'PROVIDER_TIMEOUT') throw error;
    if (timedOut(signal)) throw timeoutError(what, ms);
    throw classify(error);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
