/**
 * Builders for the objects many tests write by hand: a valid value with every required field, and
 * the fields a test cares about given as overrides, so a new required field is added here once.
 */
import type { SenderConfig } from '@shared/senders/model';

const CREATED = '2026-01-01T00:00:00.000Z';

/** An active, locked Microsoft `app_registration` sender of org `acme`, unless overridden. */
export function senderConfig(overrides: Partial<SenderConfig> = {}): SenderConfig {
  return {
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
}
