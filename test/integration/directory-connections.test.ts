/**
 * Directory connections end to end by API: the real HTTP API (local host
 * in-process, Azurite, the sandbox Key Vault) against the sandbox's Entra, Graph, Google OAuth and
 * Admin SDK, with the real SDKs. Microsoft delegated (sign-in pages followed as a browser would),
 * Microsoft application (tenant proven; a forged `tenant` refused), Google OAuth, Google service
 * account (ok, non-admin subject, Admin SDK disabled), refresh-token rotation, a revoked sign-in
 * (needs_attention with its hint), delete (secrets gone from Key Vault). Every answer is kept and
 * searched at the end for secrets, tokens and secret names.
 */
import { randomBytes } from 'node:crypto';
import { startLocalHost, LocalHost } from '../../dev/host/localHost';
import { Answer, transcriptApi } from './api-transcript';
import {
  CONTOSO_TENANT_ID,
  DIRECTORY_APP_SECRET,
  NORTHWIND_TENANT_ID,
  PLATFORM_APP_SECRET,
  VAULT_CLIENT_SECRET,
} from '../../dev/sandbox/world';
import { FABRIKAM_PROJECT_ID, GOOGLE_PLATFORM_CLIENT_SECRET, SERVICE_ACCOUNT_EMAILS } from '../../dev/sandbox/google-world';
import { loadConfig } from '@shared/config';
import { createServices, type Services } from '@shared/services';
import { jsonOrUndefined, sandboxControl, sandboxUrls } from '../support/env';
import { mailerFailure } from '../support/mailer-error';
import { followAdminConsent, followFormPostPage, vaultRows } from './microsoft-helpers';

const config = loadConfig();
const KEY = process.env.LOCAL_FUNCTION_KEY!;
let host: LocalHost;
let services: Services;
const transcript: string[] = [];
const secretsUsed = new Set<string>([
  PLATFORM_APP_SECRET,
  DIRECTORY_APP_SECRET,
  VAULT_CLIENT_SECRET,
  GOOGLE_PLATFORM_CLIENT_SECRET,
  config.stateSigningKey,
  KEY,
]);

const { api, callback, postCallback, open } = transcriptApi(() => host, transcript, secretsUsed);
const newOrg = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
const connectionsOf = (orgId: string) => `orgs/${orgId}/directory/connections`;

async function create(orgId: string, body: Record<string, unknown>): Promise<Answer> {
  return api('POST', connectionsOf(orgId), body);
}

/** The Key Vault rows of one connection (by its name prefix). */
const vaultOf = async (orgId: string, id: string) => (await vaultRows()).filter((row) => row.name.startsWith(`dir-${orgId}-${id}-`));

/** Follows Google's consent page as `email` and returns where it sends the browser back. */
async function googleConsent(url: string, email: string): Promise<URL> {
  const page = new URL(await open(url));
  page.searchParams.set('login_hint', email);
  page.searchParams.set('sandbox_action', 'approve');
  const response = await fetch(page, { redirect: 'manual' });
  if (response.status !== 302) throw new Error(`Google consent answered ${response.status}: ${await response.text()}`);
  return new URL(response.headers.get('location')!);
}

async function delegatedConnection(orgId: string, upn = 'admin@contoso.example'): Promise<{ id: string; answer: Answer }> {
  const created = await create(orgId, { name: 'Contoso Microsoft 365 Germany', provider: 'microsoft', mode: 'delegated', loginHint: upn });
  expect(created.status).toBe(201);
  expect(created.body.connection).toMatchObject({
    status: 'connecting',
    provider: 'microsoft',
    mode: 'delegated',
    sync: { running: false },
  });
  const consentUrl = new URL(await open(created.body.consentUrl));
  expect(consentUrl.searchParams.get('scope')).toBe(
    'openid profile offline_access https://graph.microsoft.com/User.Read.All https://graph.microsoft.com/Group.Read.All',
  );
  const signIn = await followFormPostPage(created.body.consentUrl, upn);
  return { id: created.body.connection.id, answer: await postCallback(signIn.action, signIn.fields) };
}

