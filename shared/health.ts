/**
 * Liveness plus dependency checks for `GET /api/health`: each dependency gets one cheap, real
 * request with a short timeout, all in parallel, so a hung dependency cannot hang the probe.
 * The answer names what is down with a short reason (never a URL, key or secret):
 *   { status: "unavailable", checks: { storage: "unavailable: connection refused", keyVault: "ok" } }
 * Each instance answers from its last check for HEALTH_CACHE_MS (`createHealthProbe`).
 */
import { boundedCache } from './cache/bounded';
import { isMailerError } from './errors';
import type { StorageClients } from './store/storageClients';
import type { SecretStore } from './store/types';
import { unavailableReason } from './store/storageErrors';

/** `access denied`: the dependency answered but refuses the app's identity (a role assignment to fix), not an outage. */
export type CheckResult = 'ok' | `unavailable: ${string}` | `access denied: ${string}`;

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: Record<string, CheckResult>;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 3000;

class CheckTimeout extends Error {}

/** Calls `expire` after `ms` unless the returned cancel runs first (tests pass one they fire themselves). */
export type StartDeadline = (ms: number, expire: () => void) => () => void;

const timerDeadline: StartDeadline = (ms, expire) => {
  const timer = setTimeout(expire, ms);
  return () => clearTimeout(timer);
};

/** Runs `check` with a deadline; the abort signal lets SDK calls stop early too. */
async function within(
  timeoutMs: number,
  startDeadline: StartDeadline,
  check: (signal: AbortSignal) => Promise<void>,
): Promise<CheckResult> {
  const controller = new AbortController();
  let cancel: () => void = () => undefined;
  const deadline = new Promise<never>((_, reject) => {
    cancel = startDeadline(timeoutMs, () => {
      controller.abort();
      reject(new CheckTimeout());
    });
  });
  try {
    await Promise.race([check(controller.signal), deadline]);
    return 'ok';
  } catch (error) {
    if (isMailerError(error) && error.code === 'KEY_VAULT_ACCESS_DENIED') {
      return `access denied: ${/HTTP \d+/.exec(error.message)?.[0] ?? 'HTTP 403'}; the app's identity needs the Key Vault Secrets Officer role on the vault`;
    }
    return `unavailable: ${error instanceof CheckTimeout ? `no answer within ${timeoutMs} ms` : reasonOf(error)}`;
  } finally {
    cancel();
  }
}

/** A short, safe reason: a network/HTTP reason from the error and its causes, else the error code. */
function reasonOf(error: unknown): string {
  const reason = unavailableReason(error);
  if (reason) return reason;
  if (isMailerError(error)) return error.code;
  const status = (error as { statusCode?: number })?.statusCode;
  return status ? `HTTP ${status}` : 'unexpected error';
}

export async function checkHealth(
  services: { storage: Pick<StorageClients, 'ping'>; secrets: Pick<SecretStore, 'ping'> },
  options: { timeoutMs?: number; startDeadline?: StartDeadline } = {},
): Promise<HealthReport> {
  const { timeoutMs = DEFAULT_CHECK_TIMEOUT_MS, startDeadline = timerDeadline } = options;
  const [storage, keyVault] = await Promise.all([
    within(timeoutMs, startDeadline, (signal) => services.storage.ping(signal)),
    within(timeoutMs, startDeadline, () => services.secrets.ping()),
  ]);
  const checks: Record<string, CheckResult> = { storage, keyVault };
  return { status: Object.values(checks).every((c) => c === 'ok') ? 'ok' : 'unavailable', checks };
}

/**
 * How long one instance answers anonymous health calls from its last check. The probe is anonymous
 * (Azure's availability test and load balancers call it without a key, infra/ alerts on it), so its
 * deep checks stay; caching them bounds what a caller can cost: one Storage and one Key Vault request
 * per instance per window, whatever the call rate. Key Vault throttles per vault, so an uncached probe
 * would let anyone slow every org (https://learn.microsoft.com/azure/key-vault/general/service-limits).
 */
export const HEALTH_CACHE_MS = 15_000;

export interface HealthAnswer {
  report: HealthReport;
  /** Whole seconds since the checks ran (the HTTP `Age` header, RFC 9111 section 5.1). */
  ageSeconds: number;
}

/** The health probe of one instance: concurrent and repeated calls within `ttlMs` share one check. */
export function createHealthProbe(
  check: () => Promise<HealthReport>,
  options: { ttlMs?: number; clock?: () => number } = {},
): () => Promise<HealthAnswer> {
  const clock = options.clock ?? Date.now;
  // One entry (the last check, or the one in flight); checkHealth never rejects, so nothing failed is kept.
  const last = boundedCache<'health', Promise<{ report: HealthReport; at: number }>>({
    max: 1,
    ttlMs: options.ttlMs ?? HEALTH_CACHE_MS,
    clock,
  });
  return async () => {
    let entry = last.get('health');
    if (!entry) {
      const started = clock();
      entry = check().then((report) => ({ report, at: started }));
      last.set('health', entry);
    }
    const { report, at } = await entry;
    return { report, ageSeconds: Math.max(0, Math.floor((clock() - at) / 1000)) };
  };
}
