/**
 * The latency profiles of `npm run bench -- --profile zero|azure`. `zero`: every dependency answers
 * at once (loopback), which measures the code. `azure`: each dependency answers about as slowly as
 * it does for a Functions app in an Azure region, which measures what production would see: the
 * naive worker then pays its per-message Key Vault read and token request in time, and the
 * pipeline's Storage work overlaps the provider calls or does not.
 *
 * The figures are round, typical values, not guarantees: each constant says where it comes from.
 * The sandbox applies them per origin (Sandbox.latencyMs, `POST /_sandbox/latency`; Graph through
 * `graph/limits` so the wait holds the mailbox slot) and the bench's Storage proxy
 * (dev/storage-proxy.ts) delays every queue, table and blob request.
 */
import type { OriginLatency } from '../dev/sandbox/server';

export const PROFILE_NAMES = ['zero', 'azure'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/**
 * A client-credentials token from login.microsoftonline.com: one HTTPS round trip to the nearest
 * Entra front end plus the token issuance (MSAL's own telemetry and public measurements put it
 * at 100-300 ms from an Azure region); 150 ms is the middle of that.
 */
export const ENTRA_TOKEN_MS = 150;
/**
 * A Key Vault GetSecret from an app in the same region: Microsoft documents Key Vault as a
 * low-latency regional service; measured reads are 10-50 ms, so 30 ms.
 */
export const KEY_VAULT_READ_MS = 30;
/**
 * Graph `POST /users/{id}/sendMail`: Graph answers 202 once Exchange has accepted the message,
 * typically 200-400 ms (the sandbox's own graph.ts note: "real sendMail takes a few hundred ms"); 250 ms.
 */
export const GRAPH_SEND_MAIL_MS = 250;
/** Gmail `users.messages.send` answers once the message is stored and queued: ~300 ms is typical. */
export const GMAIL_SEND_MS = 300;
/** A Google OAuth token (oauth2.googleapis.com/token, refresh or JWT grant): as Entra's, 150 ms. */
export const GOOGLE_TOKEN_MS = 150;
/**
 * One Azure Storage request (queue or table, also blob) from a Functions app in the same region:
 * Storage's own end-to-end latency for small requests is single-digit to ~10 ms
 * (https://learn.microsoft.com/azure/storage/common/storage-monitoring-diagnosing-troubleshooting,
 * SuccessE2ELatency); 8 ms.
 */
export const STORAGE_REQUEST_MS = 8;

export interface LatencyProfile {
  name: ProfileName;
  /** Sandbox origins other than Graph (Sandbox.latencyMs). */
  origins: OriginLatency;
  /** Graph sendMail, inside the per-mailbox concurrency slot. */
  graphSendMs: number;
  /** Every Azurite request, through the bench's proxy. */
  storageMs: number;
}

export const PROFILES: Record<ProfileName, LatencyProfile> = {
  zero: { name: 'zero', origins: {}, graphSendMs: 0, storageMs: 0 },
  azure: {
    name: 'azure',
    // Key Vault requests include the SDK's 401 challenge; each waits like a read.
    origins: { entra: ENTRA_TOKEN_MS, keyVault: KEY_VAULT_READ_MS, gmail: GMAIL_SEND_MS, googleOAuth: GOOGLE_TOKEN_MS },
    graphSendMs: GRAPH_SEND_MAIL_MS,
    storageMs: STORAGE_REQUEST_MS,
  },
};

export function parseProfiles(value: string): ProfileName[] {
  if (value === 'both') return [...PROFILE_NAMES];
  if ((PROFILE_NAMES as readonly string[]).includes(value)) return [value as ProfileName];
  throw new Error(`--profile must be zero, azure or both; got ${value}`);
}
