/**
 * What the sender service needs to know about each Microsoft 365 mode, in one place (the Google modes
 * have their twin in ../google/senderModes.ts): whether a consent fills it, which secret the first save
 * must carry, and what a config still lacks before Save and test. Adding a mode touches this folder.
 */
import { need, type SenderModeRules } from '../senderModeRules';

export const MICROSOFT_SENDER_MODES = {
  admin_consent: {
    consent: true,
    missing: (c) => need(c.tenantId, 'consent', 'follow the consent link as a Global Administrator first'),
  },
  app_registration: {
    consent: false,
    secret: { field: 'clientSecret', missing: 'is required' },
    missing: (c) => ({
      ...(c.tenantId && c.clientId ? {} : { tenantId: 'save the tenant ID and client ID first' }),
      ...need(c.secretRefs.clientSecret, 'clientSecret', 'save the client secret first'),
    }),
  },
  delegated: {
    consent: true,
    missing: (c) => need(c.secretRefs.refreshToken, 'consent', 'sign in through the consent link first'),
  },
} satisfies Record<string, SenderModeRules>;
