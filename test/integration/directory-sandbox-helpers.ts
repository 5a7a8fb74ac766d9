/**
 * Tokens for the sandbox's directory APIs, obtained from the sandbox's own token endpoints over
 * plain fetch: Entra (delegated sign-in + code redemption, admin consent + client credentials of the
 * directory app) and Google (OAuth consent + code, service-account JWT bearer). Used by the
 * directory sandbox tests; the other directory helpers may reuse them.
 */
import { SignJWT, importPKCS8 } from 'jose';
import {
  CONTOSO_TENANT_ID,
  DIRECTORY_APP_ID,
  DIRECTORY_APP_SECRET,
  PLATFORM_APP_ID,
  PLATFORM_APP_SECRET,
  PLATFORM_REDIRECT_URI,
} from '../../dev/sandbox/world';
import {
  GOOGLE_PLATFORM_CLIENT_ID,
  GOOGLE_PLATFORM_CLIENT_SECRET,
  GOOGLE_PLATFORM_REDIRECT_URI,
  SERVICE_ACCOUNT_EMAILS,
} from '../../dev/sandbox/google-world';
import { sandboxControl, sandboxUrls } from '../support/env';

export const DIRECTORY_SCOPE =
  'openid profile offline_access https://graph.microsoft.com/User.Read.All https://graph.microsoft.com/Group.Read.All';
export const GOOGLE_DIRECTORY_SCOPES = [
  'https://www.googleapis.com/auth/admin.directory.user.readonly',
  'https://www.googleapis.com/auth/admin.directory.group.readonly',
  'https://www.googleapis.com/auth/admin.directory.group.member.readonly',
];

type Json = Record<string, any>;

async function postForm(url: string, form: Record<string, string>): Promise<{ status: number; body: Json }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

/** The delegated sign-in's redirect back (query parameters of the 302's Location). */
export async function microsoftSignIn(user: string, scope = DIRECTORY_SCOPE): Promise<URLSearchParams> {
  const params = {
    client_id: PLATFORM_APP_ID,
    response_type: 'code',
    redirect_uri: PLATFORM_REDIRECT_URI,
    scope,
    state: 's1',
    login_hint: user,
    sandbox_action: 'approve',
  };
  const response = await fetch(`${sandboxUrls.entra}/organizations/oauth2/v2.0/authorize?${new URLSearchParams(params)}`, {
    redirect: 'manual',
  });
  if (response.status !== 302) throw new Error(`authorize answered ${response.status}`);
  return new URL(response.headers.get('location')!).searchParams;
}

/** A delegated Graph access token of `user` for `scope` (the admin-only scopes need an admin). */
export async function delegatedGraphToken(user: string, scope = DIRECTORY_SCOPE): Promise<Json> {
  const back = await microsoftSignIn(user, scope);
  const code = back.get('code');
  if (!code) throw new Error(`sign-in refused: ${back.get('error')}`);
  const answer = await postForm(`${sandboxUrls.entra}/organizations/oauth2/v2.0/token`, {
    client_id: PLATFORM_APP_ID,
    client_secret: PLATFORM_APP_SECRET,
    grant_type: 'authorization_code',
    code,
    redirect_uri: PLATFORM_REDIRECT_URI,
    scope,
  });
  if (answer.status !== 200) throw new Error(`code redemption answered ${answer.status}`);
  return answer.body;
}

/** The directory app's admin consent in `tenant` by `admin` (the redirect's parameters). */
export async function directoryAdminConsent(admin = 'admin@contoso.example', tenant = CONTOSO_TENANT_ID): Promise<URLSearchParams> {
  const params = {
    client_id: DIRECTORY_APP_ID,
    scope: 'https://graph.microsoft.com/.default',
    redirect_uri: PLATFORM_REDIRECT_URI,
    state: 's2',
    login_hint: admin,
    sandbox_action: 'approve',
  };
  const response = await fetch(`${sandboxUrls.entra}/${tenant}/v2.0/adminconsent?${new URLSearchParams(params)}`, { redirect: 'manual' });
  if (response.status !== 302) throw new Error(`adminconsent answered ${response.status}`);
  return new URL(response.headers.get('location')!).searchParams;
}

