/** The page's fixed texts. The provider and mode list itself comes from the server's one list (shared/providers/modes.ts). */
import type { SenderStatus } from './types';

export const TOKEN_KEY = 'org-mailer.admin-token';

export const STATUS: Record<SenderStatus | 'none', string> = {
  none: 'Default sender',
  draft: 'Draft',
  active: 'Active',
  needs_attention: 'Needs attention',
};

export const CONSENT_BUTTONS: Record<string, string> = {
  admin_consent: 'Grant admin consent in Microsoft 365',
  delegated: 'Sign in with Microsoft',
  oauth: 'Sign in with Google',
};

export const CONSENT_HELP: Record<string, string> = {
  admin_consent:
    "Opens Microsoft's sign-in, then its consent page for your tenant. Sign in as a Global Administrator (or Privileged Role Administrator) and accept; you come back here afterwards.",
  delegated:
    'Opens Microsoft\'s sign-in page. For a shared mailbox, sign in as a user with "Send as" rights and enter the shared address as sender email.',
  oauth: 'Opens Google\'s sign-in page. Allow "Send email on your behalf"; you come back here afterwards.',
};

export const CHECK_LABELS: Record<string, string> = {
  token: 'Sign-in of the app',
  'sign-in': 'Saved sign-in',
  permission: 'Permission to send',
  scope: 'Permission to send',
  mailbox: 'Mailbox',
  'send-as': 'May send as the sender address',
  alias: 'Sender address',
  spf: 'Sender domain: SPF',
  dkim: 'Sender domain: DKIM',
  dmarc: 'Sender domain: DMARC',
};

export const PROVIDER_LABELS: Record<string, string> = { microsoft: 'Microsoft 365', google: 'Google' };

/** Whose form was open, kept across a consent round trip in the same tab. */
export const SENDER_KEY_KEY = 'org-mailer.sender-key';

/** The connection choices of "Add another sender", as the form's radio buttons name them. */
export const MODE_LABELS: Record<string, string> = {
  admin_consent: 'Admin consent',
  app_registration: 'Your own app registration',
  delegated: 'Sign in as a user',
  oauth: 'Sign in with Google',
  service_account: 'Service account key',
};

/** Modes whose secrets are typed or uploaded in the form: a new sender of these opens the form first. */
export const FORM_FIRST_MODES = ['app_registration', 'service_account'];

/** A hop's status in plain words (`missing`: no sender with that key). */
export const HOP_STATUS: Record<string, string> = { ...STATUS, missing: 'not set up' };
