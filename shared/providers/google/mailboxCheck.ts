/**
 * Test connection's `mailbox` check for Google: can Gmail take mail for this mailbox, seen WITHOUT
 * sending? A token proves only the credential: Google issues a service account's delegated token for
 * a user whose Gmail is disabled, and only a Gmail call then fails (failedPrecondition).
 *
 * The strongest probe per granted scope, from the methods' "Authorization scopes" in the Gmail API
 * reference:
 * - `gmail.settings.basic` (oauth with the alias check): users.settings.sendAs.list reads the mailbox's
 *   settings, so Gmail must be on for it (https://developers.google.com/gmail/api/reference/rest/v1/users.settings.sendAs/list).
 * - `gmail.send` alone (every service account, oauth without the alias check): no method but
 *   users.messages.send accepts it. users.getProfile needs a read or compose scope
 *   (https://developers.google.com/gmail/api/reference/rest/v1/users/getProfile), and users.drafts.create
 *   needs gmail.compose, modify or full access (https://developers.google.com/gmail/api/reference/rest/v1/users.drafts/create),
 *   so no no-send probe exists: the check is skipped, saying so, and Save and test is the proof.
 */
import type { VerifyCheck } from '../types';
import { GMAIL_SETTINGS_SCOPE } from './errors';

const FULL_ACCESS = 'https://mail.google.com/';

export async function mailboxProbe(
  senderEmail: string,
  mode: string,
  granted: string[],
  readSettings: () => Promise<VerifyCheck>,
): Promise<VerifyCheck> {
  if (mode === 'oauth' && (granted.includes(GMAIL_SETTINGS_SCOPE) || granted.includes(FULL_ACCESS))) {
    const seen = await readSettings();
    return seen.ok ? { ...seen, message: `Gmail answered for ${senderEmail} (its send-as settings were read; no mail sent).` } : seen;
  }
  const why =
    mode === 'service_account'
      ? 'the service account is delegated gmail.send only, which cannot read the mailbox (users.getProfile needs a read scope, drafts.create needs gmail.compose)'
      : 'the sign-in granted gmail.send only, which cannot read the mailbox (users.getProfile needs a read scope, drafts.create needs gmail.compose)';
  return {
    name: 'mailbox',
    ok: false,
    skipped: true,
    message: `Not checked: ${why}, so whether Gmail accepts mail from ${senderEmail} shows only when a message is sent. Save and test sends one and proves it.`,
  };
}
