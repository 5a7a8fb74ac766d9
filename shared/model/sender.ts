/**
 * The sender configuration of one org, as stored in Table `senders` (PK = orgId, RK = "sender").
 * Secrets are never here: only references (Key Vault secret names) and harmless hints.
 */
import type { ErrorCode } from '../errors';

export type ProviderName = 'microsoft' | 'google';
export type SenderMode = 'admin_consent' | 'app_registration' | 'delegated' | 'oauth' | 'service_account';
export type SenderStatus = 'draft' | 'active' | 'needs_attention';

/** The reserved org id of the operator's default sender. */
export const DEFAULT_ORG_ID = '_default';
export const ORG_ID_PATTERN = /^(?:[a-z0-9][a-z0-9-]{0,62}|_default)$/;
/** The key of the sender every org has first; the single-sender routes (`/sender...`) mean this one. */
export const DEFAULT_SENDER_KEY = 'default';
/** Sender keys of named senders (an org may have several senders; `default` is the unnamed one). */
export const SENDER_KEY_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
/** At most this many senders per org (the default one included). */
export const MAX_SENDERS_PER_ORG = 20;

/** The key of a config; rows written before named senders existed have none and are `default`. */
export const senderKeyOf = (config: Pick<SenderConfig, 'senderKey'>): string => config.senderKey ?? DEFAULT_SENDER_KEY;

/**
 * Everything that identifies a sender's credential: which org and sender, how it signs in, and which
 * Key Vault secrets (names and generation) hold it. Credential and token caches key on this, so two
 * senders of one org at the same version never share a session, and a Reset (new version, generation
 * and names) never leaves the old credential reachable from memory.
 */
export function credentialKey(config: SenderConfig): string {
  const secrets = Object.entries(config.secretRefs)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([purpose, name]) => `${purpose}=${name}`);
  return JSON.stringify([
    config.orgId,
    senderKeyOf(config),
    config.provider,
    config.mode,
    config.version,
    config.secretGeneration,
    secrets,
  ]);
}

/** A sender a message's route passed over, and why (`reason`: its last error code, or NO_ACTIVE_SENDER). */
export interface Hop {
  sender: string;
  status: SenderStatus | 'missing';
  reason: string;
}

export interface SenderError {
  code: ErrorCode;
  message: string;
  hint: string;
  at: string;
}

export interface DomainCheckRecord {
  at: string;
  /** The failing checks (could-not-check ones are not findings). */
  findings: Array<{ name: string; code: ErrorCode; message: string; hint: string }>;
}

export interface SenderConfig {
  orgId: string;
  /** Which of the org's senders; absent means `default` (the row key tells, not a column). */
  senderKey?: string;
  provider: ProviderName;
  mode: SenderMode;
  senderEmail: string;
  senderName: string;
  replyTo?: string;
  /** Auth/permission failures of this sender fall back to the default sender (default true). */
  fallbackToDefault: boolean;
  /** Graph only: keep a copy in Sent Items (default false). */
  saveToSentItems: boolean;
  status: SenderStatus;
  locked: boolean;
  /** Moves forward on every save, consent and reset: caches (credentials, tokens) key on it. */
  version: number;
  /** Moves forward on every reset/re-consent; part of every Key Vault secret name (deleted names cannot be reused). */
  secretGeneration: number;

  // Provider/mode specific, non-secret.
  tenantId?: string;
  clientId?: string;
  clientSecretExpiresOn?: string;
  mailboxObjectId?: string;
  /** Google service account email (from the key), or the signed-in account. */
  accountEmail?: string;
  /** When the current refresh token was issued (ISO), for the 7-day Testing-status hint. */
  refreshTokenIssuedAt?: string;
  consentedAt?: string;
  /** Who consented (Microsoft): object id and preferred_username from their VERIFIED ID token. */
  consentedBy?: { oid: string; username: string };
  /** Google: the DKIM selector of the sender domain when not `google` (the sender-domain check reads it). */
  dkimSelector?: string;

  /** purpose -> Key Vault secret name, e.g. { clientSecret: "org-acme-client-secret-3" }. */
  secretRefs: Record<string, string>;
  /** purpose -> a hint safe to show ("set 2026-11-22, ends …abc"), never the value. */
  secretHints: Record<string, string>;

  lastTest?: { ok: boolean; at: string; to?: string; code?: ErrorCode };
  lastError?: SenderError;
  /** Last successful send or token refresh (ISO), written at most hourly; the keep-alive reads it. */
  lastUsedAt?: string;
  /** The last sender-domain check's findings (SPF, DKIM, DMARC warnings), shown in the config view. */
  domainCheck?: DomainCheckRecord;
  /** Secret-expiry notices already sent, as `${clientSecretExpiresOn}:${days}` (each threshold once). */
  secretExpiryNotified?: string[];
  createdAt: string;
  updatedAt: string;
}
