/**
 * Helpers for the Microsoft integration tests: tokens straight from the sandbox Entra (plain HTTP,
 * as a client would), scripted consent pages (`login_hint` + `sandbox_action`), and sandbox counters.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  CONTOSO_APP_ID,
  CONTOSO_APP_SECRET,
  CONTOSO_TENANT_ID,
  PLATFORM_APP_ID,
  PLATFORM_APP_SECRET,
  PLATFORM_REDIRECT_URI,
} from '../../dev/sandbox/world';
import type { AcceptedMessage, LoggedRequest } from '../../dev/sandbox/server';
import { defaultBrowser } from '../support/consentBrowser';
import { sandboxControl, sandboxUrls } from '../support/env';

/** A client-credentials token from the sandbox Entra. */
/** The alias the issue's acceptance list names for Contoso's test sends. */
export const CONTOSO_ALIAS = 'Compliance team - Contoso';

/** A PUT sender body for Contoso's own app registration (valid secret), with overrides. */
export const contosoAppRegistration = (overrides: Record<string, unknown> = {}) => ({
  provider: 'microsoft',
  mode: 'app_registration',
  senderEmail: 'notifications@contoso.example',
  senderName: CONTOSO_ALIAS,
  tenantId: CONTOSO_TENANT_ID,
  clientId: CONTOSO_APP_ID,
  clientSecret: CONTOSO_APP_SECRET,
  ...overrides,
});

export async function appToken(clientId = CONTOSO_APP_ID, secret = CONTOSO_APP_SECRET, tenantId = CONTOSO_TENANT_ID): Promise<string> {
  const response = await fetch(`${sandboxUrls.entra}/${tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: secret,
      scope: 'https://graph.microsoft.com/.default',
    }),
  });
  const body = (await response.json()) as any;
  if (!response.ok) throw new Error(`token: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** Follows a sandbox consent/sign-in page as `upn` without the form (a consent link is opened first, by the default browser); returns the redirect target. */
export async function followConsentPage(url: string, upn: string, action: 'approve' | 'deny' = 'approve'): Promise<URL> {
  const page = new URL(await defaultBrowser.open(url));
  page.searchParams.set('login_hint', upn);
  page.searchParams.set('sandbox_action', action);
  const response = await fetch(page, { redirect: 'manual' });
  const location = response.headers.get('location');
  if (response.status !== 302 || !location)
    throw new Error(`consent page answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
  return new URL(location);
}

const decodeHtml = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|#39);/g, (_, entity: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[entity]!);

/** What an Entra form_post page (response_mode=form_post) would make the browser POST, and where. */
export function formPostOf(html: string): { action: URL; fields: URLSearchParams } {
  const form = /<form method="POST" name="hiddenform" action="([^"]*)">/.exec(html);
  if (!form) throw new Error(`not a form_post page: ${html.slice(0, 300)}`);
  const fields = new URLSearchParams();
  for (const input of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)" \/>/g))
    fields.append(decodeHtml(input[1]), decodeHtml(input[2]));
  return { action: new URL(decodeHtml(form[1])), fields };
}

/** Like `followConsentPage`, for a sign-in with response_mode=form_post: returns the form the page auto-submits. */
export async function followFormPostPage(
  url: string,
  upn: string,
  action: 'approve' | 'deny' = 'approve',
): Promise<{ action: URL; fields: URLSearchParams }> {
  const page = new URL(await defaultBrowser.open(url));
  page.searchParams.set('login_hint', upn);
  page.searchParams.set('sandbox_action', action);
  const response = await fetch(page, { redirect: 'manual' });
  const html = await response.text();
  if (response.status !== 200) throw new Error(`sign-in page answered ${response.status}: ${html.slice(0, 500)}`);
  return formPostOf(html);
}

/** What the tests' `api` helpers answer with (enough to follow a redirect). */
interface CallbackAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * Admin consent as a browser goes through it: the OpenID Connect sign-in page as `upn` (form_post
 * to our callback, posted with `postCallback`), our 303 to the tenant's own adminconsent page, and
 * that page as `consentAs` (default: the same user). Returns where that page sends the browser back
 * (the final GET callback), and the tenant-specific consent URL it went through.
 */
export async function followAdminConsent(
  linkUrl: string,
  upn: string,
  postCallback: (action: URL, fields: URLSearchParams) => Promise<CallbackAnswer>,
  options: { consentAs?: string; action?: 'approve' | 'deny' } = {},
): Promise<{ callback: URL; consentUrl: URL }> {
  const signIn = await followFormPostPage(linkUrl, upn);
  const answer = await postCallback(signIn.action, signIn.fields);
  const location = answer.headers.get('location');
  if (answer.status !== 303 || !location || !/\/v2\.0\/adminconsent$/.test(new URL(location).pathname)) {
    throw new Error(`sign-in callback answered ${answer.status} ${location ?? ''}: ${answer.text.slice(0, 500)}`);
  }
  const consentUrl = new URL(location);
  return { callback: await followConsentPage(location, options.consentAs ?? upn, options.action), consentUrl };
}

/** A delegated token for `upn` through the platform app (authorize page + code redemption with PKCE). */
export async function delegatedToken(upn: string, scope?: string): Promise<string> {
  return (await delegatedTokens(upn, scope)).access_token;
}

export async function delegatedTokens(
  upn: string,
  scope = 'openid profile offline_access Mail.Send Mail.Send.Shared',
): Promise<{ access_token: string; refresh_token: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL(`${sandboxUrls.entra}/organizations/oauth2/v2.0/authorize`);
  for (const [k, v] of Object.entries({
    client_id: PLATFORM_APP_ID,
    response_type: 'code',
    redirect_uri: PLATFORM_REDIRECT_URI,
    scope,
    state: 's',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }))
    authorize.searchParams.set(k, v);
  const callback = await followConsentPage(authorize.toString(), upn);
  const response = await fetch(`${sandboxUrls.entra}/organizations/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: PLATFORM_APP_ID,
      client_secret: PLATFORM_APP_SECRET,
      code: callback.searchParams.get('code') ?? '',
      redirect_uri: PLATFORM_REDIRECT_URI,
      code_verifier: verifier,
      scope,
    }),
  });
  const body = (await response.json()) as any;
  if (!response.ok) throw new Error(`token: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

export const sandboxMessages = (mailbox?: string): Promise<AcceptedMessage[]> =>
  sandboxControl('GET', `messages?provider=microsoft${mailbox ? `&mailbox=${encodeURIComponent(mailbox)}` : ''}`);

export const tokenRequests = async (): Promise<LoggedRequest[]> =>
  (await sandboxControl<LoggedRequest[]>('GET', 'requests?service=entra')).filter(
    (r) => r.method === 'POST' && r.path.endsWith('/oauth2/v2.0/token'),
  );

export interface VaultRow {
  name: string;
  versions: string[];
  deleted: boolean;
}
export const vaultRows = (): Promise<VaultRow[]> => sandboxControl('GET', 'keyvault/secrets');
