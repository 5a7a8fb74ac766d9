/**
 * The sandbox's Entra ID on the `entra` origin: OpenID metadata, JWKS, and the v2.0 token endpoint
 * for client credentials (secret, or a federated client assertion), authorization code (+ PKCE) and
 * refresh token grants. Errors are the real AADSTS envelopes of docs/providers.md, because
 * @azure/identity surfaces only their text (docs/providers.md) and our classifier reads it.
 *
 * Request bodies carry secrets, codes and assertions: they are read here and never logged (the core
 * logs only method, path and masked query).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Sandbox, SandboxRequest, SandboxResponse } from './server';
import {
  AppRegistration,
  directoryRoles,
  findApp,
  findGrant,
  findUser,
  hasServicePrincipal,
  MicrosoftUser,
  primarySmtp,
  servicePrincipalId,
} from './world';
import {
  checkSandboxJwt,
  GRAPH_APP_ID,
  GRAPH_RESOURCE,
  issueAppToken,
  issueIdToken,
  issueUserToken,
  jwks,
  ACCESS_TOKEN_LIFETIME_SECONDS,
} from './tokens';
import {
  entraError,
  entraState,
  grantedScopeString,
  isAnswer,
  opaqueToken,
  parseScope,
  ParsedScope,
  RefreshTokenRecord,
  resolveTenantSegment,
  TEXT,
  tokenHeaders,
} from './entra-common';
import { registerEntraControl } from './entra-control';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Entra refresh tokens expire after 90 days without use (AADSTS700082). */
export const REFRESH_TOKEN_INACTIVITY_MS = 90 * 24 * 3600 * 1000;

export function registerEntra(sandbox: Sandbox): void {
  sandbox.route('entra', 'GET', '/:tenant/v2.0/.well-known/openid-configuration', (req) => openIdConfiguration(sandbox, req.params.tenant));
  sandbox.route('entra', 'GET', '/:tenant/discovery/v2.0/keys', (req) => {
    const segment = resolveTenantSegment(sandbox.microsoft, req.params.tenant);
    if (!segment) return entraError(sandbox, 400, 'invalid_tenant', 90002, TEXT.tenantNotFound(req.params.tenant));
    return { status: 200, body: jwks() };
  });
  sandbox.route('entra', 'POST', '/:tenant/oauth2/v2.0/token', (req) => tokenEndpoint(sandbox, req));
  registerEntraControl(sandbox);
}

function openIdConfiguration(sandbox: Sandbox, tenantParam: string): SandboxResponse {
  const segment = resolveTenantSegment(sandbox.microsoft, tenantParam);
  if (!segment) {
    // Real Entra answers 400 AADSTS90002 here. But production MSAL never fetches this document for
    // login.microsoftonline.com (its metadata is hard-coded), so there the first thing that fails is
    // the token request, and the SDK error carries AADSTS90002. MSAL reads a metadata answer's
    // fields whatever its status, so the 400 envelope also carries the endpoints: a raw GET still
    // sees the real error, and the SDK reaches the token endpoint as it does in production.
    const error = entraError(sandbox, 400, 'invalid_tenant', 90002, TEXT.tenantNotFound(tenantParam));
    return { ...error, body: { ...(error.body as object), ...metadata(sandbox.urls.entra, tenantParam, tenantParam) } };
  }
  // A domain resolves to its GUID; the aliases keep their name in endpoints and a placeholder issuer.
  const pathTenant = segment.kind === 'tenant' ? segment.tenant.id : segment.alias;
  const issuerTenant = segment.kind === 'tenant' ? segment.tenant.id : '{tenantid}';
  return {
    status: 200,
    headers: { 'Cache-Control': 'max-age=86400, private', 'Access-Control-Allow-Origin': '*' },
    body: metadata(sandbox.urls.entra, pathTenant, issuerTenant),
  };
}

/** The v2.0 OpenID configuration document (docs/providers.md). */
function metadata(base: string, pathTenant: string, issuerTenant: string) {
  return {
    token_endpoint: `${base}/${pathTenant}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/${pathTenant}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${base}/${issuerTenant}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
    authorization_endpoint: `${base}/${pathTenant}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/${pathTenant}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/${pathTenant}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub',
      'iss',
      'cloud_instance_name',
      'cloud_instance_host_name',
      'cloud_graph_host_name',
      'msgraph_host',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'nonce',
      'preferred_username',
      'name',
      'tid',
      'ver',
      'at_hash',
      'c_hash',
      'email',
    ],
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
}

