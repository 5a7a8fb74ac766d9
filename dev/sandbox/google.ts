/**
 * Google accounts and OAuth in the sandbox (docs/providers.md "Google OAuth"):
 * - `googleAccounts` origin: `GET /o/oauth2/v2/auth`, the consent page (approve or deny as a chosen
 *   Fabrikam user; scripted tests pass `login_hint` + `sandbox_action=approve|deny` and get the 302 at once);
 * - `googleOAuth` origin: `POST /token` (authorization_code with PKCE, refresh_token, and the JWT bearer
 *   grant of service accounts with signature, `sub`, scope and delegation checks) and `POST /revoke`;
 * - control: `GET /_sandbox/google/service-accounts/{email}/key`, `POST /_sandbox/google/clients/{id}/publishing`,
 *   `POST /_sandbox/google/clients/{id}/redirect-uris`,
 *   `GET /_sandbox/google/users/{email}/grants`, `POST /_sandbox/google/users/{email}/revoke-grants`,
 *   `PUT /_sandbox/google/delegation/{clientId}`.
 * Expiry follows the sandbox clock, so `POST /_sandbox/clock` ages refresh tokens of Testing apps.
 */
import { createHash, generateKeyPairSync, timingSafeEqual } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import type { Sandbox, SandboxRequest, SandboxResponse } from './server';
import {
  ACCESS_TOKEN_LIFETIME_S,
  AccessGrant,
  FABRIKAM_DOMAIN,
  GoogleWorld,
  TESTING_REFRESH_TOKEN_LIFETIME_MS,
  findClient,
  findGoogleUser,
  findServiceAccount,
  newAccessToken,
  newAuthorizationCode,
  newRefreshToken,
  normalizeScope,
  seedGoogleWorld,
  serviceAccountKeyFile,
} from './google-world';

const worlds = new WeakMap<Sandbox, GoogleWorld>();

/** The Google model of a sandbox (registered by `registerGoogle`). */
export function googleWorld(sandbox: Sandbox): GoogleWorld {
  const world = worlds.get(sandbox);
  if (!world) throw new Error('internal: registerGoogle has not run for this sandbox');
  return world;
}

/** Google's JSON answers: pretty-printed, no-store, and dated by the sandbox clock (the clock that expires tokens). */
export function googleJson(sandbox: Sandbox, status: number, body: unknown, headers: Record<string, string> = {}): SandboxResponse {
  return {
    status,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-cache, no-store, max-age=0, must-revalidate',
      Pragma: 'no-cache',
      Date: new Date(sandbox.now()).toUTCString(),
      ...headers,
    },
    body: JSON.stringify(body, null, 2),
  };
}

/** The live grant behind a request's `ya29.` bearer token, if any (Gmail and the Admin SDK accept only these). */
export function bearerGrant(sandbox: Sandbox, req: SandboxRequest): AccessGrant | undefined {
  const match = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
  const grant = match ? googleWorld(sandbox).accessTokens.get(match[1]) : undefined;
  return grant && !grant.revoked && grant.expiresAt > sandbox.now() ? grant : undefined;
}

/** Google's 401 text for a missing, expired or revoked access token, and its challenge header. */
export const INVALID_CREDENTIALS =
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
export const INVALID_TOKEN_CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' };

const oauthError = (sandbox: Sandbox, status: number, error: string, description: string) =>
  googleJson(sandbox, status, { error, error_description: description });

const ID_TOKEN_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ID_TOKEN_KID = createHash('sha1')
  .update(ID_TOKEN_KEY.publicKey.export({ type: 'spki', format: 'der' }))
  .digest('hex');

