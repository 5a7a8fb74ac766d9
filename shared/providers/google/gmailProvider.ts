/**
 * The Gmail `MailProvider`: sends RFC 822 messages built by `shared/mime.ts` through
 * `@googleapis/gmail` (users.messages.send), as JSON `raw` up to 3.5 MiB and through the `/upload`
 * media endpoint above that, up to Gmail's 35 MB.
 *
 * Decisions, documented here because callers see their effects:
 * - Recipients: Gmail's API takes at most 100 per message (To + Cc + Bcc). More is refused with
 *   INVALID_MESSAGE before anything is sent; messages are never split, since a split would send the
 *   To/Cc list several times.
 * - Aliases: when the sender email is not the signed-in account's own address, Gmail sends as it only
 *   if it is a verified "Send mail as" alias, and otherwise SILENTLY rewrites From to the account's
 *   address. So org-mailer sends as an alias only after it has SEEN the alias verified
 *   (settings.sendAs.list, checked at most every 10 minutes). An unverified or absent alias, or scopes
 *   that cannot list aliases (gmail.send alone cannot: 403 insufficientPermissions), refuse the send
 *   with GOOGLE_ALIAS_NOT_VERIFIED and say which scope would allow the check. Service-account mode
 *   acts as the sender mailbox itself (`sub`), so it has no alias.
 * - Credentials: one OAuth2Client per sender config version (module cache below), so the access token
 *   is fetched once and reused until 5 minutes before expiry, across provider instances.
 */
import { Readable } from 'node:stream';
import type { gmail_v1 } from '@googleapis/gmail';
import { MailerError } from '../../errors';
import { buildMime } from '../../mime';
import type { SenderConfig } from '../../model/sender';
import type { MailAddress, MailProvider, OutgoingMail, SendReceipt, VerifyCheck } from '../types';
import { withDeadline } from '../deadline';
import { classifyGoogleError, GMAIL_SEND_SCOPE, GMAIL_SETTINGS_SCOPE, isGmailAuthError, type GoogleErrorContext } from './errors';
import { SEND_CAPABLE_SCOPES } from './oauthFlow';
import { AliasStatus, GoogleProviderContext, secretRef, Session, session } from './gmailSession';
import { mailboxProbe } from './mailboxCheck';

/** Gmail API: at most 100 recipients per message (To + Cc + Bcc). */
export const GMAIL_MAX_RECIPIENTS = 100;
/** Raw messages up to this size go as JSON `raw` (base64url grows them by a third, staying under ~5 MB of JSON). */
export const GMAIL_JSON_RAW_LIMIT = 3.5 * 1024 * 1024;
/** Gmail's maximum message size through the upload endpoint (developers.google.com/gmail/api/reference/rest/v1/users.messages/send). */
export const GMAIL_MAX_MESSAGE_BYTES = 35 * 1024 * 1024;
const ALIAS_RECHECK_MS = 10 * 60 * 1000;
export type { GoogleProviderContext } from './gmailSession';

