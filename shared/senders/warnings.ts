/**
 * Warnings of the config view: problems an admin should fix BEFORE messages start failing. They are
 * computed at read time from the stored row and the current time (never stored), so a warning
 * appears by itself as a date comes near, and goes away with the Reset that replaces the secret.
 *
 * A client secret (app_registration) that expires within
 * SECRET_WARNING_DAYS or has expired: Entra ID then refuses it (AADSTS7000222) and every message
 * fails or falls back. Entra lets an app have several secrets, so the admin can create the next one
 * before the current one ends (https://learn.microsoft.com/entra/identity-platform/how-to-add-credentials).
 *
 * And the sender domain's SPF, DKIM and DMARC findings of the last check (Test connection or the daily
 * health run), stored on the row as `domainCheck`: DNS lookups are too slow for every read.
 */
import { ERROR_CODES, ErrorCode } from '../errors';
import type { VerifyCheck } from '../providers/types';
import type { DomainCheckRecord, SenderConfig } from '../model/sender';

export const SECRET_WARNING_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;

export interface SenderWarning {
  code: ErrorCode;
  message: string;
  hint: string;
  /** Secret expiry: the stored expiry the warning is about, as saved (ISO date or date-time). */
  expiresOn?: string;
  /** Sender-domain findings: when the DNS records were checked. */
  checkedAt?: string;
}

/** A date-only expiry ("2027-05-31") means the end of that day (UTC): the secret still works on it. */
export function expiryInstant(expiresOn: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(expiresOn) ? Date.parse(`${expiresOn}T23:59:59.999Z`) : Date.parse(expiresOn);
}

export function senderWarnings(config: SenderConfig, now: Date): SenderWarning[] {
  const domain = (config.domainCheck?.findings ?? []).map(({ code, message, hint }) => ({
    code,
    message,
    hint,
    checkedAt: config.domainCheck!.at,
  }));
  return [...secretWarnings(config, now), ...domain];
}

/** Test connection passed: no check failed. Warnings never count; skipped checks are proven by Save and test. */
export function verifyPassed(checks: VerifyCheck[]): boolean {
  return checks.every((check) => check.ok || check.level === 'warning' || check.skipped);
}

/**
 * What to store of a sender-domain check: the findings seen. Undefined when nothing could be checked
 * (a DNS outage must not erase nor invent findings).
 */
export function domainCheckRecord(checks: VerifyCheck[], at: string): DomainCheckRecord | undefined {
  const seen = checks.filter((check) => !check.skipped);
  if (!seen.length) return undefined;
  const findings = seen
    .filter((check) => !check.ok && check.code)
    .map((check) => ({ name: check.name, code: check.code!, message: check.message ?? '', hint: check.hint ?? '' }));
  return { at, findings };
}

function secretWarnings(config: SenderConfig, now: Date): SenderWarning[] {
  const expiresOn = config.clientSecretExpiresOn;
  // After a Reset the secret is gone (and the typed date only pre-fills the form): nothing to warn about.
  if (config.mode !== 'app_registration' || !expiresOn || !config.secretRefs.clientSecret) return [];
  const at = expiryInstant(expiresOn);
  if (Number.isNaN(at)) return [];
  const left = at - now.getTime();
  if (left > SECRET_WARNING_DAYS * DAY_MS) return [];
  const day = new Date(at).toISOString().slice(0, 10);
  const days = Math.ceil(left / DAY_MS);
  const message =
    left <= 0
      ? `The client secret expired on ${day}: Entra ID refuses it, so messages cannot go out from ${config.senderEmail}.`
      : `The client secret expires on ${day} (in ${days} day${days === 1 ? '' : 's'}); after that messages cannot go out from ${config.senderEmail}.`;
  return [{ code: 'MS_SECRET_EXPIRING', message, hint: ERROR_CODES.MS_SECRET_EXPIRING.hint, expiresOn }];
}