export function registerGoogle(sandbox: Sandbox): void {
  sandbox.onReset(() => worlds.set(sandbox, seedGoogleWorld()));

  sandbox.route('googleAccounts', 'GET', '/o/oauth2/v2/auth', (req) => authorize(sandbox, req));
  sandbox.route('googleOAuth', 'POST', '/token', (req) => token(sandbox, req));
  sandbox.route('googleOAuth', 'POST', '/revoke', (req) => revoke(sandbox, req));

  sandbox.route('*', 'GET', '/_sandbox/google/service-accounts/:email/key', (req) => {
    const account = findServiceAccount(googleWorld(sandbox), req.params.email);
    return account ? { status: 200, body: serviceAccountKeyFile(account) } : { status: 404, body: { error: 'no such service account' } };
  });
  sandbox.route('*', 'POST', '/_sandbox/google/clients/:clientId/publishing', (req) => {
    const client = findClient(googleWorld(sandbox), req.params.clientId);
    const status = req.json()?.status;
    if (!client) return { status: 404, body: { error: 'no such OAuth client' } };
    if (status !== 'testing' && status !== 'production')
      return { status: 400, body: { error: 'status must be "testing" or "production"' } };
    client.publishingStatus = status;
    return { status: 200, body: { clientId: client.clientId, publishingStatus: status } };
  });
  // The operator adding an authorized redirect URI to the OAuth client (a host on another port, e.g. browser tests).
  sandbox.route('*', 'POST', '/_sandbox/google/clients/:clientId/redirect-uris', (req) => {
    const client = findClient(googleWorld(sandbox), req.params.clientId);
    const uri = req.json()?.uri;
    if (!client) return { status: 404, body: { error: 'no such OAuth client' } };
    if (typeof uri !== 'string' || !/^https?:\/\//.test(uri)) return { status: 400, body: { error: 'uri must be an http(s) URL' } };
    if (!client.redirectUris.includes(uri)) client.redirectUris.push(uri);
    return { status: 201, body: { redirectUris: client.redirectUris } };
  });
  // The user's refresh grants (client, scopes, revoked by POST /revoke or here), never a token value:
  // what myaccount.google.com > Security > Third-party connections shows.
  sandbox.route('*', 'GET', '/_sandbox/google/users/:email/grants', (req) => {
    const email = req.params.email.toLowerCase();
    const grants = [...googleWorld(sandbox).refreshTokens.values()].filter((grant) => grant.userEmail === email);
    return {
      status: 200,
      body: grants.map(({ clientId, scopes, issuedAt, revoked }) => ({
        clientId,
        scopes,
        issuedAt: new Date(issuedAt).toISOString(),
        revoked,
      })),
    };
  });
  // What a user does under myaccount.google.com > Security > Third-party connections > "Remove access".
  sandbox.route('*', 'POST', '/_sandbox/google/users/:email/revoke-grants', (req) => {
    const world = googleWorld(sandbox);
    const email = req.params.email.toLowerCase();
    let revoked = 0;
    for (const grant of [...world.refreshTokens.values(), ...world.accessTokens.values()]) {
      if (grant.userEmail === email && !grant.revoked) {
        grant.revoked = true;
        revoked += 1;
      }
    }
    for (const key of world.grantedScopes.keys()) if (key.startsWith(`${email}|`)) world.grantedScopes.delete(key);
    return { status: 200, body: { revoked } };
  });
  // The Workspace admin editing domain-wide delegation (Admin console > Security > API controls).
  sandbox.route('*', 'PUT', '/_sandbox/google/delegation/:clientId', (req) => {
    const scopes = req.json()?.scopes;
    if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string'))
      return { status: 400, body: { error: 'scopes must be a list of strings' } };
    googleWorld(sandbox).delegation[req.params.clientId] = scopes;
    return { status: 200, body: { clientId: req.params.clientId, scopes } };
  });
}

// ---------------------------------------------------------------------------------------------
// Authorization endpoint and consent page

function authorize(sandbox: Sandbox, req: SandboxRequest): SandboxResponse {
  const world = googleWorld(sandbox);
  const q = req.url.searchParams;
  const client = findClient(world, q.get('client_id') ?? '');
  // Google shows its own error page (no redirect) for a bad client or redirect URI: redirecting would be an open redirect.
  if (!client) return errorPage(401, 'invalid_client', 'The OAuth client was not found.');
  const redirectUri = q.get('redirect_uri') ?? '';
  if (!client.redirectUris.includes(redirectUri)) {
    return errorPage(
      400,
      'redirect_uri_mismatch',
      `You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. redirect_uri=${redirectUri}`,
    );
  }
  const back = (params: Record<string, string>) => {
    const target = new URL(redirectUri);
    for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
    return { status: 302, headers: { Location: target.toString() }, body: '' };
  };
  const state = q.get('state') ?? '';
  if (q.get('response_type') !== 'code') return back({ error: 'unsupported_response_type', state });
  const requested = (q.get('scope') ?? '').split(/\s+/).filter(Boolean).map(normalizeScope);
  if (requested.length === 0) return errorPage(400, 'invalid_request', 'Missing required parameter: scope');
  const challengeMethod = q.get('code_challenge_method') ?? undefined;
  if (q.get('code_challenge') && challengeMethod !== 'S256' && challengeMethod !== 'plain') {
    return errorPage(400, 'invalid_request', 'Invalid code_challenge_method value.');
  }

  const action = q.get('sandbox_action');
  const hint = q.get('login_hint') ?? '';
  if (action !== 'approve' && action !== 'deny')
    return consentPage(
      req.url,
      client.name,
      requested,
      hint,
      world.users.map((u) => u.email),
    );
  if (action === 'deny') return back({ error: 'access_denied', state });
  const user = findGoogleUser(world, hint);
  if (!user) return errorPage(400, 'invalid_request', `Couldn't find your Google Account (${hint}).`);

  // Granular consent: the user may untick scopes (`sandbox_deselect`); include_granted_scopes adds earlier grants.
  const deselected = new Set((q.get('sandbox_deselect') ?? '').split(/\s+/).filter(Boolean).map(normalizeScope));
  const key = `${user.email}|${client.clientId}`;
  const earlier = q.get('include_granted_scopes') === 'true' ? [...(world.grantedScopes.get(key) ?? [])] : [];
  const scopes = [...new Set([...requested.filter((s) => !deselected.has(s)), ...earlier])];
  world.grantedScopes.set(key, new Set([...(world.grantedScopes.get(key) ?? []), ...scopes]));

  const code = newAuthorizationCode();
  world.codes.set(code, {
    clientId: client.clientId,
    redirectUri,
    userEmail: user.email,
    scopes,
    codeChallenge: q.get('code_challenge') ?? undefined,
    codeChallengeMethod: challengeMethod,
    offline: q.get('access_type') === 'offline',
    expiresAt: sandbox.now() + 10 * 60 * 1000,
    used: false,
  });
  return back({ state, code, scope: scopes.join(' '), authuser: '0', hd: FABRIKAM_DOMAIN, prompt: q.get('prompt') ?? 'none' });
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function consentPage(url: URL, appName: string, scopes: string[], hint: string, users: string[]): SandboxResponse {
  const link = (user: string, action: string) => {
    const target = new URL(url);
    target.searchParams.set('login_hint', user);
    target.searchParams.set('sandbox_action', action);
    return escapeHtml(target.pathname + target.search);
  };
  const rows = users
    .filter((u) => !hint || u === hint.toLowerCase())
    .map((u) => `<li>${escapeHtml(u)}: <a href="${link(u, 'approve')}">Allow</a> · <a href="${link(u, 'deny')}">Cancel</a></li>`)
    .join('');
  return {
    status: 200,
    headers: { 'Content-Type': 'text/html; charset=utf-8' },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in - Google Accounts (sandbox)</title></head>
<body><h1>${escapeHtml(appName)} wants access to your Google Account</h1><ul>${scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>
<p>Choose an account:</p><ul>${rows}</ul></body></html>`,
  };
}

function errorPage(status: number, error: string, description: string): SandboxResponse {
  return {
    status,
    headers: { 'Content-Type': 'text/html; charset=utf-8' },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error</title></head><body><h1>Access blocked: Authorization Error</h1><p>${escapeHtml(description)}</p><p>Error ${status}: ${escapeHtml(error)}</p></body></html>`,
  };
}

// ---------------------------------------------------------------------------------------------
// Token endpoint

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

function token(sandbox: Sandbox, req: SandboxRequest): Promise<SandboxResponse> | SandboxResponse {
  const form = req.form();
  switch (form.get('grant_type')) {
    case 'authorization_code':
      return authorizationCodeGrant(sandbox, req, form);
    case 'refresh_token':
      return refreshTokenGrant(sandbox, req, form);
    case JWT_BEARER:
      return jwtBearerGrant(sandbox, req, form);
    default:
      return oauthError(sandbox, 400, 'unsupported_grant_type', `Invalid grant_type: ${form.get('grant_type') ?? ''}`);
  }
}

/** Client authentication: client_secret_post or client_secret_basic. Returns the client or an error answer. */
function authenticateClient(sandbox: Sandbox, req: SandboxRequest, form: URLSearchParams) {
  let clientId = form.get('client_id') ?? '';
  let secret = form.get('client_secret') ?? '';
  const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const [id, ...rest] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
    clientId = decodeURIComponent(id);
    secret = decodeURIComponent(rest.join(':'));
  }
  const client = findClient(googleWorld(sandbox), clientId);
  if (!client) return { error: oauthError(sandbox, 401, 'invalid_client', 'The OAuth client was not found.') };
  if (!safeEqual(secret, client.clientSecret)) return { error: oauthError(sandbox, 401, 'invalid_client', 'Unauthorized') };
  return { client };
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function issueAccessToken(
  sandbox: Sandbox,
  grant: { userEmail: string; clientId: string; scopes: string[]; refreshToken?: string },
): string {
  const accessToken = newAccessToken();
  googleWorld(sandbox).accessTokens.set(accessToken, {
    ...grant,
    expiresAt: sandbox.now() + ACCESS_TOKEN_LIFETIME_S * 1000,
    revoked: false,
  });
  return accessToken;
}

async function idToken(sandbox: Sandbox, clientId: string, userEmail: string): Promise<string> {
  const user = findGoogleUser(googleWorld(sandbox), userEmail)!;
  const now = Math.floor(sandbox.now() / 1000);
  return new SignJWT({ azp: clientId, email: user.email, email_verified: true, hd: FABRIKAM_DOMAIN })
    .setProtectedHeader({ alg: 'RS256', kid: ID_TOKEN_KID, typ: 'JWT' })
    .setIssuer('https://accounts.google.com')
    .setAudience(clientId)
    .setSubject(user.id)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(ID_TOKEN_KEY.privateKey);
}

async function authorizationCodeGrant(sandbox: Sandbox, req: SandboxRequest, form: URLSearchParams): Promise<SandboxResponse> {
  const auth = authenticateClient(sandbox, req, form);
  if (auth.error) return auth.error;
  const world = googleWorld(sandbox);
  const code = world.codes.get(form.get('code') ?? '');
  // Google answers a reused, expired, foreign or unknown code alike: 400 invalid_grant "Bad Request".
  if (!code || code.used || code.clientId !== auth.client.clientId || code.expiresAt < sandbox.now()) {
    if (code) code.used = true;
    return oauthError(sandbox, 400, 'invalid_grant', 'Bad Request');
  }
  code.used = true;
  if (form.get('redirect_uri') !== code.redirectUri) return oauthError(sandbox, 400, 'redirect_uri_mismatch', 'Bad Request');
  if (code.codeChallenge) {
    const verifier = form.get('code_verifier') ?? '';
    const computed = code.codeChallengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
    if (!verifier) return oauthError(sandbox, 400, 'invalid_request', 'Missing code verifier.');
    if (!safeEqual(computed, code.codeChallenge)) return oauthError(sandbox, 400, 'invalid_grant', 'Invalid code verifier.');
  }
  const client = auth.client;
  const body: Record<string, unknown> = {};
  let refreshToken: string | undefined;
  if (code.offline) {
    refreshToken = newRefreshToken();
    const testing = client.publishingStatus === 'testing';
    world.refreshTokens.set(refreshToken, {
      clientId: client.clientId,
      userEmail: code.userEmail,
      scopes: code.scopes,
      issuedAt: sandbox.now(),
      expiresAt: testing ? sandbox.now() + TESTING_REFRESH_TOKEN_LIFETIME_MS : undefined,
      revoked: false,
    });
    body.refresh_token = refreshToken;
    if (testing) body.refresh_token_expires_in = TESTING_REFRESH_TOKEN_LIFETIME_MS / 1000 - 1;
  }
  const accessToken = issueAccessToken(sandbox, {
    userEmail: code.userEmail,
    clientId: client.clientId,
    scopes: code.scopes,
    refreshToken,
  });
  return googleJson(sandbox, 200, {
    access_token: accessToken,
    expires_in: ACCESS_TOKEN_LIFETIME_S,
    ...body,
    scope: code.scopes.join(' '),
    token_type: 'Bearer',
    ...(code.scopes.includes('openid') ? { id_token: await idToken(sandbox, client.clientId, code.userEmail) } : {}),
  });
}

async function refreshTokenGrant(sandbox: Sandbox, req: SandboxRequest, form: URLSearchParams): Promise<SandboxResponse> {
  const auth = authenticateClient(sandbox, req, form);
  if (auth.error) return auth.error;
  const refreshToken = form.get('refresh_token') ?? '';
  const grant = googleWorld(sandbox).refreshTokens.get(refreshToken);
  const expired = grant?.expiresAt !== undefined && grant.expiresAt <= sandbox.now();
  if (!grant || grant.revoked || expired || grant.clientId !== auth.client.clientId) {
    return oauthError(sandbox, 400, 'invalid_grant', 'Token has been expired or revoked.');
  }
  const accessToken = issueAccessToken(sandbox, {
    userEmail: grant.userEmail,
    clientId: grant.clientId,
    scopes: grant.scopes,
    refreshToken,
  });
  return googleJson(sandbox, 200, {
    access_token: accessToken,
    expires_in: ACCESS_TOKEN_LIFETIME_S,
    scope: grant.scopes.join(' '),
    token_type: 'Bearer',
    ...(grant.scopes.includes('openid') ? { id_token: await idToken(sandbox, grant.clientId, grant.userEmail) } : {}),
  });
}

/** RFC 7523 JWT bearer grant as Google runs it for service accounts (developers.google.com/identity/protocols/oauth2/service-account#httprest). */
async function jwtBearerGrant(sandbox: Sandbox, req: SandboxRequest, form: URLSearchParams): Promise<SandboxResponse> {
  const assertion = form.get('assertion') ?? '';
  const world = googleWorld(sandbox);
  let claims: ReturnType<typeof decodeJwt>;
  try {
    decodeProtectedHeader(assertion);
    claims = decodeJwt(assertion);
  } catch {
    return oauthError(sandbox, 400, 'invalid_grant', 'Invalid JWT: Malformed.');
  }
  const account = findServiceAccount(world, String(claims.iss ?? ''));
  if (!account) return oauthError(sandbox, 400, 'invalid_grant', 'Invalid grant: account not found');
  try {
    await jwtVerify(assertion, account.publicKey, { algorithms: ['RS256'], currentDate: new Date(sandbox.now()), clockTolerance: 300 });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return oauthError(sandbox, 400, 'invalid_grant', 'Invalid JWT Signature.');
    return oauthError(
      sandbox,
      400,
      'invalid_grant',
      'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
    );
  }
  if (claims.aud !== `${sandbox.urls.googleOAuth}/token`)
    return oauthError(sandbox, 400, 'invalid_grant', 'Invalid JWT: Failed audience check.');
  const iat = Number(claims.iat);
  const exp = Number(claims.exp);
  if (!Number.isFinite(iat) || !Number.isFinite(exp) || exp - iat > 3600 || exp <= iat) {
    return oauthError(
      sandbox,
      400,
      'invalid_grant',
      'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
    );
  }
  const scopes = String(claims.scope ?? '')
    .split(/\s+/)
    .filter(Boolean);
  if (scopes.length === 0) return oauthError(sandbox, 400, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.');

  let userEmail = account.clientEmail;
  if (claims.sub !== undefined && claims.sub !== account.clientEmail) {
    const user = findGoogleUser(world, String(claims.sub));
    if (!user) return oauthError(sandbox, 400, 'invalid_grant', 'Invalid email or User ID');
    const delegated = world.delegation[account.clientId] ?? [];
    if (!scopes.every((s) => delegated.includes(s))) {
      return oauthError(
        sandbox,
        401,
        'unauthorized_client',
        'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
      );
    }
    userEmail = user.email;
  }
  const accessToken = issueAccessToken(sandbox, { userEmail, clientId: account.clientId, scopes });
  return googleJson(sandbox, 200, { access_token: accessToken, expires_in: ACCESS_TOKEN_LIFETIME_S, token_type: 'Bearer' });
}

// ---------------------------------------------------------------------------------------------
// Revocation (developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke)

function revoke(sandbox: Sandbox, req: SandboxRequest): SandboxResponse {
  const world = googleWorld(sandbox);
  const value = req.url.searchParams.get('token') ?? req.form().get('token') ?? '';
  const access = world.accessTokens.get(value);
  const refreshToken = world.refreshTokens.has(value) ? value : access?.refreshToken;
  const refresh = refreshToken ? world.refreshTokens.get(refreshToken) : undefined;
  if ((!access || access.revoked) && (!refresh || refresh.revoked)) {
    return oauthError(sandbox, 400, 'invalid_token', 'Token expired or revoked');
  }
  if (access) access.revoked = true;
  if (refresh) {
    // Revoking a refresh token (or an access token that has one) revokes the whole grant.
    refresh.revoked = true;
    for (const grant of world.accessTokens.values()) if (grant.refreshToken === refreshToken) grant.revoked = true;
  }
  return googleJson(sandbox, 200, {});
}