interface ClientCredentials {
  clientId?: string;
  secret?: string;
  assertion?: string;
  assertionType?: string;
}

/** client_secret_post, client_secret_basic (RFC 6749 2.3.1: form-urlencoded inside Basic) or a client assertion. */
function clientCredentials(req: SandboxRequest, form: URLSearchParams): ClientCredentials {
  const basic = /^Basic\s+(\S+)$/i.exec(String(req.headers['authorization'] ?? ''));
  if (basic) {
    const [id, secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
    return { clientId: decodeURIComponent(id ?? ''), secret: decodeURIComponent(secret ?? '') };
  }
  return {
    clientId: form.get('client_id') ?? undefined,
    secret: form.get('client_secret') ?? undefined,
    assertion: form.get('client_assertion') ?? undefined,
    assertionType: form.get('client_assertion_type') ?? undefined,
  };
}

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Checks the client's secret or assertion. Returns the `appidacr` to stamp, or the error answer. */
async function authenticateClient(sandbox: Sandbox, app: AppRegistration, creds: ClientCredentials): Promise<'1' | '2' | SandboxResponse> {
  if (creds.assertion !== undefined) {
    if (creds.assertionType !== JWT_BEARER) {
      return entraError(sandbox, 400, 'invalid_request', 900144, TEXT.missingParameter('client_assertion_type'));
    }
    const check = await checkSandboxJwt(creds.assertion, { now: sandbox.now() });
    if (!check.ok && check.reason === 'expired') {
      return entraError(sandbox, 401, 'invalid_client', 700024, 'Client assertion is not within its valid time range.');
    }
    if (!check.ok) return entraError(sandbox, 401, 'invalid_client', 700027, 'Client assertion contains an invalid signature.');
    const { iss, sub } = check.claims;
    const audiences = [check.claims.aud].flat();
    const match = app.federatedCredentials.find((f) => f.issuer === iss && f.subject === sub && audiences.includes(f.audience));
    if (!match) {
      return entraError(
        sandbox,
        400,
        'invalid_request',
        70021,
        `No matching federated identity record found for presented assertion. Assertion Issuer: '${iss}'. Assertion Subject: '${sub}'. Assertion Audience: '${audiences.join(',')}'. https://docs.microsoft.com/en-us/azure/active-directory/develop/workload-identity-federation`,
      );
    }
    return '2';
  }
  if (creds.secret === undefined) {
    return entraError(
      sandbox,
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  }
  const secret = app.secrets.find((s) => sameText(s.value, creds.secret!));
  if (!secret) {
    // Also the answer when the secret's ID is pasted instead of its value.
    return entraError(
      sandbox,
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
    );
  }
  if (secret.expiresAt <= sandbox.now()) {
    return entraError(
      sandbox,
      401,
      'invalid_client',
      7000222,
      `The provided client secret keys for app '${app.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
    );
  }
  return '1';
}

async function tokenEndpoint(sandbox: Sandbox, req: SandboxRequest): Promise<SandboxResponse> {
  const world = sandbox.microsoft;
  const tenantParam = req.params.tenant;
  const segment = resolveTenantSegment(world, tenantParam);
  if (!segment) return entraError(sandbox, 400, 'invalid_tenant', 90002, TEXT.tenantNotFound(tenantParam));
  const form = req.form();
  const creds = clientCredentials(req, form);
  if (!creds.clientId) return entraError(sandbox, 400, 'invalid_request', 900144, TEXT.missingParameter('client_id'));
  const grantType = form.get('grant_type');
  if (!grantType) return entraError(sandbox, 400, 'invalid_request', 900144, TEXT.missingParameter('grant_type'));
  const app = findApp(world, creds.clientId);

  if (grantType === 'client_credentials') {
    if (segment.kind === 'alias') {
      return entraError(
        sandbox,
        400,
        'invalid_request',
        50059,
        'No tenant-identifying information found in either the request or implied by any provided credentials.',
      );
    }
    const tenant = segment.tenant;
    if (!app || !hasServicePrincipal(world, tenant.id, app, sandbox.now())) {
      return entraError(sandbox, 400, 'unauthorized_client', 700016, TEXT.appNotFound(creds.clientId, tenant.id));
    }
    const acr = await authenticateClient(sandbox, app, creds);
    if (isAnswer(acr)) return acr;
    const scope = form.get('scope');
    if (!scope) return entraError(sandbox, 400, 'invalid_request', 900144, TEXT.missingParameter('scope'));
    const parsed = parseScope(scope);
    if ('error' in parsed) {
      const resource = 'resource' in parsed ? parsed.resource : scope;
      return entraError(
        sandbox,
        400,
        'invalid_resource',
        500011,
        `The resource principal named ${resource} was not found in the tenant named ${tenant.name}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
      );
    }
    if (parsed.permissions.length !== 1 || parsed.permissions[0] !== '.default' || parsed.oidc.length) {
      return entraError(
        sandbox,
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    // Key Vault authorizes by RBAC on the object id, so its tokens carry no roles.
    const roles = parsed.resource === GRAPH_RESOURCE ? [...(findGrant(world, tenant.id, app.clientId)?.appRoles ?? [])] : [];
    const accessToken = await issueAppToken({
      tenantId: tenant.id,
      clientId: app.clientId,
      appDisplayName: app.displayName,
      servicePrincipalId: servicePrincipalId(tenant.id, app.clientId),
      audience: parsed.resource,
      roles,
      appidacr: acr,
      now: sandbox.now(),
    });
    record(sandbox, grantType, app.clientId, tenant.id, parsed.resource);
    return {
      status: 200,
      headers: tokenHeaders(),
      body: {
        token_type: 'Bearer',
        expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
        ext_expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
        access_token: accessToken,
      },
    };
  }

  if (grantType === 'authorization_code' || grantType === 'refresh_token') {
    if (!app) return entraError(sandbox, 400, 'unauthorized_client', 700016, TEXT.appNotFound(creds.clientId, tenantParam));
    const acr = await authenticateClient(sandbox, app, creds);
    if (isAnswer(acr)) return acr;
    return grantType === 'authorization_code' ? redeemCode(sandbox, app, form, segment) : redeemRefreshToken(sandbox, app, form, segment);
  }

  return entraError(sandbox, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`);
}

type Segment = NonNullable<ReturnType<typeof resolveTenantSegment>>;

const tenantMatches = (segment: Segment, tenantId: string) => segment.kind === 'alias' || segment.tenant.id === tenantId;

async function redeemCode(sandbox: Sandbox, app: AppRegistration, form: URLSearchParams, segment: Segment): Promise<SandboxResponse> {
  const state = entraState(sandbox);
  const value = form.get('code');
  if (!value) return entraError(sandbox, 400, 'invalid_request', 900144, TEXT.missingParameter('code'));
  const code = state.codes.get(value);
  if (!code || code.clientId !== app.clientId) {
    return entraError(sandbox, 400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
  }
  if (!tenantMatches(segment, code.tenantId)) {
    return entraError(
      sandbox,
      400,
      'invalid_grant',
      700005,
      'Provided Authorization Code is intended to use against other tenant, thus rejected.',
    );
  }
  if (code.redeemed) {
    return entraError(
      sandbox,
      400,
      'invalid_grant',
      54005,
      'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
    );
  }
  if (code.expiresAt <= sandbox.now()) {
    return entraError(
      sandbox,
      400,
      'invalid_grant',
      70008,
      'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
    );
  }
  if (form.get('redirect_uri') !== code.redirectUri) {
    return entraError(
      sandbox,
      400,
      'invalid_grant',
      70000,
      "The provided value for 'redirect_uri' is not valid. The value must exactly match the redirect URI used to obtain the authorization code.",
    );
  }
  if (code.codeChallenge !== undefined) {
    const verifier = form.get('code_verifier') ?? '';
    const derived = code.codeChallengeMethod === 'plain' ? verifier : createHash('sha256').update(verifier).digest('base64url');
    if (!verifier || derived !== code.codeChallenge) {
      // Entra answers S256 mismatches with AADSTS501481 (older captures show AADSTS50148 with the same meaning):
      // https://github.com/AzureAD/microsoft-authentication-library-for-js/issues/7425,
      // https://github.com/MicrosoftDocs/entra-docs/pull/1538 (reference-error-codes lists both).
      return entraError(
        sandbox,
        400,
        'invalid_grant',
        501481,
        'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
      );
    }
  }
  code.redeemed = true;
  const user = findUser(sandbox.microsoft, code.tenantId, code.userId);
  if (!user) return entraError(sandbox, 400, 'invalid_grant', 50034, 'The user account does not exist in the directory.');
  return delegatedTokens(sandbox, app, user, code.scope, 'authorization_code', code.nonce);
}

async function redeemRefreshToken(
  sandbox: Sandbox,
  app: AppRegistration,
  form: URLSearchParams,
  segment: Segment,
): Promise<SandboxResponse> {
  const state = entraState(sandbox);
  const value = form.get('refresh_token');
  if (!value) return entraError(sandbox, 400, 'invalid_request', 900144, TEXT.missingParameter('refresh_token'));
  const record: RefreshTokenRecord | undefined = state.refreshTokens.get(value);
  if (!record || record.clientId !== app.clientId || !tenantMatches(segment, record.tenantId)) {
    return entraError(sandbox, 400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
  }
  const validFrom = state.tokensValidFrom.get(record.userId);
  if (validFrom !== undefined && record.issuedAt < validFrom) {
    return entraError(
      sandbox,
      400,
      'invalid_grant',
      50173,
      `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${new Date(record.issuedAt).toISOString()}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${new Date(validFrom).toISOString()}'.`,
      'bad_token',
    );
  }
  if (sandbox.now() - record.issuedAt > REFRESH_TOKEN_INACTIVITY_MS) {
    return entraError(
      sandbox,
      400,
      'invalid_grant',
      700082,
      `The refresh token has expired due to inactivity. The token was issued on ${new Date(record.issuedAt).toISOString()} and was inactive for 90.00:00:00.`,
    );
  }
  // A narrower scope may be asked for; a wider one needs consent first.
  let scope = record.scope;
  const asked = form.get('scope');
  if (asked) {
    const parsed = parseScope(asked);
    if (
      'error' in parsed ||
      parsed.resource !== record.scope.resource ||
      parsed.permissions.some((p) => !record.scope.permissions.includes(p))
    ) {
      return entraError(
        sandbox,
        400,
        'invalid_grant',
        65001,
        `The user or administrator has not consented to use the application with ID '${app.clientId}' named '${app.displayName}'. Send an interactive authorization request for this user and resource.`,
        'consent_required',
      );
    }
    scope = { ...parsed, oidc: Array.from(new Set([...parsed.oidc, 'offline_access'])) };
  }
  const user = findUser(sandbox.microsoft, record.tenantId, record.userId);
  if (!user) return entraError(sandbox, 400, 'invalid_grant', 50034, 'The user account does not exist in the directory.');
  return delegatedTokens(sandbox, app, user, scope, 'refresh_token');
}

/** The auth-code / refresh answer of docs/providers.md; the refresh token rotates on every call. */
async function delegatedTokens(
  sandbox: Sandbox,
  app: AppRegistration,
  user: MicrosoftUser,
  scope: ParsedScope,
  grantType: string,
  nonce?: string,
): Promise<SandboxResponse> {
  const now = sandbox.now();
  const granted = grantedScopeString(scope);
  const audience = scope.resource === GRAPH_RESOURCE ? GRAPH_APP_ID : scope.resource;
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    scope: granted,
    expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
    ext_expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
    access_token: await issueUserToken({
      user,
      clientId: app.clientId,
      appDisplayName: app.displayName,
      audience,
      scopes: granted.split(' ').filter(Boolean),
      now,
    }),
  };
  if (scope.oidc.includes('offline_access')) {
    const refreshToken = opaqueToken('1.AQ');
    entraState(sandbox).refreshTokens.set(refreshToken, {
      clientId: app.clientId,
      tenantId: user.tenantId,
      userId: user.id,
      scope,
      issuedAt: now,
    });
    body.refresh_token = refreshToken;
  }
  if (scope.oidc.includes('openid')) {
    const claims = app.groupMembershipClaims;
    const wids = claims === 'DirectoryRole' || claims === 'All' ? directoryRoles(user) : undefined;
    // The `mail` attribute: set for every mailbox (its primary SMTP address), absent for a user without one.
    const email = scope.oidc.includes('email') && (user.mail || user.mailboxEnabled) ? primarySmtp(user) : undefined;
    body.id_token = await issueIdToken({ issuerBase: sandbox.urls.entra, user, clientId: app.clientId, nonce, wids, email, now });
  }
  body.client_info = Buffer.from(JSON.stringify({ uid: user.id, utid: user.tenantId })).toString('base64url');
  record(sandbox, grantType, app.clientId, user.tenantId, audience, user.id);
  return { status: 200, headers: tokenHeaders(), body };
}

function record(sandbox: Sandbox, grantType: string, clientId: string, tenantId: string, audience: string, userId?: string): void {
  entraState(sandbox).issued.push({
    at: new Date(sandbox.now()).toISOString(),
    grantType,
    clientId,
    tenantId,
    audience,
    ...(userId ? { userId } : {}),
  });
}