beforeAll(async () => {
  await sandboxControl('POST', 'reset');
  host = await startLocalHost({ port: 0, queues: false, timers: false, log: (line) => transcript.push(line) });
  services = createServices(config);
});
afterAll(() => host?.close());

describe('Microsoft delegated', () => {
  it('an admin signs in by API: active, tenant from the verified ID token, refresh token in Key Vault; each refresh rotates it there', async () => {
    const orgId = newOrg('contoso');
    const { id, answer } = await delegatedConnection(orgId);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('directory connection is active');
    const view = await api('GET', `${connectionsOf(orgId)}/${id}`);
    expect(view.body.connection).toMatchObject({
      id,
      status: 'active',
      tenantId: CONTOSO_TENANT_ID,
      consentedBy: { username: 'admin@contoso.example' },
    });
    expect((await api('GET', connectionsOf(orgId))).body.connections.map((c: any) => c.id)).toEqual([id]);
    const [row] = await vaultOf(orgId, id);
    expect(row).toMatchObject({ name: `dir-${orgId}-${id}-refresh-token`, deleted: false });
    expect(row.versions).toHaveLength(1);

    // The sync's view: a DirectoryAccess that reads Graph, and a rotated refresh token replaces the stored one.
    const connection = (await services.directory.forSync.get(orgId, id))!;
    const stored = await services.secrets.get(row.name);
    secretsUsed.add(stored);
    const token = await services.directory.forSync.access(connection).accessToken();
    secretsUsed.add(token);
    const users = await fetch(`${sandboxUrls.graph}/v1.0/users?$top=1`, { headers: { authorization: `Bearer ${token}` } });
    expect(users.status).toBe(200);
    const [after] = await vaultOf(orgId, id);
    expect(after.versions).toHaveLength(2);
    services.secrets.forget(row.name);
    const rotated = await services.secrets.get(row.name);
    secretsUsed.add(rotated);
    expect(rotated).not.toBe(stored);
  });

  it('a non-admin cannot grant User.Read.All / Group.Read.All: 400 DIRECTORY_CONSENT_DENIED with its hint, the connection stays connecting, no secret', async () => {
    const orgId = newOrg('contoso');
    const { id, answer } = await delegatedConnection(orgId, 'notifications@contoso.example');
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('DIRECTORY_CONSENT_DENIED');
    expect(answer.text).toContain('Global Administrator');
    expect((await api('GET', `${connectionsOf(orgId)}/${id}`)).body.connection.status).toBe('connecting');
    expect(await vaultOf(orgId, id)).toEqual([]);
  });

  it('a revoked sign-in: the access fails DIRECTORY_REAUTH_REQUIRED, the connection shows needs_attention with the hint, and gets a new consent link', async () => {
    const orgId = newOrg('contoso');
    const { id, answer } = await delegatedConnection(orgId);
    expect(answer.status).toBe(200);
    await sandboxControl('POST', 'entra/users/admin@contoso.example/revoke-sessions');
    const connection = (await services.directory.forSync.get(orgId, id))!;
    const failure = await mailerFailure(services.directory.forSync.access(connection).accessToken());
    expect(failure.code).toBe('DIRECTORY_REAUTH_REQUIRED');
    await services.directory.forSync.markNeedsAttention(orgId, id, {
      code: failure.code,
      message: failure.message,
      hint: failure.hint,
      at: new Date().toISOString(),
    });
    const view = (await api('GET', `${connectionsOf(orgId)}/${id}`)).body.connection;
    expect(view).toMatchObject({ status: 'needs_attention', lastError: { code: 'DIRECTORY_REAUTH_REQUIRED' } });
    expect(view.lastError.hint).toMatch(/Reconnect.*sign in again/);
    const link = await api('POST', `${connectionsOf(orgId)}/${id}/consent-link`);
    expect(link.status).toBe(200);
    // Reconnect: the new sign-in makes it active again, the error cleared.
    const signIn = await followFormPostPage(link.body.consentUrl, 'admin@contoso.example');
    expect((await postCallback(signIn.action, signIn.fields)).status).toBe(200);
    const again = (await api('GET', `${connectionsOf(orgId)}/${id}`)).body.connection;
    expect(again.status).toBe('active');
    expect(again.lastError).toBeUndefined();
  });
});

