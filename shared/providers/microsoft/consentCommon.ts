/**
 * What Microsoft's consent flows (delegated sign-in in `consentFlows.ts`, admin consent in
 * `adminConsent.ts`, their directory twins in `directoryConsent.ts`) share: the one authorize URL,
 * the provider context, and reading a declined answer.
 */
import type { AuthorizationRequest } from '../../consent/types';
import { ErrorCode, MailerError } from '../../errors';
import type { ProviderContext } from '../module';

export function withQuery(base: string, params: Record<string, string | undefined>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value);
  return url.toString();
}

export function required(context: ProviderContext | undefined): ProviderContext {
  if (!context) throw new Error('internal: Microsoft consent flows need the provider context');
  return context;
}

/**
 * The Entra sign-in every Microsoft flow starts with (authorization code + PKCE S256, OpenID
 * Connect nonce), for `scopes`, by the platform app unless `clientId` names another
 * (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#request-an-authorization-code).
 */
export function authorizeUrl(
  context: ProviderContext,
  request: AuthorizationRequest,
  scopes: readonly string[],
  clientId?: string,
): string {
  return withQuery(`${context.config.microsoft.authorityHost}/organizations/oauth2/v2.0/authorize`, {
    client_id: clientId ?? context.config.microsoft.clientId,
    response_type: 'code',
    redirect_uri: request.redirectUri,
    // form_post: Entra POSTs code and state to the callback in a form body instead of the query
    // string (same page, "response_mode": query, fragment or form_post), so the one-time code never
    // sits in a URL that request logs (App Insights), proxies or browser history may keep.
    response_mode: 'form_post',
    scope: scopes.join(' '),
    state: request.state,
    // OpenID Connect: echoed inside the ID token, which must carry this consent link's nonce.
    nonce: request.nonce,
    code_challenge: request.codeChallenge,
    code_challenge_method: request.codeChallenge ? 'S256' : undefined,
    login_hint: request.loginHint,
    prompt: 'select_account',
  });
}

/**
 * Both endpoints may answer with `error` (and admin consent even with admin_consent=True next to it),
 * so `error` is read before anything else
 * (https://learn.microsoft.com/entra/identity-platform/v2-admin-consent#unsuccessful-response).
 * `refusals` turns specific answers into a flow's own code (a directory consent that needs an
 * administrator: consent_required / AADSTS65001); everything else declined is CONSENT_DECLINED.
 */
export function throwIfDeclined(query: URLSearchParams, refusals?: (error: string, description: string) => ErrorCode | undefined): void {
  const error = query.get('error');
  if (!error) return;
  const description = (query.get('error_description') ?? '').split(/\r?\n/)[0].slice(0, 300);
  const own = refusals?.(error, description);
  if (own)
    throw new MailerError(
      own,
      `Microsoft Entra ID refused the consent (${error})${description ? `: ${description}` : ''}. Nothing was saved.`,
      { providerCode: error },
    );
  const declined = error === 'access_denied' || error === 'consent_required';
  throw new MailerError(
    'CONSENT_DECLINED',
    declined
      ? `Consent was declined in Microsoft Entra ID, so nothing was saved.${description ? ` (${description})` : ''}`
      : `Microsoft Entra ID did not complete the consent (${error})${description ? `: ${description}` : ''}. Nothing was saved.`,
    { providerCode: error },
  );
}
