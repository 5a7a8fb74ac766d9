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
import type { CachedToken } from './tokenCache';

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
}

interface TokenClaims {
  roles?: string[];
  scp?: string;
  upn?: string;
  preferred_username?: string;
  unique_name?: string;
  tid?: string;
}

const fail = (name: string, error: MailerError): VerifyCheck => ({ name, ok: false, code: error.code, message: error.message, hint: error.hint });
const skipped = (name: string, why: string): VerifyCheck => ({ name, ok: false, message: `Not checked: ${why}.` });

export class MicrosoftMailProvider implements MailProvider {
  readonly sender: MailAddress;

  constructor(private readonly options: MicrosoftProviderOptions) {
    this.sender = options.sender;
  }

  async send(mail: OutgoingMail): Promise<SendReceipt> {
    const body = serializeSendMail(
      toGraphSendMail(mail, { from: this.sender, defaultReplyTo: this.options.defaultReplyTo, saveToSentItems: this.options.saveToSentItems }),
    );
    await this.post(body);
    // Graph answers 202 with no body and no message id (docs/providers.md).
    return {};
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
      return [fail(tokenCheck, classified), skipped('permission', 'no token'), skipped('mailbox', 'no token')];
    }
    const claims = readClaims(token);
    const account = claims?.upn ?? claims?.preferred_username ?? claims?.unique_name;
    const of = account ? ` of ${account}` : '';
    const signIn = fetched ? `Refreshed the saved sign-in${of}.` : `The saved sign-in${of} holds a valid access token from its last refresh (not redeemed again).`;
    const checks: VerifyCheck[] = [
      { name: tokenCheck, ok: true, message: delegated ? signIn : `Entra ID issued a token${claims?.tid ? ` for tenant ${claims.tid}` : ''}.` },
    ];
    checks.push(this.permissionCheck(claims, account));
    checks.push(await this.mailboxCheck(account));
    return checks;
  }

  /** Decodes the JWT (no signature check: we just got it from Entra over TLS) and looks for Mail.Send. */
  private permissionCheck(claims: TokenClaims | undefined, account: string | undefined): VerifyCheck {
    const missing = (message: string) =>
      fail('permission', new MailerError('MS_CONSENT_MISSING', message, { hint: this.options.permissionHint }));
    if (!claims) return missing('The access token could not be read, so its permissions are unknown.');
    if (this.options.kind === 'app') {
      return claims.roles?.includes('Mail.Send')
        ? { name: 'permission', ok: true, message: 'The token carries the Mail.Send application permission.' }
        : missing('The token carries no Mail.Send application permission (no "Mail.Send" in its roles).');
    }
    const scopes = (claims.scp ?? '').split(' ');
    const sendsAsOther = !!account && account.toLowerCase() !== this.sender.address.toLowerCase();
    if (!scopes.includes('Mail.Send')) return missing('The sign-in did not grant Mail.Send.');
    if (sendsAsOther && !scopes.includes('Mail.Send.Shared')) {
      return missing(`The sign-in did not grant Mail.Send.Shared, which sending as ${this.sender.address} needs.`);
    }
    return { name: 'permission', ok: true, message: `The sign-in grants ${sendsAsOther ? 'Mail.Send and Mail.Send.Shared' : 'Mail.Send'}.` };
  }

  /**
   * Is the mailbox reachable, and may we send as it, WITHOUT sending? Mail.Send grants no read access
   * (app-only `User.Read.All` is not part of it), so the check is a sendMail with NO recipients: Graph
   * resolves the mailbox and checks access policy and Send As first, then refuses the message itself
   * with 400 ErrorInvalidRecipients, "A message can't be sent because it contains no recipients."
   * That refusal is the success signal; nothing can be delivered.
   */
  private async mailboxCheck(account: string | undefined): Promise<VerifyCheck> {
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
    } catch (error) {
      const classified = asMailerError(error);
      if (classified.providerCode !== 'ErrorInvalidRecipients') return fail('mailbox', classified);
    }
    const who = this.options.kind === 'delegated' && account ? `${account} may send as ${this.sender.address}` : `${this.sender.address} accepts mail from this app`;
    return { name: 'mailbox', ok: true, message: `The mailbox is reachable and ${who} (checked without sending).` };
  }

  private async post(body: string): Promise<void> {
    // The token is fetched (and a failure classified) before Graph is called, so credential errors
    // keep their Entra code instead of arriving wrapped in a GraphError.
    await this.options.tokens.get();
    // GraphRequest.option() passes `signal` to fetch, so the deadline also closes the connection.
    await withDeadline(
      this.options.callTimeoutMs,
      'Microsoft Graph',
      (signal) => this.options.graph.api(`${this.options.mailboxPath}/sendMail`).option('signal', signal).post(body),
      (error) => {
        if ((error as { statusCode?: number }).statusCode === 401) this.options.tokens.invalidate();
        return classifyGraphError(error, this.options.errorContext);
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
  return isMailerError(error) ? error : new MailerError('PROVIDER_UNAVAILABLE', 'Unexpected failure talking to Microsoft.', { cause: error });
}
