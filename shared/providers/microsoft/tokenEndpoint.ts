/**
 * Our own calls to the Entra ID v2.0 token endpoint for delegated sign-in: the authorization code
 * grant (with PKCE) and the refresh token grant.
 *
 * Why not MSAL here: MSAL keeps refresh tokens inside its own cache and has no hook that shows a
 * rotated refresh token, but we must write every rotated refresh token to Key Vault (docs/providers.md "Azure Key Vault").
 * The grants are two small form POSTs (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow).
 */
import { isMailerError, MailerError } from '../../errors';
import type { ProviderContext } from '../module';
import { platformClientAuthentication } from './credentials';
import { classifyCodeRedemptionError, classifyTokenEndpointError, EntraErrorBody } from './errors';
import { timedOut, withDeadline } from '../deadline';

/** What delegated sending needs; offline_access yields the refresh token (docs/senders.md). */
export const DELEGATED_SCOPES = ['Mail.Send', 'Mail.Send.Shared', 'offline_access'];
/**
 * Sign-in adds OpenID Connect scopes to learn who signed in (the id_token). `email` puts the user's
 * primary email address in the ID token's `email` claim (absent when the account has none), the
 * least added permission that yields the mailbox's own address: an OIDC scope, where Graph's
 * `/me?$select=mail` would need the User.Read permission and one more call
 * (https://learn.microsoft.com/entra/identity-platform/scopes-oidc#the-email-scope).
 */
export const SIGN_IN_SCOPES = ['openid', 'profile', 'email', ...DELEGATED_SCOPES];
/** Admin consent's first step only proves who the admin is: an ID token, no mail permission. */
export const ADMIN_SIGN_IN_SCOPES = ['openid', 'profile'];
/**
 * Delegated directory reads: Graph's User.Read.All and Group.Read.All (both need admin consent,
 * docs/providers.md "Directory connections") and offline_access for the refresh token.
 */
export const DIRECTORY_DELEGATED_SCOPES = [
  'offline_access',
  'https://graph.microsoft.com/User.Read.All',
  'https://graph.microsoft.com/Group.Read.All',
];
export const DIRECTORY_SIGN_IN_SCOPES = ['openid', 'profile', ...DIRECTORY_DELEGATED_SCOPES];

export interface EntraTokenResponse {
  token_type: string;
  scope?: string;
  expires_in: number;
  access_token: string;
  refresh_token?: string;
  id_token?: string;
}

/** One token-endpoint request, built but not sent (so it can be checked without a network). */
export interface TokenRequest {
  url: string;
  body: URLSearchParams;
}

/** Request builder: the form of one grant plus the platform app's client authentication. */
export async function buildTokenRequest(context: ProviderContext, tenant: string, form: Record<string, string>): Promise<TokenRequest> {
  const url = `${context.config.microsoft.authorityHost}/${encodeURIComponent(tenant)}/oauth2/v2.0/token`;
  return {
    url,
    body: new URLSearchParams({ client_id: context.config.microsoft.clientId, ...form, ...(await platformClientAuthentication(context)) }),
  };
}

/** Sender: one POST, cut by `signal`. Network failures are classified here; answers are not. */
export async function sendTokenRequest(request: TokenRequest, signal: AbortSignal): Promise<Response> {
  try {
    return await fetch(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: request.body,
      signal,
    });
  } catch (error) {
    if (timedOut(signal)) throw error; // withDeadline names it PROVIDER_TIMEOUT
    throw new MailerError('PROVIDER_UNAVAILABLE', 'Could not reach the Entra ID token endpoint.', { cause: error });
  }
}

/** Response processor: the token, or the one classified MailerError for Entra's answer. */
export async function processTokenResponse(response: Response, options: { federated: boolean }): Promise<EntraTokenResponse> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    throw classifyTokenEndpointError(response.status, json as EntraErrorBody | undefined, options, response.headers.get('retry-after'));
  }
  const token = json as EntraTokenResponse | undefined;
  if (!token?.access_token || typeof token.expires_in !== 'number') {
    throw new MailerError('PROVIDER_UNAVAILABLE', 'The Entra ID token endpoint answered without an access token.');
  }
  return token;
}

async function post(context: ProviderContext, tenant: string, form: Record<string, string>): Promise<EntraTokenResponse> {
  const request = await buildTokenRequest(context, tenant, form);
  const federated = context.config.microsoft.credential === 'managed-identity';
  // The body is read under the same deadline: a server that sends headers and then stalls is cut too.
  return withDeadline(context.config.providerCallTimeoutMs, 'The Entra ID token endpoint', async (signal) =>
    processTokenResponse(await sendTokenRequest(request, signal), { federated }),
  );
}

/** Redeems the authorization code of a delegated sign-in (PKCE S256 verifier included); a refused code is STATE_INVALID. */
export async function redeemAuthorizationCode(
  context: ProviderContext,
  request: { code: string; codeVerifier: string; redirectUri: string; scopes?: readonly string[] },
): Promise<EntraTokenResponse> {
  try {
    return await post(context, 'organizations', {
      grant_type: 'authorization_code',
      code: request.code,
      redirect_uri: request.redirectUri,
      code_verifier: request.codeVerifier,
      scope: (request.scopes ?? SIGN_IN_SCOPES).join(' '),
    });
  } catch (error) {
    throw isMailerError(error) ? classifyCodeRedemptionError(error) : error;
  }
}

/** Exchanges a refresh token; Entra usually returns a NEW refresh token (rotation) that replaces it. */
export function redeemRefreshToken(
  context: ProviderContext,
  tenantId: string,
  refreshToken: string,
  scopes: readonly string[] = DELEGATED_SCOPES,
): Promise<EntraTokenResponse> {
  return post(context, tenantId, { grant_type: 'refresh_token', refresh_token: refreshToken, scope: scopes.join(' ') });
}
