/**
 * The sandbox's Entra ID through the real @azure/identity credentials and plain fetch: metadata and
 * JWKS, client-credential errors with their AADSTS codes, app-only roles, admin consent, federated
 * client assertions (managed identity), and the delegated authorization code + PKCE / refresh flow.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ClientAssertionCredential, ClientSecretCredential } from '@azure/identity';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import {
  CONTOSO_APP_ID,
  CONTOSO_APP_SECRET,
  CONTOSO_EXPIRED_SECRET,
  CONTOSO_TENANT_ID,
  PLATFORM_APP_ID,
  PLATFORM_APP_SECRET,
  PLATFORM_REDIRECT_URI,
  PLATFORM_TENANT_ID,
  NORTHWIND_TENANT_ID,
  NORTHWIND_USER_IDS,
  ROLE_IDS,
} from '../../dev/sandbox/world';
import { sandboxControl, sandboxUrls } from '../support/env';
import { formPostOf } from './microsoft-helpers';

const entra = sandboxUrls.entra;
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
const DELEGATED_SCOPE = 'Mail.Send Mail.Send.Shared offline_access openid profile';

const secretCredential = (tenantId: string, clientId: string, secret: string) =>
  new ClientSecretCredential(tenantId, clientId, secret, { authorityHost: entra, disableInstanceDiscovery: true });

/** The message of the error a credential throws (the SDK gives no structured body: docs/providers.md). */
async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the call to fail');
}

async function grantedRoles(tenantId: string, clientId: string, secret: string): Promise<unknown> {
  const token = await secretCredential(tenantId, clientId, secret).getToken(GRAPH_SCOPE);
  return decodeJwt(token!.token).roles;
}

/** Follows nothing: the pages answer with the 302 (or an error page) directly. */
const page = (path: string, params: Record<string, string>) =>
  fetch(`${entra}${path}?${new URLSearchParams(params)}`, { redirect: 'manual' });

type Json = Record<string, any>;
const json = async (response: Response) => (await response.json()) as Json;
const metadataOf = async (tenant: string) => json(await fetch(`${entra}/${tenant}/v2.0/.well-known/openid-configuration`));

const redirectParams = (response: Response) => new URL(response.headers.get('location')!).searchParams;

async function postToken(params: Record<string, string>, tenant = 'organizations') {
  const response = await fetch(`${entra}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  return { status: response.status, body: await json(response) };
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Signs in through the authorize page as `user` and returns the code. */
async function signIn(user: string, options: { scope?: string; challenge?: string; nonce?: string } = {}) {
  const response = await page('/organizations/oauth2/v2.0/authorize', {
    client_id: PLATFORM_APP_ID,
    response_type: 'code',
    redirect_uri: PLATFORM_REDIRECT_URI,
    scope: options.scope ?? DELEGATED_SCOPE,
    state: 'state-123',
    ...(options.challenge ? { code_challenge: options.challenge, code_challenge_method: 'S256' } : {}),
    ...(options.nonce ? { nonce: options.nonce } : {}),
    login_hint: user,
    sandbox_action: 'approve',
  });
  expect(response.status).toBe(302);
  const params = redirectParams(response);
  expect(params.get('state')).toBe('state-123');
  return params.get('code')!;
}

const redeem = (code: string, verifier?: string, redirectUri = PLATFORM_REDIRECT_URI) =>
  postToken({
    grant_type: 'authorization_code',
    client_id: PLATFORM_APP_ID,
    client_secret: PLATFORM_APP_SECRET,
    code,
    redirect_uri: redirectUri,
    scope: DELEGATED_SCOPE,
    ...(verifier ? { code_verifier: verifier } : {}),
  });

const refresh = (refreshToken: string) =>
  postToken({ grant_type: 'refresh_token', client_id: PLATFORM_APP_ID, client_secret: PLATFORM_APP_SECRET, refresh_token: refreshToken });

beforeEach(() => sandboxControl('POST', 'reset'));
afterAll(() => sandboxControl('POST', 'reset'));

describe('OpenID metadata and keys', () => {
  it('serves metadata for a tenant GUID, a domain and the organizations alias', async () => {
    for (const tenant of [CONTOSO_TENANT_ID, 'contoso.example']) {
      const metadata = await metadataOf(tenant);
      expect(metadata.issuer).toBe(`${entra}/${CONTOSO_TENANT_ID}/v2.0`);
      expect(metadata.token_endpoint).toBe(`${entra}/${CONTOSO_TENANT_ID}/oauth2/v2.0/token`);
      expect(metadata.authorization_endpoint).toBe(`${entra}/${CONTOSO_TENANT_ID}/oauth2/v2.0/authorize`);
    }
    const organizations = await metadataOf('organizations');
    expect(organizations.issuer).toBe(`${entra}/{tenantid}/v2.0`);
    expect(organizations.token_endpoint).toBe(`${entra}/organizations/oauth2/v2.0/token`);
  });

  it('answers an unknown tenant with 400 AADSTS90002 in the real envelope', async () => {
    const response = await fetch(`${entra}/nowhere.example/v2.0/.well-known/openid-configuration`);
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(body.error_codes).toEqual([90002]);
    expect(body.error_description).toMatch(
      /^AADSTS90002: Tenant 'nowhere.example' not found\..*\r\nTrace ID: .+\r\nCorrelation ID: .+\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/s,
    );
    expect(body.trace_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('signs tokens with a key published in the JWKS', async () => {
    const token = await secretCredential(CONTOSO_TENANT_ID, CONTOSO_APP_ID, CONTOSO_APP_SECRET).getToken(GRAPH_SCOPE);
    const metadata = await metadataOf(CONTOSO_TENANT_ID);
    const { payload, protectedHeader } = await jwtVerify(token!.token, createRemoteJWKSet(new URL(metadata.jwks_uri)));
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(payload.iss).toBe(`https://sts.windows.net/${CONTOSO_TENANT_ID}/`);
  });
});

