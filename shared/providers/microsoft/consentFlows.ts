/**
 * Microsoft's two consent-based modes, plugged into the provider-neutral consent machinery
 * (`shared/consent/`), which signs and consumes the state, keeps the PKCE verifier and stores
 * what `complete()` returns. Delegated sign-in is here; admin consent is in `adminConsent.ts`.
 */
import { MailerError } from '../../errors';
import type { CallbackRequest, ConsentFlow, ConsentOutcome } from '../../consent/types';
import { required, throwIfDeclined, withQuery } from './consentCommon';
import { verifyIdToken } from './idToken';
import { redeemAuthorizationCode, SIGN_IN_SCOPES } from './tokenEndpoint';

/** Delegated sign-in (authorization code + PKCE S256): a user who may send as the sender mailbox. */
export const delegatedFlow: ConsentFlow = {
  provider: 'microsoft',
  mode: 'delegated',
  usesPkce: true,
  authorizationUrl(request, context) {
    const { config } = required(context);
    // https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#request-an-authorization-code
    return withQuery(`${config.microsoft.authorityHost}/organizations/oauth2/v2.0/authorize`, {
      client_id: config.microsoft.clientId,
      response_type: 'code',
      redirect_uri: request.redirectUri,
      // form_post: Entra POSTs code and state to the callback in a form body instead of the query
      // string (same page, "response_mode": query, fragment or form_post), so the one-time code never
      // sits in a URL that request logs (App Insights), proxies or browser history may keep.
      response_mode: 'form_post',
      scope: SIGN_IN_SCOPES.join(' '),
      state: request.state,
      // OpenID Connect: echoed inside the ID token, which must carry this consent link's nonce.
      nonce: request.nonce,
      code_challenge: request.codeChallenge,
      code_challenge_method: request.codeChallenge ? 'S256' : undefined,
      login_hint: request.loginHint,
      prompt: 'select_account',
    });
  },
  async complete(request: CallbackRequest, context): Promise<ConsentOutcome> {
    const ctx = required(context);
    throwIfDeclined(request.query);
    const code = request.query.get('code');
    if (!code || !request.codeVerifier) throw new MailerError('BAD_REQUEST', 'The sign-in answer carries no authorization code; nothing was saved.');
    const tokens = await redeemAuthorizationCode(ctx, { code, codeVerifier: request.codeVerifier, redirectUri: request.redirectUri });
    const granted = (tokens.scope ?? '').split(' ').map((s) => s.replace(/^https:\/\/graph\.microsoft\.com\//i, ''));
    if (!granted.includes('Mail.Send')) {
      throw new MailerError('MS_CONSENT_MISSING', 'The sign-in did not grant Mail.Send; nothing was saved.', {
        hint: 'Sign in again and accept the "Send mail as you" permission, or ask an administrator to grant it for the organization.',
      });
    }
    if (!tokens.refresh_token) {
      throw new MailerError('MS_CONSENT_MISSING', 'The sign-in returned no refresh token (offline_access was not granted); nothing was saved.', {
        hint: 'Sign in again and accept "Maintain access to data you have given it access to".',
      });
    }
    // Who signed in, and so the tenant, comes only from the VERIFIED ID token (signature, issuer of
    // its own tenant, audience, expiry, this link's nonce): see idToken.ts.
    const identity = await verifyIdToken(ctx, tokens.id_token, { nonce: request.nonce });
    const account = identity.username;
    if (!account) throw new MailerError('CONSENT_ID_TOKEN_INVALID', 'The ID token of this sign-in names no account; nothing was saved.');
    const now = new Date().toISOString();
    return {
      fields: {
        tenantId: identity.tenantId,
        accountEmail: account,
        refreshTokenIssuedAt: now,
        consentedAt: now,
        consentedBy: { oid: identity.oid, username: account },
        senderEmail: account,
      },
      secrets: { refreshToken: tokens.refresh_token },
    };
  },
};
