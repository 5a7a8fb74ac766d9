/**
 * Test connection's checks for Microsoft, as pure decisions over what the provider saw, each saying only
 * what it proved:
 * - `permission` reads the token's claims. It never fails a sender: app-only tokens list only Entra
 *   app-role grants in `roles`, while Exchange RBAC for Applications grants Mail.Send per mailbox
 *   without ever appearing there (https://learn.microsoft.com/exchange/permissions-exo/application-rbac),
 *   so a missing Mail.Send is a WARNING and the mailbox's own answer decides. The daily health run
 *   therefore never changes a sender's status on claims alone (shared/senders/health.ts ignores warnings).
 * - `mailbox` is a recipient-less sendMail (provider.ts): a refusal is a real answer and fails the check.
 * - `send-as` (delegated, another mailbox): Microsoft does not document that Graph checks Send As before
 *   it refuses a message without recipients, so a refusal proves a problem but an ErrorInvalidRecipients
 *   proves nothing about Send As: the check is SKIPPED with the reason; Save and test (a real send) is the
 *   proof (https://learn.microsoft.com/graph/api/user-sendmail#response).
 */
import type { MailerError } from '../../errors';
import type { VerifyCheck } from '../types';

export interface TokenClaims {
  roles?: string[];
  scp?: string;
  upn?: string;
  preferred_username?: string;
  unique_name?: string;
  tid?: string;
}

export const failedCheck = (name: string, error: MailerError): VerifyCheck => ({
  name,
  ok: false,
  code: error.code,
  message: error.message,
  hint: error.hint,
});
export const skippedCheck = (name: string, why: string): VerifyCheck => ({
  name,
  ok: false,
  skipped: true,
  message: `Not checked: ${why}.`,
});

/** What the provider knows about who sends as what. */
export interface SendingFacts {
  kind: 'app' | 'delegated';
  sender: string;
  /** The signed-in account as the token names it (usually the UPN). */
  account?: string;
  /** The account's email address saved at consent (its primary SMTP address), which may differ from the UPN. */
  accountEmail?: string;
}

/** Delegated, and the sender address is neither the account's sign-in name nor its email: Send As on another mailbox. */
const sendsAsOther = (facts: SendingFacts) =>
  facts.kind === 'delegated' &&
  !!facts.account &&
  ![facts.account, facts.accountEmail].some((own) => own?.toLowerCase() === facts.sender.toLowerCase());

const RBAC_NOTE =
  'It works only if Exchange RBAC for Applications assigns the app the "Application Mail.Send" role for this mailbox; the mailbox check shows whether Exchange lets it send.';

/** What the token's claims say about sending; a warning at worst (see above). */
export function permissionCheck(claims: TokenClaims | undefined, options: SendingFacts & { hint: string }): VerifyCheck {
  const warn = (message: string, hint = options.hint): VerifyCheck => ({ name: 'permission', ok: false, level: 'warning', message, hint });
  if (!claims)
    return skippedCheck('permission', 'the access token could not be read, so its permissions are unknown; the mailbox check decides');
  if (options.kind === 'app') {
    return claims.roles?.includes('Mail.Send')
      ? { name: 'permission', ok: true, message: 'The token carries the Mail.Send application permission granted in Entra ID.' }
      : warn(
          `Mail.Send is not granted in Entra ID (the token's roles do not list it). ${RBAC_NOTE}`,
          `${RBAC_NOTE} Otherwise: ${options.hint}`,
        );
  }
  const scopes = (claims.scp ?? '').split(' ');
  const other = sendsAsOther(options);
  if (!scopes.includes('Mail.Send'))
    return warn('The sign-in did not grant Mail.Send; the mailbox check shows whether Microsoft Graph refuses it.');
  if (other && !scopes.includes('Mail.Send.Shared')) {
    return warn(
      `The sign-in did not grant Mail.Send.Shared, which sending as ${options.sender} may need; the mailbox check shows whether Microsoft Graph refuses it.`,
    );
  }
  return { name: 'permission', ok: true, message: `The sign-in grants ${other ? 'Mail.Send and Mail.Send.Shared' : 'Mail.Send'}.` };
}

/**
 * The recipient-less sendMail's answer: `refusal` is the classified error when Graph refused for any
 * other reason than the missing recipients (undefined: it refused only the recipients).
 */
export function mailboxChecks(refusal: MailerError | undefined, options: SendingFacts): VerifyCheck[] {
  if (refusal) return [failedCheck(refusal.code === 'MS_SEND_AS_DENIED' ? 'send-as' : 'mailbox', refusal)];
  if (options.kind === 'app') {
    return [
      {
        name: 'mailbox',
        ok: true,
        message: `Exchange Online accepted a message without recipients from this app for ${options.sender} and refused it only for having no recipients (checked without sending).`,
      },
    ];
  }
  const signedIn = options.account ?? 'the signed-in account';
  const mailbox: VerifyCheck = {
    name: 'mailbox',
    ok: true,
    message: `Microsoft Graph accepted the sign-in of ${signedIn} for sending and refused a test message only for having no recipients (nothing was sent).`,
  };
  if (!sendsAsOther(options)) return [mailbox];
  return [
    mailbox,
    skippedCheck(
      'send-as',
      `whether ${signedIn} may send as ${options.sender} shows only when a message is sent (Microsoft does not document that Graph checks Send As before it refuses a message without recipients). Save and test sends one and proves it`,
    ),
  ];
}