describe('Microsoft application', () => {
  const applicationLink = async (orgId: string) => {
    const created = await create(orgId, { name: 'Contoso (app)', provider: 'microsoft', mode: 'application' });
    expect(created.status).toBe(201);
    return created.body as { connection: { id: string }; consentUrl: string };
  };

  it("the directory app's admin consent in the tenant a verified admin sign-in proved: active, and its tokens read Graph", async () => {
    const orgId = newOrg('contoso');
    const { connection, consentUrl } = await applicationLink(orgId);
    const { callback: back, consentUrl: grantUrl } = await followAdminConsent(consentUrl, 'admin@contoso.example', postCallback);
    expect(grantUrl.pathname).toBe(`/${CONTOSO_TENANT_ID}/v2.0/adminconsent`);
    expect(grantUrl.searchParams.get('client_id')).toBe(config.microsoft.directoryApp!.clientId);
    expect((await callback(back)).status).toBe(200);
    const view = (await api('GET', `${connectionsOf(orgId)}/${connection.id}`)).body.connection;
    expect(view).toMatchObject({
      status: 'active',
      tenantId: CONTOSO_TENANT_ID,
      mode: 'application',
      consentedBy: { username: 'admin@contoso.example' },
    });
    const token = await services.directory.forSync.access((await services.directory.forSync.get(orgId, connection.id))!).accessToken();
    secretsUsed.add(token);
    expect((await fetch(`${sandboxUrls.graph}/v1.0/groups?$top=1`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect(await vaultOf(orgId, connection.id)).toEqual([]); // no user token, nothing to keep
  });

  it('an Application Administrator cannot bind a tenant for the application mode: CONSENT_NOT_ADMIN at sign-in, a typed step 2 is refused, nothing stored', async () => {
    const orgId = newOrg('appadmin');
    const { connection, consentUrl } = await applicationLink(orgId);
    const signIn = await followFormPostPage(consentUrl, 'appadmin@contoso.example');
    const refused = await postCallback(signIn.action, signIn.fields);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('CONSENT_NOT_ADMIN');
    const typed = await callback(
      new URL(
        `${host.url}/api/oauth/microsoft/callback?admin_consent=True&tenant=${CONTOSO_TENANT_ID}&state=${encodeURIComponent(signIn.fields.get('state')!)}`,
      ),
    );
    expect(typed.status).toBe(400);
    const view = (await api('GET', `${connectionsOf(orgId)}/${connection.id}`)).body.connection;
    expect(view.status).toBe('connecting');
    expect(view.tenantId).toBeUndefined();
  });

  it('a forged `tenant` in the admin consent answer is refused (CONSENT_TENANT_MISMATCH) and nothing is stored', async () => {
    const orgId = newOrg('forger');
    const { connection, consentUrl } = await applicationLink(orgId);
    const { callback: back } = await followAdminConsent(consentUrl, 'admin@northwind.example', postCallback);
    expect(back.searchParams.get('tenant')).toBe(NORTHWIND_TENANT_ID);
    const swapped = new URL(back);
    swapped.searchParams.set('tenant', CONTOSO_TENANT_ID);
    const answer = await callback(swapped);
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('CONSENT_TENANT_MISMATCH');
    const view = (await api('GET', `${connectionsOf(orgId)}/${connection.id}`)).body.connection;
    expect(view.status).toBe('connecting');
    expect(view.tenantId).toBeUndefined();
  });
});

describe('Google', () => {
  it('oauth: a Workspace admin consents to the readonly directory scopes: active, account from the ID token, refresh token in Key Vault', async () => {
    const orgId = newOrg('fabrikam');
    const created = await create(orgId, { name: 'Fabrikam Workspace', provider: 'google', mode: 'oauth' });
    expect(created.status).toBe(201);
    const scopes = new URL(await open(created.body.consentUrl)).searchParams.get('scope')!.split(' ');
    expect(scopes).toEqual(
      expect.arrayContaining(['https://www.googleapis.com/auth/admin.directory.group.member.readonly', 'openid', 'email']),
    );
    const answer = await callback(await googleConsent(created.body.consentUrl, 'admin@fabrikam.example'));
    expect(answer.status).toBe(200);
    const id = created.body.connection.id;
    expect((await api('GET', `${connectionsOf(orgId)}/${id}`)).body.connection).toMatchObject({
      status: 'active',
      adminEmail: 'admin@fabrikam.example',
      domain: 'fabrikam.example',
    });
    const [row] = await vaultOf(orgId, id);
    secretsUsed.add(await services.secrets.get(row.name));
    const access = services.directory.forSync.access((await services.directory.forSync.get(orgId, id))!);
    expect(access.customer).toBe('my_customer');
    secretsUsed.add(await access.accessToken());
  });

  it('oauth: a non-admin account is refused at the callback with DIRECTORY_NOT_ADMIN, nothing stored', async () => {
    const orgId = newOrg('fabrikam');
    const created = await create(orgId, { name: 'Fabrikam Workspace', provider: 'google', mode: 'oauth' });
    const answer = await callback(await googleConsent(created.body.consentUrl, 'alerts@fabrikam.example'));
    expect(answer.status).toBe(422);
    expect(answer.text).toContain('DIRECTORY_NOT_ADMIN');
    expect((await api('GET', `${connectionsOf(orgId)}/${created.body.connection.id}`)).body.connection.status).toBe('connecting');
    expect(await vaultOf(orgId, created.body.connection.id)).toEqual([]);
    // The grant Google returned was given back: nothing of it stays usable (Third-party connections is empty).
    const grants = await sandboxControl<Array<{ clientId: string; scopes: string[]; revoked: boolean }>>(
      'GET',
      'google/users/alerts@fabrikam.example/grants',
    );
    const directoryGrants = grants.filter((g) => g.scopes.includes('https://www.googleapis.com/auth/admin.directory.user.readonly'));
    expect(directoryGrants.length).toBeGreaterThan(0);
    expect(directoryGrants.map((g) => g.revoked)).toEqual(directoryGrants.map(() => true));
  });

  describe('service account', () => {
    let key: Record<string, string>;
    beforeAll(async () => {
      key = await sandboxControl('GET', `google/service-accounts/${encodeURIComponent(SERVICE_ACCOUNT_EMAILS.mailer)}/key`);
      secretsUsed.add(key.private_key.split('\n')[1]);
    });
    const body = (adminEmail: string) => ({
      name: 'Fabrikam (service account)',
      provider: 'google',
      mode: 'service_account',
      adminEmail,
      serviceAccountKey: key,
    });

    it('verified at once (one users.list): active; the key in Key Vault; delete removes it and the row', async () => {
      const orgId = newOrg('fabrikam');
      const created = await create(orgId, body('admin@fabrikam.example'));
      expect(created.status).toBe(201);
      expect(created.body.consentUrl).toBeUndefined();
      const id = created.body.connection.id;
      expect(created.body.connection).toMatchObject({ status: 'active', adminEmail: 'admin@fabrikam.example', domain: 'fabrikam.example' });
      const [row] = await vaultOf(orgId, id);
      expect(row).toMatchObject({ name: `dir-${orgId}-${id}-service-account-key`, deleted: false });
      const access = services.directory.forSync.access((await services.directory.forSync.get(orgId, id))!);
      secretsUsed.add(await access.accessToken());

      expect((await api('DELETE', `${connectionsOf(orgId)}/${id}`)).status).toBe(204);
      expect((await vaultOf(orgId, id)).every((r) => r.deleted)).toBe(true);
      const gone = await api('GET', `${connectionsOf(orgId)}/${id}`);
      expect(gone.status).toBe(404);
      expect(gone.body.error.code).toBe('DIRECTORY_CONNECTION_NOT_FOUND');
      expect((await api('DELETE', `${connectionsOf(orgId)}/${id}`)).status).toBe(404);
    });

    it('a subject that is not a Workspace admin: 422 DIRECTORY_NOT_ADMIN with its hint, nothing written', async () => {
      const orgId = newOrg('fabrikam');
      const answer = await create(orgId, body('alerts@fabrikam.example'));
      expect(answer.status).toBe(422);
      expect(answer.body.error).toMatchObject({ code: 'DIRECTORY_NOT_ADMIN', hint: expect.stringContaining('administrator') });
      expect((await api('GET', connectionsOf(orgId))).body.connections).toEqual([]);
      expect((await vaultRows()).filter((r) => r.name.startsWith(`dir-${orgId}-`))).toEqual([]);
    });

    it('the Admin SDK API disabled in the project: 422 DIRECTORY_API_DISABLED with its hint, nothing written', async () => {
      const orgId = newOrg('fabrikam');
      await sandboxControl('POST', 'directory/fabrikam/admin-sdk', { enabled: false, project: FABRIKAM_PROJECT_ID });
      try {
        const answer = await create(orgId, body('admin@fabrikam.example'));
        expect(answer.status).toBe(422);
        expect(answer.body.error).toMatchObject({ code: 'DIRECTORY_API_DISABLED', hint: expect.stringContaining('Admin SDK API') });
        expect((await api('GET', connectionsOf(orgId))).body.connections).toEqual([]);
      } finally {
        await sandboxControl('POST', 'directory/fabrikam/admin-sdk', { enabled: true });
      }
    });
  });
});

describe('settings page twins (/api/manage/directory/connections)', () => {
  it("act on the admin token's org only, and consent links return to the settings page", async () => {
    const orgId = newOrg('page');
    const link = await api('POST', `orgs/${orgId}/admin-links`);
    expect(link.status).toBe(200);
    // The admin link's answer carries its token by design (the SaaS hands the link on), so it is not in secretsUsed.
    const token = new URL(link.body.url).hash.replace(/^#token=/, '');
    const page = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${host.url}/api/manage/directory/connections${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await response.text();
      transcript.push(`${method} manage/directory/connections${path} -> ${response.status} ${text}`);
      return { status: response.status, body: jsonOrUndefined(text) as any };
    };
    const created = await page('POST', '', { name: 'From the page', provider: 'microsoft', mode: 'delegated' });
    expect(created.status).toBe(201);
    const state = new URL(created.body.consentUrl).searchParams.get('state')!;
    const claims = JSON.parse(Buffer.from(state.split('.')[1], 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ org: orgId, dir: created.body.connection.id });
    expect(claims.ret).toMatch(/\/settings/);
    expect((await page('GET', '')).body.connections.map((c: any) => c.id)).toEqual([created.body.connection.id]);
    expect((await api('GET', connectionsOf(orgId))).body.connections).toHaveLength(1);
    expect((await fetch(`${host.url}/api/manage/directory/connections`)).status).toBe(401);
    // Sync now before the consent completed: 409, on both twins, and no sync is queued or leased.
    for (const answer of [
      await page('POST', `/${created.body.connection.id}/sync`),
      await api('POST', `${connectionsOf(orgId)}/${created.body.connection.id}/sync`),
    ]) {
      expect([answer.status, answer.body.error.code]).toEqual([409, 'DIRECTORY_CONNECTION_NOT_READY']);
      expect(answer.body.error.hint).toMatch(/consent link/);
    }
    expect((await api('GET', `${connectionsOf(orgId)}/${created.body.connection.id}`)).body.connection.sync).toMatchObject({
      running: false,
    });
    expect((await page('DELETE', `/${created.body.connection.id}`)).status).toBe(204);
    expect((await api('GET', connectionsOf(orgId))).body.connections).toEqual([]);
  });
});

describe('bad input over HTTP', () => {
  it('unknown provider 422, an id not handed out 404', async () => {
    const orgId = newOrg('bad');
    const answer = await create(orgId, { name: 'x', provider: 'yahoo', mode: 'delegated' });
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({ code: 'DIRECTORY_INVALID_CONNECTION', fields: { provider: expect.any(String) } });
    expect((await api('GET', `${connectionsOf(orgId)}/not-an-id`)).status).toBe(404);
  });
});

afterAll(() => {
  // No secret, token, code or Key Vault secret NAME in any answer (or log line) of this file.
  const all = transcript.join('\n');
  for (const secret of secretsUsed) expect(all).not.toContain(secret);
  expect(all).not.toMatch(/dir-[a-z0-9-]+-dc[a-z2-7]{10}-/);
  expect(all).not.toMatch(/"(refresh_token|access_token|secretRefs|private_key)"/);
});
