/**
 * Builders for the objects many tests write by hand: a valid value with every required field, and
 * the fields a test cares about given as overrides, so a new required field is added here once.
 * A field overridden with `undefined` is left out, as in a stored row that has none.
 */
import type { SenderConfig } from '@shared/model/sender';

const CREATED = '2026-01-01T00:00:00.000Z';

/** An active, locked Microsoft `app_registration` sender of org `acme`, unless overridden. */
export function senderConfig(overrides: Partial<SenderConfig> = {}): SenderConfig {
  const config: SenderConfig = {
    orgId: 'acme',
    provider: 'microsoft',
    mode: 'app_registration',
    senderEmail: 'notifications@acme.example',
    senderName: 'Acme',
    fallbackToDefault: true,
    saveToSentItems: false,
    status: 'active',
    locked: true,
    version: 1,
    secretGeneration: 1,
    tenantId: '11111111-1111-4111-8111-111111111111',
    clientId: '22222222-2222-4222-8222-222222222222',
    secretRefs: { clientSecret: 'org-acme-client-secret-1' },
    secretHints: {},
    createdAt: CREATED,
    updatedAt: CREATED,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined)) as SenderConfig;
}

/** As `senderConfig`, but without an app registration or secret: a Microsoft sender whose test sets its own credential. */
export const senderWithoutApp = (overrides: Partial<SenderConfig> = {}): SenderConfig =>
  senderConfig({ tenantId: undefined, clientId: undefined, secretRefs: {}, ...overrides });

/** An active Google `oauth` sender of org `acme` as alerts@fabrikam.example (no tenant, app or secret). */
export const googleSenderConfig = (overrides: Partial<SenderConfig> = {}): SenderConfig =>
  senderWithoutApp({
    provider: 'google',
    mode: 'oauth',
    senderEmail: 'alerts@fabrikam.example',
    senderName: 'Fabrikam Alerts',
    ...overrides,
  });
