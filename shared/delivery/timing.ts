/**
 * The one place where the three time bounds of a send are derived from each other:
 *
 *   per-call deadline (PROVIDER_CALL_TIMEOUT_SECONDS)
 *     < send budget   = CALLS_PER_SEND x deadline        (the worker cuts provider.send there)
 *     < claim lease   = send budget + LEASE_MARGIN_MS     (recording `sent` fits in the margin)
 *     < host.json functionTimeout - FUNCTION_MARGIN_MS   (the host never kills a worker inside its lease)
 *
 * Why it matters: a lease shorter than a send lets a second worker take the message over while the
 * first is still sending (a duplicate); a functionTimeout shorter than the lease kills the worker
 * mid-send and leaves the row in `sending` until the lease runs out. A unit test reads host.json and
 * checks the chain for the largest allowed deadline.
 * https://learn.microsoft.com/azure/azure-functions/functions-host-json#functiontimeout
 */

/**
 * Sequential outbound calls of one send: a Key Vault read, a token request, the provider call.
 * Retries inside a provider (Gmail's one re-try after a 401) share this budget; they do not extend it.
 */
export const CALLS_PER_SEND = 3;
/** Recording `sent` (three tries with short back-off) and the claim's own write, after the send. */
export const LEASE_MARGIN_MS = 30_000;
/** Work before the claim (reading the row, the slot) and after recording, inside one invocation. */
export const FUNCTION_MARGIN_MS = 30_000;
/** The largest PROVIDER_CALL_TIMEOUT_SECONDS the config accepts (shared/config.ts validates it). */
export const MAX_CALL_TIMEOUT_MS = 60_000;

export interface SendTiming {
  callTimeoutMs: number;
  /** The longest one provider.send may take before the worker gives up on it (PROVIDER_TIMEOUT). */
  sendBudgetMs: number;
  /** How long a claim holds a message in `sending`. */
  leaseMs: number;
  /** The least host.json functionTimeout that is coherent with the lease. */
  minFunctionTimeoutMs: number;
}

export function sendTiming(callTimeoutMs: number): SendTiming {
  const sendBudgetMs = CALLS_PER_SEND * callTimeoutMs;
  const leaseMs = sendBudgetMs + LEASE_MARGIN_MS;
  return { callTimeoutMs, sendBudgetMs, leaseMs, minFunctionTimeoutMs: leaseMs + FUNCTION_MARGIN_MS };
}

/** host.json's `functionTimeout` ("hh:mm:ss", optionally "d.hh:mm:ss") in milliseconds. */
export function parseFunctionTimeout(value: string): number {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(value.trim());
  if (!match) throw new Error(`functionTimeout ${JSON.stringify(value)} is not hh:mm:ss`);
  const [, days, h, m, s] = match;
  return (((Number(days ?? 0) * 24 + Number(h)) * 60 + Number(m)) * 60 + Number(s)) * 1000;
}
