/**
 * `sender.secret_expiring` notices: 30, 7 and 1 days before an app registration's
 * `clientSecretExpiresOn`, each sent ONCE. The daily health run asks for each row; the thresholds
 * already notified are remembered on the row (`secretExpiryNotified`, as `${expiresOn}:${days}`), so a
 * new expiry date (a new secret) starts over. When a run first sees a secret already past several
 * thresholds (say 5 days left), it sends only the nearest one (7) and records the others too: a
 * "30 days left" notice then would be wrong.
 *
 * The event id is stable (a hash of type, org, expiry and threshold): a notice published twice (the
 * row write failed after the publish) has the same id, and receivers de-duplicate on it.
 */
import { createHash } from 'node:crypto';
import type { PlatformEvent } from '../events/types';
import type { SenderConfig } from '../model/sender';
import { expiryInstant } from './warnings';

export const SECRET_NOTICE_DAYS = [30, 7, 1] as const;
export const SECRET_EXPIRING_EVENT = 'sender.secret_expiring';
const DAY_MS = 24 * 3600 * 1000;

/** The `data` of the event; its schema for receivers is `sender.secret_expiring` in shared/events/catalogue.ts. */
export type SecretExpiringData = {
  provider: SenderConfig['provider'];
  senderEmail: string;
  clientId?: string;
  expiresOn: string;
  /** The threshold this notice is for (30, 7 or 1). */
  daysBefore: number;
  /** Whole days left when it was sent (0 or less: expired). */
  daysLeft: number;
};

export type SecretExpiringEvent = PlatformEvent<typeof SECRET_EXPIRING_EVENT, SecretExpiringData>;

export function secretExpiringEventId(orgId: string, expiresOn: string, days: number): string {
  return createHash('sha256').update(`${SECRET_EXPIRING_EVENT}:${orgId}:${expiresOn}:${days}`).digest('hex').slice(0, 32);
}

/** The notice due now (if any) and the `secretExpiryNotified` value to store after sending it. */
export function dueSecretNotice(config: SenderConfig, now: Date): { event: SecretExpiringEvent; notified: string[] } | undefined {
  const expiresOn = config.clientSecretExpiresOn;
  if (config.mode !== 'app_registration' || !expiresOn || !config.secretRefs.clientSecret) return undefined;
  const at = expiryInstant(expiresOn);
  if (Number.isNaN(at)) return undefined;
  const left = at - now.getTime();
  const crossed = SECRET_NOTICE_DAYS.filter((days) => left <= days * DAY_MS);
  if (!crossed.length) return undefined;
  const done = new Set(config.secretExpiryNotified ?? []);
  const key = (days: number) => `${expiresOn}:${days}`;
  const nearest = crossed[crossed.length - 1];
  if (done.has(key(nearest))) return undefined;
  const notified = [...new Set([...(config.secretExpiryNotified ?? []).filter((k) => k.startsWith(`${expiresOn}:`)), ...crossed.map(key)])];
  const event: SecretExpiringEvent = {
    id: secretExpiringEventId(config.orgId, expiresOn, nearest),
    type: SECRET_EXPIRING_EVENT,
    timestamp: now.toISOString(),
    orgId: config.orgId,
    data: {
      provider: config.provider,
      senderEmail: config.senderEmail,
      ...(config.clientId ? { clientId: config.clientId } : {}),
      expiresOn,
      daysBefore: nearest,
      daysLeft: Math.ceil(left / DAY_MS),
    },
  };
  return { event, notified };
}