export function createGmailProvider(sender: SenderConfig, context: GoogleProviderContext): MailProvider {
  const from: MailAddress = { address: sender.senderEmail, name: sender.senderName };
  const account = (sender.mode === 'oauth' ? sender.accountEmail : sender.senderEmail)?.toLowerCase();
  const isAlias = account !== sender.senderEmail.toLowerCase();
  const errorContext = (): GoogleErrorContext => ({
    mode: sender.mode,
    senderEmail: sender.senderEmail,
    refreshTokenIssuedAt: sender.refreshTokenIssuedAt,
  });

  /**
   * Runs a Gmail call under its deadline (gaxios `signal`, the token refresh included); on 401 forgets
   * the access token and tries once more (a token revoked or expired early at Google).
   */
  async function call<T>(s: Session, request: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const attempt = () => withDeadline(context.config.providerCallTimeoutMs, 'Gmail', request);
    try {
      return await attempt();
    } catch (error) {
      if (!isGmailAuthError(error)) throw classifyGoogleError(error, s.errors);
      s.invalidate();
      try {
        return await attempt();
      } catch (again) {
        throw classifyGoogleError(again, s.errors);
      }
    }
  }

  async function lookupAlias(s: Session): Promise<AliasStatus> {
    try {
      const { data } = await call(s, (signal) => s.api.users.settings.sendAs.list({ userId: 'me' }, { signal }));
      const entry = (data.sendAs ?? []).find((a) => a.sendAsEmail?.toLowerCase() === sender.senderEmail.toLowerCase());
      if (entry && (entry.isPrimary || entry.verificationStatus === 'accepted')) return { state: 'verified' };
      return {
        state: 'unverified',
        detail: entry
          ? `its verification is ${entry.verificationStatus ?? 'not complete'}`
          : 'it is not in the account\'s "Send mail as" list',
      };
    } catch (error) {
      if ((error as MailerError).code === 'GOOGLE_SCOPE_MISSING') return { state: 'unknown' };
      throw error;
    }
  }

  function aliasStatus(s: Session): Promise<AliasStatus> {
    if (!s.alias || Date.now() - s.alias.at > ALIAS_RECHECK_MS) {
      const status = lookupAlias(s);
      s.alias = { status, at: Date.now() };
      status.catch(() => (s.alias = undefined));
    }
    return s.alias.status;
  }

  function aliasError(status: Exclude<AliasStatus, { state: 'verified' }>): MailerError {
    const owner = account ?? 'the signed-in account';
    if (status.state === 'unverified') {
      return new MailerError(
        'GOOGLE_ALIAS_NOT_VERIFIED',
        `${sender.senderEmail} is not a verified send-as alias of ${owner}: ${status.detail}.`,
      );
    }
    return new MailerError(
      'GOOGLE_ALIAS_NOT_VERIFIED',
      `Could not check that ${sender.senderEmail} is a verified send-as alias of ${owner}: the granted Google permissions cannot list aliases.`,
      {
        hint:
          `Gmail silently replaces an unverified From with ${owner}, so org-mailer sends as an alias only after it has seen the alias verified. ` +
          `Listing aliases needs the scope ${GMAIL_SETTINGS_SCOPE}, which this sign-in did not grant (gmail.send alone cannot list them). ` +
          `Use ${owner} itself as the sender email, or sign in with Google again allowing org-mailer to check send-as aliases ` +
          '(the "Check send-as aliases" box on the settings page; consent link option aliasCheck: true); Reset first if the sender is locked.',
      },
    );
  }

  /** The strongest no-send probe the granted scopes allow (mailboxCheck.ts), else skipped with the reason. */
  function mailboxCheck(s: Session, probe: (name: string, request: () => Promise<unknown>) => Promise<VerifyCheck>): Promise<VerifyCheck> {
    const granted = sender.mode === 'oauth' ? (s.client.credentials.scope ?? '').split(/\s+/).filter(Boolean) : [GMAIL_SEND_SCOPE];
    return mailboxProbe(sender.senderEmail, sender.mode, granted, () =>
      probe('mailbox', () => s.api.users.settings.sendAs.list({ userId: 'me' })),
    );
  }

  async function sendRaw(s: Session, raw: Buffer): Promise<gmail_v1.Schema$Message> {
    if (raw.length <= GMAIL_JSON_RAW_LIMIT) {
      const { data } = await call(s, (signal) =>
        s.api.users.messages.send({ userId: 'me', requestBody: { raw: raw.toString('base64url') } }, { signal }),
      );
      return data;
    }
    // A fresh stream per attempt: a retried request cannot reuse a consumed one.
    const { data } = await call(s, (signal) =>
      s.api.users.messages.send(
        { userId: 'me', requestBody: {}, media: { mimeType: 'message/rfc822', body: Readable.from([raw]) } },
        { rootUrl: s.rootUrl, signal },
      ),
    );
    return data;
  }

  return {
    sender: from,

    async verify(): Promise<VerifyCheck[]> {
      const checks: VerifyCheck[] = [];
      const fail = (name: string, error: unknown): VerifyCheck => {
        const classified = classifyGoogleError(error, errorContext());
        return { name, ok: false, code: classified.code, message: classified.message, hint: classified.hint };
      };
      let s: Session;
      try {
        s = await session(sender, context);
        await call(s, () => s.client.getAccessToken());
        checks.push({
          name: 'token',
          ok: true,
          message:
            sender.mode === 'service_account'
              ? `Google issued a gmail.send token for ${sender.senderEmail} to the service account (domain-wide delegation works).`
              : `Google accepted the saved sign-in of ${account ?? 'the account'}.`,
        });
      } catch (error) {
        return [fail('token', error)];
      }
      if (sender.mode === 'oauth') {
        const granted = (s.client.credentials.scope ?? '').split(/\s+/).filter(Boolean);
        checks.push(
          granted.some((g) => SEND_CAPABLE_SCOPES.includes(g))
            ? { name: 'scope', ok: true, message: 'The sign-in grants permission to send email.' }
            : fail('scope', new MailerError('GOOGLE_SCOPE_MISSING', 'The sign-in does not grant permission to send email (gmail.send).')),
        );
      }
      if (isAlias) {
        try {
          const status = await aliasStatus(s);
          checks.push(
            status.state === 'verified'
              ? { name: 'alias', ok: true, message: `${sender.senderEmail} is a verified send-as alias of ${account}.` }
              : fail('alias', aliasError(status)),
          );
        } catch (error) {
          checks.push(fail('alias', error));
        }
      }
      checks.push(
        await mailboxCheck(s, (name, request) =>
          call(s, request).then(
            () => ({ name, ok: true }) as VerifyCheck,
            (error) => fail(name, error),
          ),
        ),
      );
      return checks;
    },

    async keepAlive(): Promise<boolean> {
      if (sender.mode !== 'oauth') return false;
      let s: Session;
      try {
        s = await session(sender, context);
      } catch (error) {
        throw classifyGoogleError(error, errorContext());
      }
      const before = s.client.credentials.refresh_token;
      s.invalidate(); // forget the access token: the next call redeems the refresh token now
      try {
        await s.client.getAccessToken();
      } catch (error) {
        throw classifyGoogleError(error, s.errors);
      }
      // Google may rotate the refresh token; google-auth-library keeps the old one when it does not.
      const after = s.client.credentials.refresh_token;
      if (after && after !== before) await context.secrets.set(secretRef(sender, 'refreshToken'), after).catch(() => undefined);
      return true;
    },

    async send(mail: OutgoingMail): Promise<SendReceipt> {
      const recipients = mail.to.length + mail.cc.length + mail.bcc.length;
      if (recipients === 0)
        throw new MailerError('INVALID_MESSAGE', 'The message has no recipients.', {
          fields: { to: 'at least one recipient is required' },
        });
      if (recipients > GMAIL_MAX_RECIPIENTS) {
        throw new MailerError(
          'INVALID_MESSAGE',
          `Gmail accepts at most ${GMAIL_MAX_RECIPIENTS} recipients per message (To, Cc and Bcc together); this one has ${recipients}.`,
          {
            fields: { to: `at most ${GMAIL_MAX_RECIPIENTS} recipients in total for a Google sender; send several messages instead` },
          },
        );
      }
      let s: Session;
      try {
        s = await session(sender, context);
      } catch (error) {
        throw classifyGoogleError(error, errorContext());
      }
      if (isAlias) {
        const status = await aliasStatus(s);
        if (status.state !== 'verified') throw aliasError(status);
      }
      const raw = await buildMime(mail, {
        from,
        defaultReplyTo: sender.replyTo ? [{ address: sender.replyTo }] : undefined,
        // Gmail takes the recipients from the headers and removes Bcc itself.
        keepBcc: true,
      });
      if (raw.length > GMAIL_MAX_MESSAGE_BYTES) {
        throw new MailerError(
          'INVALID_MESSAGE',
          `The message is ${(raw.length / 1048576).toFixed(1)} MB; Gmail accepts at most 35 MB, attachments included.`,
        );
      }
      const data = await sendRaw(s, raw);
      return { providerMessageId: data.id ?? undefined };
    },
  };
}
