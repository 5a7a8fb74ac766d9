/**
 * Google `oauth` mode consent: authorization code + PKCE S256 with offline access
 * (developers.google.com/identity/protocols/oauth2/web-server). The generic consent machinery
 * (shared/consent) signs the single-use state, holds the PKCE verifier and calls `complete()` from
 * `GET /api/oauth/google/callback`; this file only speaks Google.
 */
import { decodeJwt } from 'jose';
import { getConfig, type Config } from '../../config';
import { MailerError } from '../../errors';
import type { AuthorizationRequest, CallbackRequest, ConsentMode, ConsentOutcome, SingleStepConsentFlow } from '../../consent/types';
import type { ProviderContext } from '../module';
import { classifyGoogleError, failureOf, GMAIL_SEND_SCOPE, GMAIL_SETTINGS_SCOPE } from './errors';
import { platformOAuthClient, type AuthUrlOptions, type OAuth2Client } from './oauthClient';

/** gmail.send to send; `openid email` so the ID token names the account that consented. */
export const GOOGLE_OAUTH_SCOPES = [GMAIL_SEND_SCOPE, 'openid', 'email'] as const;
/** Scopes that include sending (developers.google.com/gmail/api/reference/rest/v1/users.messages/send#authorization-scopes). */
export const SEND_CAPABLE_SCOPES = [
  GMAIL_SEND_SCOPE,
  'https://www.googleapis.com/auth/gmail.compose',
  'https://www.googleapis.com/auth/gmail.modify',
  'https://mail.google.com/',
];
const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];

/** What differs between the sender's Google consent and the directory connection's. */
export interface GoogleOAuthSpec {
  mode: ConsentMode;
  scopes(request: AuthorizationRequest): string[];
  /** Did the grant include what the flow needs? */
  granted(scopes: string[]): boolean;
  /** The grant lacks a needed scope. */
  scopeMissing(): MailerError;
  /** No refresh token came back. */
  noRefreshToken(): MailerError;
  outcome(accountEmail: string, refreshToken: string, issuedAt: string, now: string): ConsentOutcome;
}

/** The sender: gmail.send (and gmail.settings.basic for an alias check). */
export const SENDER_OAUTH: GoogleOAuthSpec = {
  mode: 'oauth',
  // gmail.settings.basic only on request: it is the narrowest scope that lists send-as aliases
  // (developers.google.com/gmail/api/reference/rest/v1/users.settings.sendAs/list), but it also
  // lets an app change mail settings and filters, and Google reviews apps that use it more
  // strictly than gmail.send (developers.google.com/gmail/api/auth/scopes). So it is asked for
  // only when the sender email is an alias of the signed-in account.
  scopes: (request) => [...GOOGLE_OAUTH_SCOPES, ...(request.aliasCheck ? [GMAIL_SETTINGS_SCOPE] : [])],
  granted: (scopes) => scopes.some((s) => SEND_CAPABLE_SCOPES.includes(s)),
  scopeMissing: () => new MailerError('GOOGLE_SCOPE_MISSING', 'The Google sign-in did not grant permission to send email (gmail.send).'),
  noRefreshToken: () =>
    new MailerError('GOOGLE_REAUTH_REQUIRED', 'Google returned no refresh token for this sign-in.', {
      hint: 'Remove org-mailer under myaccount.google.com > Security > Third-party connections, then sign in again.',
    }),
  outcome: (accountEmail, refreshToken, issuedAt, now) => ({
    fields: {
      accountEmail,
      // The account's own address, used only when the admin saved no sender email before consenting.
      senderEmail: accountEmail,
      refreshTokenIssuedAt: issuedAt,
      consentedAt: now,
    },
    secrets: { refreshToken },
  }),
};

