/**
 * Keep-alive for sign-ins that expire when unused: Entra ID refresh tokens end after 90 days of
 * inactivity (https://learn.microsoft.com/entra/identity-platform/refresh-tokens#token-lifetime), and
 * Google's after six months unused (https://developers.google.com/identity/protocols/oauth2#expiration).
 * A sender that sends rarely would lose its sign-in although nothing else changed, so the daily
 * health run redeems the refresh token of every active delegated Microsoft and Google OAuth sender
 * that has not been used (`lastUsedAt`, else `updatedAt`) for SENDER_KEEPALIVE_IDLE_DAYS; the
 * provider saves a rotated refresh token (a new Key Vault version).
 */
import type { SenderConfig } from '../model/sender';

/** Modes whose credential is a user's refresh token. */
const REFRESH_TOKEN_MODES: ReadonlySet<string> = new Set(['delegated', 'oauth']);

export function needsKeepAlive(config: SenderConfig, now: Date, idleMs: number): boolean {
  if (config.status !== 'active' || !REFRESH_TOKEN_MODES.has(config.mode) || !config.secretRefs.refreshToken) return false;
  const last = Date.parse(config.lastUsedAt ?? config.updatedAt);
  return Number.isNaN(last) || now.getTime() - last >= idleMs;
}
