/** The Google modes' rules for the sender service (see ../microsoft/senderModes.ts for the pattern). */
import { need, type SenderModeRules } from '../senderModeRules';

export const GOOGLE_SENDER_MODES = {
  oauth: {
    consent: true,
    missing: (c) => need(c.secretRefs.refreshToken, 'consent', 'sign in through the consent link first'),
  },
  service_account: {
    consent: false,
    secret: { field: 'serviceAccountKey', missing: 'the service-account JSON key is required' },
    missing: (c) => need(c.secretRefs.serviceAccountKey, 'serviceAccountKey', 'upload the service-account key first'),
  },
} satisfies Record<string, SenderModeRules>;
