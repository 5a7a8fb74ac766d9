/**
 * The sender service's small pure helpers (shared/senders/service.ts): which Key Vault purpose a
 * secret ref has, which fields a consent fills, and what a config still lacks before Save and test
 * (per mode, from the providers' table in shared/providers/senderModes.ts).
 */
import { MailerError } from '../errors';
import { SENDER_MODE_RULES } from '../providers/senderModes';
import type { SecretPurpose } from '../store/secretNames';
import type { SenderConfig } from '../model/sender';

/** `secretRefs` keys (camelCase, as the providers read them) -> Key Vault name purposes. */
const PURPOSES: Record<string, SecretPurpose> = {
  clientSecret: 'client-secret',
  refreshToken: 'refresh-token',
  serviceAccountKey: 'service-account-key',
};

/** Fields that come from a consent (or a key) rather than from the admin's PUT. */
export const CONSENT_FIELDS = ['tenantId', 'accountEmail', 'refreshTokenIssuedAt', 'consentedAt', 'consentedBy'] as const;

export function purposeOf(key: string): SecretPurpose {
  const purpose = PURPOSES[key];
  if (!purpose) throw new Error(`internal: no Key Vault purpose for secret "${key}"`);
  return purpose;
}

/** What a config still lacks before it can send, as 422 fields. */
export function missingForTest(config: SenderConfig): Record<string, string> {
  return {
    ...(config.senderEmail ? {} : { senderEmail: 'save the sender email first' }),
    ...(config.senderName ? {} : { senderName: 'save the sender alias first' }),
    ...(SENDER_MODE_RULES[config.mode]?.missing(config) ?? {}),
  };
}

export function requireComplete(config: SenderConfig): void {
  const missing = missingForTest(config);
  if (Object.keys(missing).length) {
    throw new MailerError('VALIDATION_FAILED', `The sender is not complete yet: ${Object.keys(missing).join(', ')}.`, { fields: missing });
  }
}

export function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

export function stripUndefined(config: SenderConfig): void {
  for (const key of Object.keys(config) as Array<keyof SenderConfig>) if (config[key] === undefined) delete config[key];
}
