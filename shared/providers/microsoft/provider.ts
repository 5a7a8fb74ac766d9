/**
 * The Microsoft `MailProvider`: sends through Graph sendMail as one sender config, and runs the Test
 * connection checks. The three modes differ only in how the token is obtained and which path sends
 * (`/users/{id}` app-only, `/me` delegated); `index.ts` wires those in.
 */
import { decodeJwt } from 'jose';
import type { Client } from '@microsoft/microsoft-graph-client';
import { MailerError, isMailerError } from '../../errors';
import type { MailAddress, MailProvider, OutgoingMail, SendReceipt, VerifyCheck } from '../types';
import { withDeadline } from '../deadline';
import { classifyGraphError, MicrosoftErrorContext } from './errors';
import { serializeSendMail, toGraphSendMail } from './graphMessage';
import { refusesMessageId, type MessageIdRefusals } from './messageIdFallback';
import type { CachedToken } from './tokenCache';
import { failedCheck, mailboxChecks, permissionCheck, skippedCheck, type TokenClaims } from './verifyChecks';

export interface MicrosoftProviderOptions {
  sender: MailAddress;
  defaultReplyTo?: string;
  saveToSentItems: boolean;
  /** `app`: client credentials, permission is the `roles` claim. `delegated`: a user's token, `scp` claim. */
  kind: 'app' | 'delegated';
  /** Graph path of the sending mailbox: `/users/{id or upn}` or `/me`. */
  mailboxPath: string;
  tokens: CachedToken;
  graph: Client;
  /** Mailbox and account names for hints. */
  errorContext: MicrosoftErrorContext;
  /** Deadline of the Graph call (PROVIDER_CALL_TIMEOUT_SECONDS). */
  callTimeoutMs: number;
  /** The admin-facing fix when the token lacks Mail.Send (differs per mode). */
  permissionHint: string;
  /** The sender's tenant, and what its Graph refused (internetMessageId: messageIdFallback.ts). */
  tenantId?: string;
  messageIds: MessageIdRefusals;
}

export class MicrosoftMailProvider implements MailProvider {
  readonly sender: MailAddress;

  constructor(private readonly options: MicrosoftProviderOptions) {
    this.sender = options.sender;
  }

  async send(mail: OutgoingMail): Promise<SendReceipt> {
    const { tenantId, messageIds } = this.options;
    const withoutMessageId = messageIds.refuses(tenantId);
    try {
      await this.post(this.sendMailBody(mail, withoutMessageId));
    } catch (error) {
      if (withoutMessageId || !isMailerError(error) || !refusesMessageId(error)) throw error;
      // A 400 naming internetMessageId: nothing was sent, so the same message goes again without it.
      messageIds.remember(tenantId);
      await this.post(this.sendMailBody(mail, true));
    }
    // Graph answers 202 with no body and no message id (docs/providers.md).
    return {};
  }

  private sendMailBody(mail: OutgoingMail, withoutMessageId: boolean): string {
    const { defaultReplyTo, saveToSentItems } = this.options;
    return serializeSendMail(toGraphSendMail(mail, { from: this.sender, defaultReplyTo, saveToSentItems, withoutMessageId }));
  }

  /** Delegated only: a refresh-token grant now (delegatedToken.ts saves the rotated refresh token). */
  async keepAlive(): Promise<boolean> {
    if (this.options.kind !== 'delegated') return false;
    await this.options.tokens.get({ fresh: true });
    return true;
  }

  /**
   * App-only modes ask Entra for a new token (a secret deleted since shows now). Delegated reuses a
   * valid cached access token: each redemption rotates the refresh token, which is a new Key Vault
   * secret version, so Test connection must not write one per click; a sign-in revoked since then
   * shows when that access token expires (at most about an hour).
   */
  async verify(): Promise<VerifyCheck[]> {
    const delegated = this.options.kind === 'delegated';
    const tokenCheck = delegated ? 'sign-in' : 'token';
    let token: string;
    let fetched: boolean;
    try {
      ({ token, fetched } = await this.options.tokens.getTelling({ fresh: !delegated }));
    } catch (error) {
      const classified = asMailerError(error);
      return [failedCheck(tokenCheck, classified), skippedCheck('permission', 'no token'), skippedCheck('mailbox', 'no token')];
    }
    const claims = readClaims(token);
    const account = claims?.upn ?? claims?.preferred_username ?? claims?.unique_name;
    const facts = { kind: this.options.kind, sender: this.sender.address, account, accountEmail: this.options.errorContext.account };
    const of = account ? ` of ${account}` : '';
    const signIn = fetched
      ? `Refreshed the saved sign-in${of}.`
      : `The saved sign-in${of} holds a valid access token from its last refresh (not redeemed again).`;
    return [
      {
        name: tokenCheck,
        ok: true,
        message: delegated ? signIn : `Entra ID issued a token${claims?.tid ? ` for tenant ${claims.tid}` : ''}.`,
      },
      permissionCheck(claims, { ...facts, hint: this.options.permissionHint }),
      ...mailboxChecks(await this.probeMailbox(), facts),
    ];
  }

  /**
   * May we send from the mailbox, seen WITHOUT sending? Mail.Send grants no read access, so the probe is a
   * sendMail with NO recipients: Graph answers 400 ErrorInvalidRecipients, "A message can't be sent because
   * it contains no recipients", when nothing else stopped it; any other refusal is returned (classified).
   * Nothing can be delivered. What the answer proves is decided in verifyChecks.ts.
   */
  private async probeMailbox(): Promise<MailerError | undefined> {
    const probe = JSON.stringify({
      message: {
        subject: 'org-mailer connection check (no recipients: never delivered)',
        body: { contentType: 'Text', content: '' },
        from: { emailAddress: { address: this.sender.address, name: this.sender.name } },
        toRecipients: [],
      },
      saveToSentItems: false,
    });
    try {
      await this.post(probe);
      return undefined;
    } catch (error) {
      const classified = asMailerError(error);
      return classified.providerCode === 'ErrorInvalidRecipients' ? undefined : classified;
    }
  }

  private async post(body: string): Promise<void> {
    // The token is fetched (and a failure classified) before Graph is called, so credential errors
    // keep their Entra code instead of arriving wrapped in a GraphError.
    const token = await this.options.tokens.get();
    // An app token without Entra's Mail.Send sends only through Exchange RBAC for Applications: a refusal is about its scope.
    const errorContext =
      this.options.kind === 'app'
        ? { ...this.options.errorContext, entraMailSend: !!readClaims(token)?.roles?.includes('Mail.Send') }
        : this.options.errorContext;
    // GraphRequest.option() passes `signal` to fetch, so the deadline also closes the connection.
    await withDeadline(
      this.options.callTimeoutMs,
      'Microsoft Graph',
      (signal) => this.options.graph.api(`${this.options.mailboxPath}/sendMail`).option('signal', signal).post(body),
      (error) => {
        if ((error as { statusCode?: number }).statusCode === 401) this.options.tokens.invalidate();
        return classifyGraphError(error, errorContext);
      },
    );
  }
}

function readClaims(token: string): TokenClaims | undefined {
  try {
    return decodeJwt(token) as TokenClaims;
  } catch {
    return undefined;
  }
}

function asMailerError(error: unknown): MailerError {
  return isMailerError(error)
    ? error
    : new MailerError('PROVIDER_UNAVAILABLE', 'Unexpected failure talking to Microsoft.', { cause: error });
}