export function createGoogleOAuthFlow(
  defaultConfig: () => Readonly<Config> = getConfig,
  spec: GoogleOAuthSpec = SENDER_OAUTH,
): SingleStepConsentFlow {
  // The consent machinery passes its context; without one (a caller outside it) the process settings apply.
  const googleSettings = (context?: ProviderContext) => (context?.config ?? defaultConfig()).google;
  return {
    provider: 'google',
    mode: spec.mode,
    usesPkce: true,

    authorizationUrl(request: AuthorizationRequest, context?: ProviderContext): string {
      const options: AuthUrlOptions = {
        // offline + consent: Google returns a refresh token only on an offline grant, and only on the
        // first consent unless prompt=consent asks again.
        access_type: 'offline',
        prompt: 'consent',
        scope: spec.scopes(request),
        // Incremental authorization: scopes the account granted this client before come back too,
        // so an admin who once granted gmail.settings.basic keeps alias checks working.
        include_granted_scopes: true,
        state: request.state,
        redirect_uri: request.redirectUri,
        ...(request.codeChallenge
          ? { code_challenge: request.codeChallenge, code_challenge_method: 'S256' as AuthUrlOptions['code_challenge_method'] }
          : {}),
        ...(request.loginHint ? { login_hint: request.loginHint } : {}),
      };
      return platformOAuthClient(googleSettings(context)).generateAuthUrl(options);
    },

    async complete(request: CallbackRequest, context?: ProviderContext): Promise<ConsentOutcome> {
      const { query } = request;
      // `error` first: a declined consent carries no code (and must never be mistaken for success).
      const error = query.get('error');
      if (error) {
        const message =
          error === 'access_denied' ? 'Consent was declined in Google.' : `Google did not grant access (${error.slice(0, 64)}).`;
        throw new MailerError('CONSENT_DECLINED', message, { providerCode: error.slice(0, 64) });
      }
      const code = query.get('code');
      if (!code) throw new MailerError('BAD_REQUEST', 'The Google callback carries neither a code nor an error.');

      const google = googleSettings(context);
      const client = platformOAuthClient(google, request.redirectUri);
      const errorContext = { mode: 'oauth' as const, senderEmail: 'the Google account' };
      const exchange = await client
        .getToken({ code, codeVerifier: request.codeVerifier, redirect_uri: request.redirectUri })
        .catch((failure: unknown) => {
          const classified = classifyGoogleError(failure, errorContext);
          // A code Google refuses was reused, expired or belongs to another flow: the link, not the account, is at fault.
          if (['invalid_grant', 'invalid_request', 'redirect_uri_mismatch'].includes(classified.providerCode ?? ''))
            throw codeRefused(failure, classified.providerCode);
          throw classified;
        });
      const tokens = exchange.tokens;
      const granted = (tokens.scope ?? '').split(/\s+/).filter(Boolean);
      if (!spec.granted(granted)) {
        await revokeQuietly(client, tokens.refresh_token ?? tokens.access_token ?? undefined);
        throw spec.scopeMissing();
      }
      if (!tokens.refresh_token) {
        await revokeQuietly(client, tokens.access_token ?? undefined);
        throw spec.noRefreshToken();
      }
      const accountEmail = accountFromIdToken(tokens.id_token ?? undefined, google.clientId);
      if (!accountEmail) {
        await revokeQuietly(client, tokens.refresh_token);
        throw new MailerError(
          'GOOGLE_SCOPE_MISSING',
          'Google did not say which account signed in (the "email" permission was not granted).',
          {
            hint: 'Sign in again and allow org-mailer to see your email address.',
          },
        );
      }
      // Issue time on Google's clock (its Date header): the 7-day Testing-status expiry runs on that clock.
      const serverDate = Date.parse(exchange.res?.headers?.get('date') ?? '');
      const now = new Date().toISOString();
      return spec.outcome(accountEmail, tokens.refresh_token, Number.isNaN(serverDate) ? now : new Date(serverDate).toISOString(), now);
    },
  };
}

/**
 * Google answers a reused, expired or unknown code with 400 invalid_grant "Bad Request", and a code whose
 * PKCE verifier does not match (a code injected from another sign-in) with invalid_grant "Invalid code
 * verifier." (https://github.com/googleapis/google-api-java-client/issues/1479). Either way the consent
 * link is spent: STATE_INVALID, never GOOGLE_REAUTH_REQUIRED.
 */
function codeRefused(failure: unknown, providerCode: string | undefined): MailerError {
  const description = String((failureOf(failure)?.data as { error_description?: unknown } | undefined)?.error_description ?? '');
  const why = /code verifier/i.test(description)
    ? 'it was issued to a sign-in that this consent link did not start (the PKCE proof does not match)'
    : 'it was already used or has expired';
  return new MailerError('STATE_INVALID', `Google refused the authorization code: ${why}. Nothing was saved.`, { providerCode });
}

/**
 * The account's address from the ID token. The token came straight from Google's token endpoint over
 * TLS, so its signature need not be checked (OpenID Connect Core 1.0, section 3.1.3.7, item 6); the
 * audience, issuer and email_verified still are.
 */
function accountFromIdToken(idToken: string | undefined, clientId: string): string | undefined {
  if (!idToken) return undefined;
  try {
    const claims = decodeJwt(idToken);
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(clientId) || !GOOGLE_ISSUERS.includes(String(claims.iss))) return undefined;
    if (claims.email_verified !== true || typeof claims.email !== 'string') return undefined;
    return claims.email.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * The Google consent's refresh token given back when its consent is refused after the exchange (a
 * directory sign-in by an account that is not a Workspace admin). Revoking the refresh token revokes
 * the whole grant: https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
 */
export async function revokeConsentGrant(secrets: Record<string, string>, context: ProviderContext): Promise<void> {
  const { config } = context;
  await revokeQuietly(platformOAuthClient(config.google, undefined, config.providerCallTimeoutMs), secrets.refreshToken);
}

/** Gives back a grant we will not keep, so a refused consent leaves nothing behind at Google either. */
async function revokeQuietly(client: OAuth2Client, token: string | undefined): Promise<void> {
  if (!token) return;
  try {
    await client.revokeToken(token);
  } catch {
    // Best effort: the grant is useless to us either way.
  }
}

export const googleOAuthFlow = createGoogleOAuthFlow();
