/**
 * The config view of `GET /orgs/{orgId}/sender` (docs/api.md): everything an admin needs to
 * see, and by construction nothing secret: it is built field by field from the row, which holds
 * only Key Vault references and hints, and the references themselves are not shown either.
 */
import type { SenderConfig } from '../model/sender';
import { routeFor, Route } from './routing';
import { senderWarnings, SenderWarning } from './warnings';

/** The row minus what only the code needs (Key Vault names, the generation), plus where mail goes now. */
export type SenderView = Omit<SenderConfig, 'secretRefs' | 'secretHints' | 'secretGeneration' | 'domainCheck' | 'secretExpiryNotified'> & {
  /** purpose -> a safe hint ("saved 2026-11-22, expires 2027-05-31"); never a value. */
  secrets: Record<string, string>;
  /** Where this org's messages go out from right now. */
  sendingVia: Route;
  /** One sentence for the admin about `sendingVia` and what to do next. */
  notice: string;
  /** What to fix before messages start failing (e.g. a secret expiring within 30 days); absent when none. */
  warnings?: SenderWarning[];
};

function notice(config: SenderConfig, via: Route): string {
  if (config.status === 'active')
    return `Active and locked: messages go out from ${config.senderEmail}. Reset to change the configuration.`;
  if (config.status === 'needs_attention') {
    return via === 'default'
      ? 'Needs attention: messages go out from the default sender until the problem below is fixed and a test send succeeds.'
      : 'Needs attention: messages are still tried from this sender (fallback to the default sender is off) and fail until the problem below is fixed.';
  }
  return 'Not active yet: messages go out from the default sender until a test send succeeds ("Save and test").';
}

/** `now` decides which warnings apply (they are computed at read time, never stored). */
export function toView(config: SenderConfig, now: Date = new Date()): SenderView {
  const via = routeFor(config);
  const warnings = senderWarnings(config, now);
  const optional = <K extends keyof SenderConfig>(key: K) =>
    config[key] === undefined || config[key] === '' ? {} : { [key]: config[key] };
  return {
    orgId: config.orgId,
    ...optional('senderKey'),
    provider: config.provider,
    mode: config.mode,
    senderEmail: config.senderEmail,
    senderName: config.senderName,
    ...optional('replyTo'),
    fallbackToDefault: config.fallbackToDefault,
    saveToSentItems: config.saveToSentItems,
    status: config.status,
    locked: config.locked,
    version: config.version,
    ...optional('tenantId'),
    ...optional('clientId'),
    ...optional('clientSecretExpiresOn'),
    ...optional('mailboxObjectId'),
    ...optional('accountEmail'),
    ...optional('consentedAt'),
    ...optional('consentedBy'),
    ...optional('refreshTokenIssuedAt'),
    ...optional('dkimSelector'),
    secrets: { ...config.secretHints },
    ...optional('lastTest'),
    ...optional('lastError'),
    ...optional('lastUsedAt'),
    sendingVia: via,
    notice: notice(config, via),
    ...(warnings.length ? { warnings } : {}),
    createdAt: config.createdAt,
    updatedAt: config.updatedAt,
  } as SenderView;
}
