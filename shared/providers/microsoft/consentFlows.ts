/**
 * Microsoft's two consent-based modes, plugged into the provider-neutral consent machinery
 * (`shared/consent/`), which signs and consumes the state, keeps the PKCE verifier and stores
 * what `complete()` returns.
 */
import { decodeJwt } from 'jose';
import { MailerError } from '../../errors';
import type { CallbackRequest, ConsentFlow, ConsentOutcome } from '../../consent/types';
import type { ProviderContext } from '../module';
import { GRAPH_DEFAULT_SCOPE, platformAppCredential } from './credentials';
import { classifyCredentialError } from './errors';
import { redeemAuthorizationCode, SIGN_IN_SCOPES } from './tokenEndpoint';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function withQuery(base: string, params: Record<string, string | undefined>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value);
  return url.toString();
}

function required(context: ProviderContext | undefined): ProviderContext {
  if (!context) throw new Error('internal: Microsoft consent flows need the provider context');
  return context;
}

/**
 * Both endpoints may answer with `error` (and admin consent even with admin_consent=True next to it),
 * so `error` is read before anything else (provider-wire.md, "Admin consent v2").
 */
function throwIfDeclined(query: URLSearchParams): void {
  const error = query.get('error');
  if (!error) return;
  const description = (query.get('error_description') ?? '').split(/\r?\n/)[0].slice(0, 300);
  const declined = error === 'access_denied' || error === 'consent_required';
  throw new MailerError(
    'CONSENT_DECLINED',
    declined
      ? `Consent was declined in Microsoft Entra ID, so nothing was saved.${description ? ` (${description})` : ''}`
      : `Microsoft Entra ID did not complete the consent (${error})${description ? `: ${description}` : ''}. Nothing was saved.`,
    { providerCode: error },
  );
}

/** Admin consent (v2.0 `/adminconsent`): a Global Administrator grants the platform app Mail.Send in their tenant. */
export const adminConsentFlow: ConsentFlow = {
  provider: 'microsoft',
  mode: 'admin_consent',
  usesPkce: false,
  authorizationUrl(request, context) {
    const { config } = required(context);
    // https://learn.microsoft.com/entra/identity-platform/v2-admin-consent: `organizations` lets the
    // admin's own sign-in pick the tenant; the answer names it in `tenant`.
    return withQuery(`${config.microsoft.authorityHost}/organizations/v2.0/adminconsent`, {
      client_id: config.microsoft.clientId,
      scope: GRAPH_DEFAULT_SCOPE,
      redirect_uri: request.redirectUri,
      state: request.state,
    });
  },
  async complete(request: CallbackRequest, context): Promise<ConsentOutcome> {
    const ctx = required(context);
    throwIfDeclined(request.query);
    const tenant = request.query.get('tenant') ?? '';
    if (request.query.get('admin_consent')?.toLowerCase() !== 'true' || !GUID.test(tenant)) {
      throw new MailerError('BAD_REQUEST', 'The admin consent answer names no tenant; nothing was saved.');
    }
    // Never trust the returned tenant alone: a client-credentials token for it proves the platform
    // app now has a service principal there, i.e. the consent really happened (platform-notes.md).
    // The Mail.Send role may take a few minutes to appear in tokens; Test connection reports it.
    try {
      await platformAppCredential(ctx, tenant).getToken(GRAPH_DEFAULT_SCOPE);
    } catch (error) {
      throw classifyCredentialError(error, { clientId: ctx.config.microsoft.clientId });
    }
    return { fields: { tenantId: tenant.toLowerCase(), consentedAt: new Date().toISOString() }, secrets: {} };
  },
};

interface IdClaims {
  tid?: string;
  oid?: string;
  preferred_username?: string;
  upn?: string;
  email?: string;
  scp?: string;
}

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
    // The id_token comes straight from the token endpoint over TLS, so its signature need not be
    // checked (OpenID Connect Core 1.0, section 3.1.3.7); the access token is the fallback.
    let claims: IdClaims;
    try {
      claims = decodeJwt(tokens.id_token ?? tokens.access_token) as IdClaims;
    } catch (error) {
      throw new MailerError('PROVIDER_UNAVAILABLE', 'Entra ID answered with a token that cannot be read; nothing was saved.', { cause: error });
    }
    const account = (claims.preferred_username ?? claims.upn ?? claims.email ?? '').toLowerCase();
    if (!claims.tid || !account) throw new MailerError('PROVIDER_UNAVAILABLE', 'Entra ID did not say who signed in; nothing was saved.');
    const now = new Date().toISOString();
    return {
      fields: { tenantId: claims.tid, accountEmail: account, refreshTokenIssuedAt: now, consentedAt: now, senderEmail: account },
      secrets: { refreshToken: tokens.refresh_token },
    };
  },
};