describe('client credentials with ClientSecretCredential', () => {
  it('reports a wrong secret as AADSTS7000215, also when the secret ID is sent as the value', async () => {
    expect(await failure(secretCredential(CONTOSO_TENANT_ID, CONTOSO_APP_ID, 'not-the-secret').getToken(GRAPH_SCOPE))).toMatch(
      /AADSTS7000215/,
    );
    const secretId = 'c2c2c2c2-0000-4000-8000-000000000001';
    expect(await failure(secretCredential(CONTOSO_TENANT_ID, CONTOSO_APP_ID, secretId).getToken(GRAPH_SCOPE))).toMatch(/AADSTS7000215/);
  });

  it('reports an expired secret as AADSTS7000222', async () => {
    expect(await failure(secretCredential(CONTOSO_TENANT_ID, CONTOSO_APP_ID, CONTOSO_EXPIRED_SECRET).getToken(GRAPH_SCOPE))).toMatch(
      /AADSTS7000222/,
    );
  });

  it('reports an unknown client, and an app without a service principal in the tenant, as AADSTS700016', async () => {
    const unknown = '99999999-9999-4999-8999-999999999999';
    expect(await failure(secretCredential(CONTOSO_TENANT_ID, unknown, 'x').getToken(GRAPH_SCOPE))).toMatch(/AADSTS700016/);
    expect(await failure(secretCredential(CONTOSO_TENANT_ID, PLATFORM_APP_ID, PLATFORM_APP_SECRET).getToken(GRAPH_SCOPE))).toMatch(
      /AADSTS700016/,
    );
  });

  it('reports an unknown tenant as AADSTS90002', async () => {
    const tenant = '99999999-0000-4000-8000-000000000000';
    expect(await failure(secretCredential(tenant, CONTOSO_APP_ID, CONTOSO_APP_SECRET).getToken(GRAPH_SCOPE))).toMatch(/AADSTS90002/);
  });

  it("issues a v1 app-only Graph token carrying Contoso's Mail.Send role for its own app", async () => {
    const token = await secretCredential(CONTOSO_TENANT_ID, CONTOSO_APP_ID, CONTOSO_APP_SECRET).getToken(GRAPH_SCOPE);
    const claims = decodeJwt(token!.token);
    expect(claims).toMatchObject({
      aud: 'https://graph.microsoft.com',
      iss: `https://sts.windows.net/${CONTOSO_TENANT_ID}/`,
      tid: CONTOSO_TENANT_ID,
      appid: CONTOSO_APP_ID,
      appidacr: '1',
      idtyp: 'app',
      roles: ['Mail.Send'],
      ver: '1.0',
    });
    // About an hour, and MSAL keeps it: the second call is served from its cache.
    expect(claims.exp! - Math.floor(Date.now() / 1000)).toBeGreaterThan(3000);
    expect(token!.expiresOnTimestamp).toBeGreaterThan(Date.now() + 3000_000);
  });

  it('serves a credential from its cache: one token request for many getToken calls', async () => {
    const credential = secretCredential(CONTOSO_TENANT_ID, CONTOSO_APP_ID, CONTOSO_APP_SECRET);
    for (let i = 0; i < 5; i++) await credential.getToken(GRAPH_SCOPE);
    const issued = await sandboxControl('GET', `entra/tokens?clientId=${CONTOSO_APP_ID}`);
    expect(issued.count).toBe(1);
    expect(issued.tokens[0]).toMatchObject({
      grantType: 'client_credentials',
      tenantId: CONTOSO_TENANT_ID,
      audience: 'https://graph.microsoft.com',
    });
  });

  it('leaves the roles claim out when the app has a service principal but no granted role', async () => {
    // A user's delegated consent creates the platform app's service principal in Contoso, with no app roles.
    await signIn('notifications@contoso.example');
    expect(await grantedRoles(CONTOSO_TENANT_ID, PLATFORM_APP_ID, PLATFORM_APP_SECRET)).toBeUndefined();
  });

  it('issues Key Vault tokens for the vault audience, without roles', async () => {
    const token = await secretCredential(CONTOSO_TENANT_ID, CONTOSO_APP_ID, CONTOSO_APP_SECRET).getToken(
      'https://vault.azure.net/.default',
    );
    const claims = decodeJwt(token!.token);
    expect(claims.aud).toBe('https://vault.azure.net');
    expect(claims.roles).toBeUndefined();
  });

  it('accepts client_secret_basic, and refuses a scope without /.default (AADSTS1002012)', async () => {
    const basic = Buffer.from(`${encodeURIComponent(CONTOSO_APP_ID)}:${encodeURIComponent(CONTOSO_APP_SECRET)}`).toString('base64');
    const ok = await fetch(`${entra}/${CONTOSO_TENANT_ID}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: GRAPH_SCOPE }),
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('no-store, no-cache');
    expect(Object.keys(await json(ok)).sort()).toEqual(['access_token', 'expires_in', 'ext_expires_in', 'token_type']);
    const bad = await postToken(
      {
        grant_type: 'client_credentials',
        client_id: CONTOSO_APP_ID,
        client_secret: CONTOSO_APP_SECRET,
        scope: 'https://graph.microsoft.com/Mail.Send',
      },
      CONTOSO_TENANT_ID,
    );
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_scope', error_codes: [1002012] });
  });
});

describe('a second tenant (Northwind): ID tokens with wids, tenant-specific admin consent', () => {
  async function idTokenOf(user: string, nonce: string) {
    const { verifier, challenge } = pkce();
    const code = await signIn(user, { scope: 'openid profile', challenge, nonce });
    const answer = await redeem(code, verifier);
    expect(answer.status).toBe(200);
    return answer.body.id_token as string;
  }

  it("signs each user's v2 ID token with the key of its tenant's metadata: iss of its own tenant, tid, oid, preferred_username, nonce, wids", async () => {
    const metadata = await metadataOf('northwind.example');
    expect(metadata.issuer).toBe(`${entra}/${NORTHWIND_TENANT_ID}/v2.0`);
    const keys = createRemoteJWKSet(new URL(metadata.jwks_uri));
    const { payload } = await jwtVerify(await idTokenOf('admin@northwind.example', 'nonce-1'), keys, {
      issuer: metadata.issuer,
      audience: PLATFORM_APP_ID,
    });
    expect(payload).toMatchObject({
      tid: NORTHWIND_TENANT_ID,
      oid: NORTHWIND_USER_IDS.admin,
      preferred_username: 'admin@northwind.example',
      nonce: 'nonce-1',
      ver: '2.0',
    });
    expect(payload.wids).toEqual([ROLE_IDS.globalAdministrator, ROLE_IDS.user]);
    const staff = decodeJwt(await idTokenOf('staff@northwind.example', 'nonce-2'));
    expect(staff).toMatchObject({ tid: NORTHWIND_TENANT_ID, oid: NORTHWIND_USER_IDS.staff, wids: [ROLE_IDS.user] });
  });

  it('leaves wids out unless the app registration asks for directory roles (groupMembershipClaims)', async () => {
    await sandboxControl('POST', `entra/apps/${PLATFORM_APP_ID}/group-membership-claims`, { value: 'None' });
    expect(decodeJwt(await idTokenOf('admin@northwind.example', 'n')).wids).toBeUndefined();
    expect((await sandboxControl<Json[]>('GET', 'entra/apps')).find((a) => a.clientId === PLATFORM_APP_ID)?.groupMembershipClaims).toBe(
      'None',
    );
  });

  it("Northwind's adminconsent: its Global Administrator grants there; a Contoso admin is refused (AADSTS50020); a non-admin gets AADSTS90094", async () => {
    const consentAt = (user: string) =>
      page(`/${NORTHWIND_TENANT_ID}/v2.0/adminconsent`, {
        client_id: PLATFORM_APP_ID,
        scope: GRAPH_SCOPE,
        redirect_uri: PLATFORM_REDIRECT_URI,
        state: 's',
        login_hint: user,
        sandbox_action: 'approve',
      });
    const stranger = redirectParams(await consentAt('admin@contoso.example'));
    expect(stranger.get('error')).toBe('access_denied');
    expect(stranger.get('error_description')).toMatch(/^AADSTS50020: /);
    const staff = await consentAt('staff@northwind.example');
    expect(staff.status).toBe(403);
    expect(await staff.text()).toContain('AADSTS90094');
    const admin = redirectParams(await consentAt('admin@northwind.example'));
    expect(admin.get('tenant')).toBe(NORTHWIND_TENANT_ID);
    expect(await grantedRoles(NORTHWIND_TENANT_ID, PLATFORM_APP_ID, PLATFORM_APP_SECRET)).toEqual(['Mail.Send']);
  });
});

describe('admin consent', () => {
  const consent = (params: Record<string, string>, tenant = 'organizations') =>
    page(`/${tenant}/v2.0/adminconsent`, {
      client_id: PLATFORM_APP_ID,
      scope: GRAPH_SCOPE,
      redirect_uri: PLATFORM_REDIRECT_URI,
      state: 'consent-state',
      ...params,
    });

  it("grants Mail.Send in the admin's tenant, after which the platform app gets a Mail.Send token there", async () => {
    expect(await failure(secretCredential(CONTOSO_TENANT_ID, PLATFORM_APP_ID, PLATFORM_APP_SECRET).getToken(GRAPH_SCOPE))).toMatch(
      /AADSTS700016/,
    );
    const response = await consent({ login_hint: 'admin@contoso.example', sandbox_action: 'approve' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(PLATFORM_REDIRECT_URI);
    expect(location.searchParams.get('admin_consent')).toBe('True');
    expect(location.searchParams.get('tenant')).toBe(CONTOSO_TENANT_ID);
    expect(location.searchParams.get('scope')!.split(' ')).toContain('https://graph.microsoft.com/Mail.Send');
    expect(location.searchParams.get('state')).toBe('consent-state');
    expect(location.searchParams.get('error')).toBeNull();
    expect(await grantedRoles(CONTOSO_TENANT_ID, PLATFORM_APP_ID, PLATFORM_APP_SECRET)).toEqual(['Mail.Send']);
  });

  it('works on a tenant-specific URL too', async () => {
    const response = await consent({ login_hint: 'admin@contoso.example', sandbox_action: 'approve' }, 'contoso.example');
    expect(redirectParams(response).get('tenant')).toBe(CONTOSO_TENANT_ID);
  });

  it('answers a decline with an error redirect (error first; admin_consent=True rides along) and grants nothing', async () => {
    const response = await consent({ login_hint: 'admin@contoso.example', sandbox_action: 'deny' });
    expect(response.status).toBe(302);
    const params = redirectParams(response);
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('error_description')).toMatch(/^AADSTS65004: User declined to consent to access the app\./);
    expect(params.get('admin_consent')).toBe('True');
    expect(params.get('state')).toBe('consent-state');
    expect(params.get('tenant')).toBeNull();
    const grants: Array<{ tenantId: string; clientId: string }> = await sandboxControl('GET', 'entra/grants');
    expect(grants.some((g) => g.tenantId === CONTOSO_TENANT_ID && g.clientId === PLATFORM_APP_ID)).toBe(false);
  });

  it('does not let a user who is not a global admin grant', async () => {
    const response = await consent({ login_hint: 'notifications@contoso.example', sandbox_action: 'approve' });
    expect(response.status).toBe(403);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('AADSTS90094');
    expect(await failure(secretCredential(CONTOSO_TENANT_ID, PLATFORM_APP_ID, PLATFORM_APP_SECRET).getToken(GRAPH_SCOPE))).toMatch(
      /AADSTS700016/,
    );
  });

  it('shows the AADSTS error on the page, without redirecting, for an unregistered redirect URI or an unknown app', async () => {
    const wrongRedirect = await consent({
      redirect_uri: 'https://evil.example/callback',
      login_hint: 'admin@contoso.example',
      sandbox_action: 'approve',
    });
    expect(wrongRedirect.status).toBe(400);
    expect(wrongRedirect.headers.get('location')).toBeNull();
    expect(await wrongRedirect.text()).toContain('AADSTS50011');
    const unknownApp = await consent({ client_id: '99999999-9999-4999-8999-999999999999' });
    expect(unknownApp.status).toBe(400);
    expect(await unknownApp.text()).toContain('AADSTS700016');
  });

  it('accepts a redirect URI added through the control API', async () => {
    await sandboxControl('POST', `entra/apps/${PLATFORM_APP_ID}/redirect-uris`, { uri: 'https://app.example/callback' });
    const response = await consent({
      redirect_uri: 'https://app.example/callback',
      login_hint: 'admin@contoso.example',
      sandbox_action: 'approve',
    });
    expect(response.headers.get('location')).toMatch(/^https:\/\/app\.example\/callback\?admin_consent=True&tenant=/);
  });

  it('shows a form to pick a user and approve or decline when no action is given', async () => {
    const response = await consent({});
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('value="admin@contoso.example"');
    expect(html).toContain('name="sandbox_action" value="approve"');
    expect(html).toContain('name="sandbox_action" value="deny"');
    expect(html).toContain(`value="${PLATFORM_REDIRECT_URI}"`);
  });
});

describe('federated client assertion (managed identity, no secret)', () => {
  it('exchanges the managed identity assertion for a platform-app token', async () => {
    const { assertion } = await sandboxControl('POST', 'entra/federated-assertion', {});
    const credential = new ClientAssertionCredential(PLATFORM_TENANT_ID, PLATFORM_APP_ID, async () => assertion, {
      authorityHost: entra,
      disableInstanceDiscovery: true,
    });
    const token = await credential.getToken(GRAPH_SCOPE);
    expect(decodeJwt(token!.token)).toMatchObject({ appid: PLATFORM_APP_ID, appidacr: '2', tid: PLATFORM_TENANT_ID });
  });

  it('refuses an assertion no federated credential matches (AADSTS70021)', async () => {
    const { assertion } = await sandboxControl('POST', 'entra/federated-assertion', { subject: 'someone-else' });
    const credential = new ClientAssertionCredential(PLATFORM_TENANT_ID, PLATFORM_APP_ID, async () => assertion, {
      authorityHost: entra,
      disableInstanceDiscovery: true,
    });
    expect(await failure(credential.getToken(GRAPH_SCOPE))).toMatch(/AADSTS70021/);
  });

  it('accepts a federated credential added through the control API', async () => {
    await sandboxControl('POST', `entra/apps/${CONTOSO_APP_ID}/federated-credentials`, {
      issuer: 'https://issuer.example',
      subject: 'workload-1',
    });
    const { assertion } = await sandboxControl('POST', 'entra/federated-assertion', {
      issuer: 'https://issuer.example',
      subject: 'workload-1',
    });
    const response = await postToken(
      {
        grant_type: 'client_credentials',
        client_id: CONTOSO_APP_ID,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
        scope: GRAPH_SCOPE,
      },
      CONTOSO_TENANT_ID,
    );
    expect(response.status).toBe(200);
    expect(decodeJwt(response.body.access_token).roles).toEqual(['Mail.Send']);
  });
});

describe('delegated sign-in: authorization code + PKCE, refresh rotation', () => {
  it('redeems a code once for user tokens per docs/providers.md, and refuses its reuse (AADSTS54005)', async () => {
    const { verifier, challenge } = pkce();
    const code = await signIn('admin@contoso.example', { challenge, nonce: 'nonce-1' });
    const { status, body } = await redeem(code, verifier);
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: expect.any(Number), ext_expires_in: expect.any(Number) });
    expect(body.scope.split(' ')).toEqual(expect.arrayContaining(['Mail.Send', 'Mail.Send.Shared', 'openid', 'profile']));
    expect(body.scope.split(' ')).not.toContain('offline_access');
    const access = decodeJwt(body.access_token);
    expect(access).toMatchObject({
      idtyp: 'user',
      upn: 'admin@contoso.example',
      tid: CONTOSO_TENANT_ID,
      appid: PLATFORM_APP_ID,
      oid: 'c0000000-0000-4000-8000-000000000001',
    });
    expect(String(access.scp).split(' ')).toEqual(expect.arrayContaining(['Mail.Send', 'Mail.Send.Shared']));
    expect(decodeJwt(body.id_token)).toMatchObject({
      aud: PLATFORM_APP_ID,
      nonce: 'nonce-1',
      preferred_username: 'admin@contoso.example',
      tid: CONTOSO_TENANT_ID,
    });
    expect(JSON.parse(Buffer.from(body.client_info, 'base64url').toString())).toEqual({ uid: access.oid, utid: CONTOSO_TENANT_ID });
    expect(body.refresh_token).toEqual(expect.any(String));

    const again = await redeem(code, verifier);
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ error: 'invalid_grant', error_codes: [54005] });

    const consents: Array<{ userId: string; scopes: string[] }> = await sandboxControl('GET', 'entra/consents');
    expect(consents.find((c) => c.userId === access.oid)?.scopes).toEqual(expect.arrayContaining(['Mail.Send', 'Mail.Send.Shared']));
  });

  it('requires the matching PKCE verifier (AADSTS501481) and the same redirect URI', async () => {
    const { challenge } = pkce();
    const wrongVerifier = await redeem(await signIn('admin@contoso.example', { challenge }), pkce().verifier);
    expect(wrongVerifier.body).toMatchObject({ error: 'invalid_grant', error_codes: [501481] });
    const noVerifier = await redeem(await signIn('admin@contoso.example', { challenge }));
    expect(noVerifier.body.error_codes).toEqual([501481]);
    const { verifier, challenge: c2 } = pkce();
    const otherRedirect = await redeem(await signIn('admin@contoso.example', { challenge: c2 }), verifier, 'http://localhost:7071/other');
    expect(otherRedirect.body.error).toBe('invalid_grant');
  });

  it('expires an unredeemed code after ten minutes (AADSTS70008)', async () => {
    const { verifier, challenge } = pkce();
    const code = await signIn('admin@contoso.example', { challenge });
    await sandboxControl('POST', 'clock', { advanceSeconds: 11 * 60 });
    const { body } = await redeem(code, verifier);
    expect(body).toMatchObject({ error: 'invalid_grant', error_codes: [70008] });
  });

  it('rotates the refresh token on every use, and the new one works', async () => {
    const { verifier, challenge } = pkce();
    const first = (await redeem(await signIn('admin@contoso.example', { challenge }), verifier)).body.refresh_token;
    const second = await refresh(first);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).toEqual(expect.any(String));
    expect(second.body.refresh_token).not.toBe(first);
    expect(decodeJwt(second.body.access_token).scp).toContain('Mail.Send.Shared');
    const third = await refresh(second.body.refresh_token);
    expect(third.status).toBe(200);
    expect(third.body.refresh_token).not.toBe(second.body.refresh_token);
  });

  it('refuses refresh tokens revoked through the control API (AADSTS50173, bad_token)', async () => {
    const { verifier, challenge } = pkce();
    const token = (await redeem(await signIn('admin@contoso.example', { challenge }), verifier)).body.refresh_token;
    const revoked = await sandboxControl('POST', 'entra/users/admin@contoso.example/revoke-sessions');
    expect(revoked.revoked).toBeGreaterThanOrEqual(1);
    const { status, body } = await refresh(token);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'invalid_grant', error_codes: [50173], suberror: 'bad_token' });
  });

  it('expires a refresh token unused for 90 days of sandbox time (AADSTS700082)', async () => {
    const { verifier, challenge } = pkce();
    const token = (await redeem(await signIn('admin@contoso.example', { challenge }), verifier)).body.refresh_token;
    await sandboxControl('POST', 'clock', { advanceSeconds: 91 * 24 * 3600 });
    const { body } = await refresh(token);
    expect(body).toMatchObject({ error: 'invalid_grant', error_codes: [700082] });
  });

  it('returns a refresh token only with offline_access and an id token only with openid', async () => {
    const { verifier, challenge } = pkce();
    const { body } = await redeem(await signIn('admin@contoso.example', { challenge, scope: 'Mail.Send' }), verifier);
    expect(body.access_token).toEqual(expect.any(String));
    expect(body.refresh_token).toBeUndefined();
    expect(body.id_token).toBeUndefined();
  });

  it('redirects a declined sign-in with access_denied and never issues a code', async () => {
    const response = await page('/organizations/oauth2/v2.0/authorize', {
      client_id: PLATFORM_APP_ID,
      response_type: 'code',
      redirect_uri: PLATFORM_REDIRECT_URI,
      scope: DELEGATED_SCOPE,
      state: 's',
      login_hint: 'admin@contoso.example',
      sandbox_action: 'deny',
    });
    const params = redirectParams(response);
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('error_description')).toMatch(/^AADSTS65004/);
    expect(params.get('code')).toBeNull();
  });
});

describe('response_mode=form_post', () => {
  const authorize = (action: 'approve' | 'deny', extra: Record<string, string> = {}) =>
    page('/organizations/oauth2/v2.0/authorize', {
      client_id: PLATFORM_APP_ID,
      response_type: 'code',
      redirect_uri: PLATFORM_REDIRECT_URI,
      response_mode: 'form_post',
      scope: DELEGATED_SCOPE,
      state: 'st&te"<1>',
      login_hint: 'admin@contoso.example',
      sandbox_action: action,
      ...extra,
    });

  it('answers 200 with a form that auto-submits code, state and session_state to the redirect URI; no redirect', async () => {
    const { verifier, challenge } = pkce();
    const response = await authorize('approve', { code_challenge: challenge, code_challenge_method: 'S256' });
    expect(response.status).toBe(200);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toMatch(/no-store/);
    const { action, fields } = formPostOf(await response.text());
    expect(action.toString()).toBe(PLATFORM_REDIRECT_URI);
    expect([...fields.keys()]).toEqual(['code', 'state', 'session_state']);
    expect(fields.get('state')).toBe('st&te"<1>'); // escaped in the HTML, intact in the form
    // The posted code is a real one.
    const { status, body } = await redeem(fields.get('code')!, verifier);
    expect(status).toBe(200);
    expect(body.refresh_token).toEqual(expect.any(String));
  });

  it('posts a declined sign-in as error + error_description + state', async () => {
    const response = await authorize('deny');
    const { fields } = formPostOf(await response.text());
    expect(fields.get('error')).toBe('access_denied');
    expect(fields.get('error_description')).toMatch(/^AADSTS65004/);
    expect(fields.get('state')).toBe('st&te"<1>');
    expect(fields.get('code')).toBeNull();
  });

  it('the page a person sees runs a script that submits the form (and a button without script)', async () => {
    const html = await (await authorize('approve')).text();
    expect(html).toContain('<form method="POST" name="hiddenform"');
    expect(html).toContain('document.forms[0].submit()');
    expect(html).toContain('<noscript>');
  });
});

describe('request log', () => {
  it('never records secrets, codes, assertions or tokens', async () => {
    const { verifier, challenge } = pkce();
    const code = await signIn('admin@contoso.example', { challenge });
    const { body } = await redeem(code, verifier);
    const { assertion } = await sandboxControl('POST', 'entra/federated-assertion', {});
    await postToken(
      {
        grant_type: 'client_credentials',
        client_id: PLATFORM_APP_ID,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
        scope: GRAPH_SCOPE,
      },
      PLATFORM_TENANT_ID,
    );
    await secretCredential(CONTOSO_TENANT_ID, CONTOSO_APP_ID, CONTOSO_APP_SECRET).getToken(GRAPH_SCOPE);
    const log = JSON.stringify(await sandboxControl('GET', 'requests?service=entra'));
    expect(log).toContain('/oauth2/v2.0/token');
    for (const secret of [
      PLATFORM_APP_SECRET,
      CONTOSO_APP_SECRET,
      code,
      verifier,
      challenge,
      body.refresh_token,
      body.access_token,
      assertion,
    ]) {
      expect(log).not.toContain(secret);
    }
  });
});