/** Client credentials of the directory app in `tenant` (the token answer, or Entra's error). */
export async function directoryAppToken(tenant = CONTOSO_TENANT_ID): Promise<{ status: number; body: Json }> {
  return postForm(`${sandboxUrls.entra}/${tenant}/oauth2/v2.0/token`, {
    client_id: DIRECTORY_APP_ID,
    client_secret: DIRECTORY_APP_SECRET,
    grant_type: 'client_credentials',
    scope: 'https://graph.microsoft.com/.default',
  });
}

/** Admin consent, then an app-only Graph token carrying User.Read.All and Group.Read.All. */
export async function consentedDirectoryAppToken(): Promise<string> {
  await directoryAdminConsent();
  const answer = await directoryAppToken();
  if (answer.status !== 200) throw new Error(`client credentials answered ${answer.status}`);
  return answer.body.access_token;
}

/** A Graph GET (path or absolute link) with a bearer token. */
export async function graphGet(
  pathOrUrl: string,
  token: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Json }> {
  const url = pathOrUrl.startsWith('https://') ? pathOrUrl : `${sandboxUrls.graph}${pathOrUrl}`;
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, ...headers } });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Json) : {} };
}

/** Follows `@odata.nextLink` to the end; returns every item, the pages, and the final deltaLink. */
export async function graphWalk(
  path: string,
  token: string,
  headers: Record<string, string> = {},
): Promise<{ items: Json[]; pages: number; deltaLink?: string }> {
  const items: Json[] = [];
  let pages = 0;
  let link: string | undefined = path;
  let deltaLink: string | undefined;
  while (link) {
    const page = await graphGet(link, token, headers);
    if (page.status !== 200) throw new Error(`${link} answered ${page.status}: ${JSON.stringify(page.body)}`);
    pages += 1;
    items.push(...page.body.value);
    link = page.body['@odata.nextLink'];
    deltaLink = page.body['@odata.deltaLink'];
  }
  return { items, pages, deltaLink };
}

/** Google OAuth consent by `user` for the directory scopes, then the code redeemed: the token answer. */
export async function googleOAuthToken(user: string, scopes = GOOGLE_DIRECTORY_SCOPES): Promise<Json> {
  const params = {
    client_id: GOOGLE_PLATFORM_CLIENT_ID,
    redirect_uri: GOOGLE_PLATFORM_REDIRECT_URI,
    response_type: 'code',
    scope: ['openid', 'email', ...scopes].join(' '),
    access_type: 'offline',
    prompt: 'consent',
    state: 'g1',
    login_hint: user,
    sandbox_action: 'approve',
  };
  const response = await fetch(`${sandboxUrls.googleAccounts}/o/oauth2/v2/auth?${new URLSearchParams(params)}`, { redirect: 'manual' });
  const code = new URL(response.headers.get('location')!).searchParams.get('code');
  if (!code) throw new Error(`Google consent answered ${response.status}`);
  const answer = await postForm(`${sandboxUrls.googleOAuth}/token`, {
    client_id: GOOGLE_PLATFORM_CLIENT_ID,
    client_secret: GOOGLE_PLATFORM_CLIENT_SECRET,
    grant_type: 'authorization_code',
    code,
    redirect_uri: GOOGLE_PLATFORM_REDIRECT_URI,
  });
  if (answer.status !== 200) throw new Error(`Google code redemption answered ${answer.status}`);
  return answer.body;
}

/** A service-account (mailer@, domain-wide delegation) token impersonating `subject`. */
export async function serviceAccountToken(
  subject = 'admin@fabrikam.example',
  scopes = GOOGLE_DIRECTORY_SCOPES,
): Promise<{ status: number; body: Json }> {
  const key = await sandboxControl<{ private_key: string; private_key_id: string; client_email: string }>(
    'GET',
    `google/service-accounts/${SERVICE_ACCOUNT_EMAILS.mailer}/key`,
  );
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({
    iss: key.client_email,
    sub: subject,
    aud: `${sandboxUrls.googleOAuth}/token`,
    scope: scopes.join(' '),
    iat: now,
    exp: now + 3600,
  })
    .setProtectedHeader({ alg: 'RS256', kid: key.private_key_id })
    .sign(await importPKCS8(key.private_key, 'RS256'));
  return postForm(`${sandboxUrls.googleOAuth}/token`, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion });
}
