/**
 * Liveness plus dependency checks for `GET /api/health`: each dependency gets one cheap, real
 * request with a short timeout, all in parallel, so a hung dependency cannot hang the probe.
 * The answer names what is down with a short reason (never a URL, key or secret):
 *   { status: "unavailable", checks: { storage: "unavailable: connection refused", keyVault: "ok" } }
 */
import { isMailerError } from './errors';
import type { Services } from './services';
import { unavailableReason } from './store/storageErrors';

/** `access denied`: the dependency answered but refuses the app's identity (a role assignment to fix), not an outage. */
export type CheckResult = 'ok' | `unavailable: ${string}` | `access denied: ${string}`;

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: Record<string, CheckResult>;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 3000;

class CheckTimeout extends Error {}

/** Runs `check` with a deadline; the abort signal lets SDK calls stop early too. */
async function within(timeoutMs: number, check: (signal: AbortSignal) => Promise<void>): Promise<CheckResult> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new CheckTimeout());
    }, timeoutMs);
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
    clearTimeout(timer);
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
  services: Pick<Services, 'storage' | 'secrets'>,
  timeoutMs: number = DEFAULT_CHECK_TIMEOUT_MS,
): Promise<HealthReport> {
  const [storage, keyVault] = await Promise.all([
    within(timeoutMs, (signal) => services.storage.ping(signal)),
    within(timeoutMs, () => services.secrets.ping()),
  ]);
  const checks: Record<string, CheckResult> = { storage, keyVault };
  return { status: Object.values(checks).every((c) => c === 'ok') ? 'ok' : 'unavailable', checks };
}
