/**
 * Microsoft 365 senders through the real HTTP API: the local Functions host in-process, Azurite for
 * the sender rows and consent states, and the sandbox's Entra ID, Graph and Key Vault behind the
 * real SDKs. Every API answer and every log line of the run is kept, and the last test searches
 * them for every secret used.
 */
import { randomBytes } from 'node:crypto';
import { startLocalHost, LocalHost } from '../../dev/host/localHost';
import { Answer, transcriptApi } from './api-transcript';
import {
  CONTOSO_APP_ID,
  CONTOSO_APP_SECRET,
  CONTOSO_EXPIRED_SECRET,
  CONTOSO_TENANT_ID,
  CONTOSO_USER_IDS,
  PLATFORM_APP_SECRET,
  VAULT_CLIENT_SECRET,
} from '../../dev/sandbox/world';
import { signState } from '@shared/consent/state';
import { loadConfig } from '@shared/config';
import { SecretClient } from '@azure/keyvault-secrets';
import { createAppCredential } from '@shared/store/azureCredential';
import { sandboxControl } from '../support/env';
import {
  followAdminConsent,
  followFormPostPage,
  sandboxMessages,
  vaultRows,
  CONTOSO_ALIAS,
  contosoAppRegistration,
} from './microsoft-helpers';

const config = loadConfig();
const KEY = process.env.LOCAL_FUNCTION_KEY!;
const RETURN_URL = `${config.publicBaseUrl}/settings?tab=mail`;
const ALIAS = CONTOSO_ALIAS;

let host: LocalHost;
/** Everything that left the app during this file: API answers and log lines. */
const transcript: string[] = [];
/** Every secret value this file used or caused to exist (refresh tokens are read back at the end). */
const secretsUsed = new Set<string>([
  CONTOSO_APP_SECRET,
  CONTOSO_EXPIRED_SECRET,
  PLATFORM_APP_SECRET,
  VAULT_CLIENT_SECRET,
  config.stateSigningKey,
  KEY,
]);
const refreshTokenNames = new Set<string>();

const { api, callback, postCallback, open } = transcriptApi(() => host, transcript);

const newOrg = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

const appRegistration = contosoAppRegistration;

beforeAll(async () => {
  await sandboxControl('POST', 'reset');
  const originals = { log: console.log, warn: console.warn, error: console.error, info: console.info };
  for (const level of ['log', 'warn', 'error', 'info'] as const) {
    console[level] = (...args: unknown[]) => {
      transcript.push(args.map(String).join(' '));
      originals[level](...args);
    };
  }
  host = await startLocalHost({ port: 0, queues: false, timers: false, log: (line) => transcript.push(line) });
});

afterAll(async () => {
  await host?.close();
});

describe('admin consent end to end (Contoso)', () => {
  const orgId = newOrg('contoso');
  let callbackLocation: URL;

  it('a callback naming a tenant without any sign-in is refused (CONSENT_ID_TOKEN_INVALID); nothing stored', async () => {
    const forgedOrg = newOrg('forged');
    const link = await api('POST', `orgs/${forgedOrg}/sender/consent-link`, { provider: 'microsoft', mode: 'admin_consent' });
    // The attacker's own browser opened the link (so it is bound to it), then types step 2.
    const state = new URL(await open(link.body.url)).searchParams.get('state')!;
    // What an attacker (or a confused admin) could type: admin_consent=True for Contoso, with nobody signed in.
    const page = await api(
      'GET',
      `oauth/microsoft/callback?admin_consent=True&tenant=${CONTOSO_TENANT_ID}&state=${encodeURIComponent(state)}`,
      undefined,
      { key: false },
    );
    expect(page.status).toBe(400);
    expect(page.text).toContain('CONSENT_ID_TOKEN_INVALID');
    expect((await api('GET', `orgs/${forgedOrg}/sender`)).status).toBe(404);
  });

  it("the consent link is an OpenID Connect sign-in (code + PKCE, nonce, form_post) for the platform app, then the tenant's own adminconsent", async () => {
    const link = await api('POST', `orgs/${orgId}/sender/consent-link`, {
      provider: 'microsoft',
      mode: 'admin_consent',
      returnUrl: RETURN_URL,
    });
    expect(link.status).toBe(200);
    expect(link.body.url).toMatch(new RegExp(`^${config.publicBaseUrl}/api/oauth/start\\?state=eyJ`));
    const url = new URL(await open(link.body.url));
    expect(url.pathname).toBe('/organizations/oauth2/v2.0/authorize');
    expect(url.searchParams.get('client_id')).toBe(config.microsoft.clientId);
    expect(url.searchParams.get('scope')).toBe('openid profile');
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('response_mode')).toBe('form_post');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(url.searchParams.get('redirect_uri')).toBe(`${config.publicBaseUrl}/api/oauth/microsoft/callback`);
    expect(url.searchParams.get('state')).toMatch(/^eyJ/);
    expect(Date.parse(link.body.expiresAt) - Date.now()).toBeGreaterThan(14 * 60 * 1000);
    const consent = await followAdminConsent(link.body.url, 'admin@contoso.example', postCallback);
    expect(consent.consentUrl.pathname).toBe(`/${CONTOSO_TENANT_ID}/v2.0/adminconsent`);
    expect(consent.consentUrl.searchParams.get('scope')).toBe('https://graph.microsoft.com/.default');
    expect(consent.consentUrl.searchParams.get('state')).not.toBe(url.searchParams.get('state')); // a new single-use state
    callbackLocation = consent.callback;
    expect(callbackLocation.searchParams.get('admin_consent')).toBe('True');
    expect(callbackLocation.searchParams.get('tenant')).toBe(CONTOSO_TENANT_ID);
  });

  it('the callback confirms the tenant, stores it, and redirects to the allowed return URL', async () => {
    const answer = await callback(callbackLocation);
    expect(answer.status).toBe(303);
    const back = new URL(answer.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe(`${config.publicBaseUrl}/settings`);
    expect(Object.fromEntries(back.searchParams)).toEqual({
      tab: 'mail',
      consent: 'connected',
      provider: 'microsoft',
      orgId,
      mode: 'admin_consent',
    });
    const view = await api('GET', `orgs/${orgId}/sender`);
    expect(view.body).toMatchObject({
      provider: 'microsoft',
      mode: 'admin_consent',
      tenantId: CONTOSO_TENANT_ID,
      status: 'draft',
      locked: false,
      sendingVia: 'default',
      consentedBy: { oid: CONTOSO_USER_IDS.admin, username: 'admin@contoso.example' },
    });
  });

  it('the same callback again (replayed state) is refused with STATE_INVALID and changes nothing', async () => {
    const before = await api('GET', `orgs/${orgId}/sender`);
    const replay = await callback(callbackLocation);
    expect(replay.status).toBe(303); // the return URL is signed into the state, so the refusal goes back there
    expect(new URL(replay.headers.get('location')!).searchParams.get('code')).toBe('STATE_INVALID');
    expect((await api('GET', `orgs/${orgId}/sender`)).body.version).toBe(before.body.version);
  });

  it('save the sender email and alias, Test connection, then Save and test: exactly one message, from address and name as configured', async () => {
    const saved = await api('PUT', `orgs/${orgId}/sender`, {
      provider: 'microsoft',
      mode: 'admin_consent',
      senderEmail: 'notifications@contoso.example',
      senderName: ALIAS,
    });
    expect(saved.status).toBe(200);
    expect(saved.body.tenantId).toBe(CONTOSO_TENANT_ID); // the consent survives the save
    expect(saved.body.consentedBy).toEqual({ oid: CONTOSO_USER_IDS.admin, username: 'admin@contoso.example' });
    const verify = await api('POST', `orgs/${orgId}/sender/verify`);
    expect(verify.status).toBe(200);
    expect(verify.body).toEqual({
      ok: true,
      checks: [
        expect.objectContaining({ name: 'token', ok: true }),
        expect.objectContaining({ name: 'permission', ok: true }),
        expect.objectContaining({ name: 'mailbox', ok: true }),
        // contoso.example's DNS (the sandbox DNS server) is complete: the sender-domain warnings all pass.
        ...['spf', 'dkim', 'dmarc'].map((name) => expect.objectContaining({ name, ok: true, level: 'warning' })),
      ],
    });

    await sandboxControl('DELETE', 'messages');
    const test = await api('POST', `orgs/${orgId}/sender/test`, { to: 'it@contoso.example' });
    expect(test.status).toBe(200);
    expect(test.body.sender).toMatchObject({
      status: 'active',
      locked: true,
      sendingVia: 'org',
      lastTest: { ok: true, to: 'it@contoso.example' },
    });
    const messages = await sandboxMessages();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      mailbox: 'notifications@contoso.example',
      from: { address: 'notifications@contoso.example', name: ALIAS },
      to: ['it@contoso.example'],
    });
    expect(messages[0].subject).toContain('org-mailer test');
    expect(messages[0].subject).toContain(ALIAS);
    const body = JSON.parse(messages[0].raw).message.body.content;
    expect(body).toContain('notifications@contoso.example');
    expect(body).toContain(ALIAS);
  });

  it('the active config is locked: PUT and a new consent link answer 409 SENDER_LOCKED', async () => {
    const put = await api('PUT', `orgs/${orgId}/sender`, {
      provider: 'microsoft',
      mode: 'admin_consent',
      senderEmail: 'admin@contoso.example',
      senderName: 'Other',
    });
    expect(put.status).toBe(409);
    expect(put.body.error.code).toBe('SENDER_LOCKED');
    expect(put.body.error.hint).toMatch(/Reset/);
    expect((await api('POST', `orgs/${orgId}/sender/consent-link`, { provider: 'microsoft', mode: 'admin_consent' })).body.error.code).toBe(
      'SENDER_LOCKED',
    );
  });

  it('reset unlocks and returns the org to the default sender (the view says so)', async () => {
    const reset = await api('POST', `orgs/${orgId}/sender/reset`);
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({
      status: 'draft',
      locked: false,
      sendingVia: 'default',
      senderEmail: 'notifications@contoso.example',
    });
    expect(reset.body.notice).toMatch(/default sender/);
    expect(reset.body.tenantId).toBeUndefined();
    expect(reset.body.consentedBy).toBeUndefined();
    expect((await api('POST', `orgs/${orgId}/sender/test`, { to: 'it@contoso.example' })).body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: { consent: expect.any(String) },
    });
  });
});

describe('own app registration', () => {
  it('saves with the secret only in Key Vault, tests, locks; reset deletes the secret (the sandbox shows it gone)', async () => {
    const orgId = newOrg('app');
    const saved = await api(
      'PUT',
      `orgs/${orgId}/sender`,
      appRegistration({ clientSecretExpiresOn: '2027-05-31', mailboxObjectId: CONTOSO_USER_IDS.notifications }),
    );
    expect(saved.status).toBe(200);
    expect(saved.body.secrets).toEqual({ clientSecret: expect.stringMatching(/^saved \d{4}-\d\d-\d\d, expires 2027-05-31$/) });
    expect(saved.text).not.toContain(CONTOSO_APP_SECRET);
    const secretNameInVault = `org-${orgId}-client-secret-1`;
    expect((await vaultRows()).find((r) => r.name === secretNameInVault)).toMatchObject({ deleted: false });

    expect((await api('POST', `orgs/${orgId}/sender/verify`)).body.ok).toBe(true);
    const test = await api('POST', `orgs/${orgId}/sender/test`, { to: 'it@contoso.example' });
    expect(test.status).toBe(200);
    expect((await api('PUT', `orgs/${orgId}/sender`, appRegistration())).status).toBe(409);

    const reset = await api('POST', `orgs/${orgId}/sender/reset`);
    expect(reset.body).toMatchObject({ status: 'draft', locked: false, sendingVia: 'default', secrets: {}, clientId: CONTOSO_APP_ID });
    expect((await vaultRows()).find((r) => r.name === secretNameInVault)).toMatchObject({ deleted: true });

    // A new secret after reset goes under the next generation (the deleted name stays reserved in Key Vault).
    expect((await api('PUT', `orgs/${orgId}/sender`, appRegistration())).status).toBe(200);
    expect((await vaultRows()).find((r) => r.name === `org-${orgId}-client-secret-2`)).toMatchObject({ deleted: false });
    expect((await api('POST', `orgs/${orgId}/sender/test`, { to: 'it@contoso.example' })).status).toBe(200);
  });

  it.each([
    ['contoso-expired-secret', 'MS_SECRET_EXPIRED', { clientSecret: CONTOSO_EXPIRED_SECRET }, /expired/],
    ['a wrong secret', 'MS_SECRET_INVALID', { clientSecret: 'wrong-secret-value' }, /secret ID was pasted/],
    ['a wrong client id', 'MS_APP_NOT_IN_TENANT', { clientId: '33333333-3333-4333-8333-333333333333' }, /consent/],
    ['a wrong tenant', 'MS_TENANT_NOT_FOUND', { tenantId: '99999999-9999-4999-8999-999999999999' }, /tenant/],
    ['restricted@', 'MS_MAILBOX_ACCESS_DENIED', { senderEmail: 'restricted@contoso.example' }, /restricted@contoso\.example/],
    ['an unknown object id', 'MS_MAILBOX_NOT_FOUND', { mailboxObjectId: 'c0000000-0000-4000-8000-00000000ffff' }, /Object ID/],
    ['unlicensed@', 'MS_MAILBOX_NOT_ENABLED', { senderEmail: 'unlicensed@contoso.example' }, /licence/],
  ])('%s -> %s, with its hint in the answer and in lastError', async (_label, code, overrides, hint) => {
    const orgId = newOrg('bad');
    expect((await api('PUT', `orgs/${orgId}/sender`, appRegistration(overrides))).status).toBe(200);
    const test = await api('POST', `orgs/${orgId}/sender/test`, { to: 'it@contoso.example' });
    expect(test.status).toBe(422);
    expect(test.body.error.code).toBe(code);
    expect(test.body.error.hint).toMatch(hint);
    const view = await api('GET', `orgs/${orgId}/sender`);
    expect(view.body).toMatchObject({
      status: 'draft',
      locked: false,
      lastError: { code, hint: expect.stringMatching(hint) },
      lastTest: { ok: false, code },
    });
    const verify = await api('POST', `orgs/${orgId}/sender/verify`);
    expect(verify.body.ok).toBe(false);
    expect(verify.body.checks.find((c: { ok: boolean }) => !c.ok).code).toBe(code);
  });
});

describe('delegated sign-in, sending as a shared mailbox', () => {
  /** The consent link's sign-in as `upn`, answered by form_post: what the browser would POST to our callback. */
  async function signInForm(orgId: string, upn: string, options: { action?: 'approve' | 'deny'; returnUrl?: string } = {}) {
    const link = await api('POST', `orgs/${orgId}/sender/consent-link`, {
      provider: 'microsoft',
      mode: 'delegated',
      loginHint: upn,
      ...(options.returnUrl ? { returnUrl: options.returnUrl } : {}),
    });
    expect(link.status).toBe(200);
    const url = new URL(await open(link.body.url));
    expect(url.pathname).toBe('/organizations/oauth2/v2.0/authorize');
    expect(url.searchParams.get('response_mode')).toBe('form_post');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('scope')).toBe('openid profile email Mail.Send Mail.Send.Shared offline_access');
    const form = await followFormPostPage(link.body.url, upn, options.action);
    // The form goes to the bare redirect URI: the code travels in the body, never in a URL.
    expect(form.action.toString()).toBe(`${config.publicBaseUrl}/api/oauth/microsoft/callback`);
    return form;
  }

  async function signIn(orgId: string, upn: string): Promise<Answer> {
    const { action, fields } = await signInForm(orgId, upn);
    return postCallback(action, fields);
  }

  /** A delegated sender saved for privacy@, signed in as notifications@ (who has no Send As on it). */
  async function privacySenderSignedInAsNotifications(): Promise<string> {
    const orgId = newOrg('deleg');
    expect(
      (
        await api('PUT', `orgs/${orgId}/sender`, {
          provider: 'microsoft',
          mode: 'delegated',
          senderEmail: 'privacy@contoso.example',
          senderName: 'Contoso Privacy',
        })
      ).status,
    ).toBe(200);
    expect((await signIn(orgId, 'notifications@contoso.example')).status).toBe(200);
    refreshTokenNames.add(`org-${orgId}-refresh-token-2`);
    return orgId;
  }

  it('the code comes back by form_post: the callback takes the POST once, refuses a replay and a body that is not a form', async () => {
    const orgId = newOrg('formpost');
    const { action, fields } = await signInForm(orgId, 'admin@contoso.example');
    expect([...fields.keys()].sort()).toEqual(['code', 'session_state', 'state']);
    const notForm = await api('POST', action.pathname.replace(/^\/api\//, ''), Object.fromEntries(fields), { key: false });
    expect(notForm.status).toBe(400);
    expect(notForm.body.error.code).toBe('BAD_REQUEST');
    const page = await postCallback(action, fields);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Connected');
    expect(page.text).not.toContain(fields.get('code')!);
    const replay = await postCallback(action, fields);
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('STATE_INVALID');
    expect((await api('GET', `orgs/${orgId}/sender`)).body).toMatchObject({
      mode: 'delegated',
      accountEmail: 'admin@contoso.example',
      version: 1,
    });
    // The sign-in works: Test connection refreshes it (and rotates the refresh token).
    await api('PUT', `orgs/${orgId}/sender`, {
      provider: 'microsoft',
      mode: 'delegated',
      senderEmail: 'admin@contoso.example',
      senderName: 'Contoso',
    });
    expect((await api('POST', `orgs/${orgId}/sender/verify`)).body).toMatchObject({
      ok: true,
      checks: [{ name: 'sign-in', ok: true }, {}, {}, { name: 'spf' }, { name: 'dkim' }, { name: 'dmarc' }],
    });
    refreshTokenNames.add(`org-${orgId}-refresh-token-1`);
    secretsUsed.add(fields.get('code')!); // the final test holds every answer and log line against it
  });

  it('form_post with a return URL answers 303 to it; a declined sign-in comes back by form_post too and saves nothing', async () => {
    const orgId = newOrg('formpost');
    const connected = await signInForm(orgId, 'admin@contoso.example', { returnUrl: RETURN_URL });
    const back = await postCallback(connected.action, connected.fields);
    expect(back.status).toBe(303);
    const location = new URL(back.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(new URL(RETURN_URL).origin + new URL(RETURN_URL).pathname);
    expect(location.searchParams.get('consent')).toBe('connected');
    secretsUsed.add(connected.fields.get('code')!);

    const declinedOrg = newOrg('formpost');
    const declined = await signInForm(declinedOrg, 'admin@contoso.example', { action: 'deny' });
    expect(declined.fields.get('error')).toBe('access_denied');
    const page = await postCallback(declined.action, declined.fields);
    expect(page.status).toBe(400);
    expect(page.text).toContain('CONSENT_DECLINED');
    expect((await api('GET', `orgs/${declinedOrg}/sender`)).status).toBe(404);
  });

  it('admin@ signs in, the sender is the shared mailbox privacy@: test send goes out from privacy@', async () => {
    const orgId = newOrg('deleg');
    const page = await signIn(orgId, 'admin@contoso.example');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Connected');
    expect(page.text).toContain('admin@contoso.example');
    const view = await api('GET', `orgs/${orgId}/sender`);
    expect(view.body).toMatchObject({
      mode: 'delegated',
      accountEmail: 'admin@contoso.example',
      senderEmail: 'admin@contoso.example',
      tenantId: CONTOSO_TENANT_ID,
    });
    expect(view.body.secrets.refreshToken).toMatch(/sign-in of admin@contoso.example/);
    refreshTokenNames.add(`org-${orgId}-refresh-token-1`);

    expect(
      (
        await api('PUT', `orgs/${orgId}/sender`, {
          provider: 'microsoft',
          mode: 'delegated',
          senderEmail: 'privacy@contoso.example',
          senderName: 'Contoso Privacy',
        })
      ).status,
    ).toBe(200);
    const verify = await api('POST', `orgs/${orgId}/sender/verify`);
    expect(verify.body.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([
      ['sign-in', true],
      ['permission', true],
      ['mailbox', true],
      ['send-as', false],
      ['spf', true],
      ['dkim', true],
      ['dmarc', true],
    ]);
    // Send As cannot be proven without sending: skipped, saying why and what proves it.
    expect(verify.body.checks.find((c: { name: string }) => c.name === 'send-as')).toMatchObject({
      skipped: true,
      message: expect.stringMatching(
        /^Not checked: whether admin@contoso\.example may send as privacy@contoso\.example shows only when a message is sent.*Save and test/,
      ),
    });
    expect(verify.body.ok).toBe(true);
    await sandboxControl('DELETE', 'messages');
    expect((await api('POST', `orgs/${orgId}/sender/test`, { to: 'dpo@example.com' })).status).toBe(200);
    const [message] = await sandboxMessages();
    expect(message.from).toEqual({ address: 'privacy@contoso.example', name: 'Contoso Privacy' });
  });

  it('a user whose UPN is not its email: the default sender address is the primary SMTP address (ID token `email`), and the test send goes out from it', async () => {
    const orgId = newOrg('deleg');
    expect((await signIn(orgId, 'j.doe@contoso.onmicrosoft.example')).status).toBe(200);
    refreshTokenNames.add(`org-${orgId}-refresh-token-1`);
    const view = await api('GET', `orgs/${orgId}/sender`);
    expect(view.body).toMatchObject({
      mode: 'delegated',
      senderEmail: 'jane.doe@contoso.example',
      accountEmail: 'jane.doe@contoso.example',
      consentedBy: { username: 'j.doe@contoso.onmicrosoft.example' },
    });
    expect(
      (
        await api('PUT', `orgs/${orgId}/sender`, {
          provider: 'microsoft',
          mode: 'delegated',
          senderEmail: view.body.senderEmail,
          senderName: 'Jane Doe',
        })
      ).status,
    ).toBe(200);
    const verify = await api('POST', `orgs/${orgId}/sender/verify`);
    expect(verify.body.checks.map((c: { name: string }) => c.name)).not.toContain('send-as'); // her own mailbox
    expect(verify.body.checks.find((c: { name: string }) => c.name === 'mailbox')).toMatchObject({ ok: true });
    await sandboxControl('DELETE', 'messages');
    const test = await api('POST', `orgs/${orgId}/sender/test`, { to: 'it@contoso.example' });
    expect(test.status).toBe(200);
    const [message] = await sandboxMessages();
    expect(message).toMatchObject({
      mailbox: 'j.doe@contoso.onmicrosoft.example',
      from: { address: 'jane.doe@contoso.example', name: 'Jane Doe' },
    });
  });

  it('a user without Send As on privacy@ -> MS_SEND_AS_DENIED with a hint naming both', async () => {
    const orgId = await privacySenderSignedInAsNotifications();
    expect((await api('GET', `orgs/${orgId}/sender`)).body.senderEmail).toBe('privacy@contoso.example'); // the saved address wins
    const test = await api('POST', `orgs/${orgId}/sender/test`, { to: 'dpo@example.com' });
    expect(test.status).toBe(422);
    expect(test.body.error.code).toBe('MS_SEND_AS_DENIED');
    expect(test.body.error.hint).toContain('notifications@contoso.example may not send as privacy@contoso.example');
  });

  it('where Exchange refuses a recipient-less message before checking Send As, Test connection claims nothing (send-as skipped) and Save and test still finds ErrorSendAsDenied', async () => {
    const orgId = await privacySenderSignedInAsNotifications();
    await sandboxControl('POST', 'graph/check-order', { recipientsFirst: true });
    try {
      const verify = await api('POST', `orgs/${orgId}/sender/verify`);
      const sendAs = verify.body.checks.find((c: { name: string }) => c.name === 'send-as');
      expect(sendAs).toMatchObject({ ok: false, skipped: true });
      expect(sendAs.code).toBeUndefined();
      const test = await api('POST', `orgs/${orgId}/sender/test`, { to: 'dpo@example.com' });
      expect(test.status).toBe(422);
      expect(test.body.error.code).toBe('MS_SEND_AS_DENIED');
    } finally {
      await sandboxControl('POST', 'graph/check-order', { recipientsFirst: false });
    }
  });
});

describe('bad input gets a clear error and changes nothing', () => {
  it('PUT: 422 with fields for unknown provider/mode, missing fields, malformed GUIDs, a non-address, an alias with CR/LF, a secret over 1 KB', async () => {
    const orgId = newOrg('bad-input');
    const cases: Array<[unknown, string[]]> = [
      [{ ...appRegistration(), provider: 'yahoo' }, ['provider']],
      [{ ...appRegistration(), mode: 'smtp' }, ['mode']],
      [{ provider: 'microsoft', mode: 'app_registration' }, ['clientId', 'senderEmail', 'senderName', 'tenantId']],
      [appRegistration({ tenantId: 'contoso', clientId: '1234' }), ['clientId', 'tenantId']],
      [appRegistration({ senderEmail: 'notifications' }), ['senderEmail']],
      [appRegistration({ senderName: 'Contoso\r\nBcc: x@example.com' }), ['senderName']],
      [appRegistration({ clientSecret: 's'.repeat(1025) }), ['clientSecret']],
      [appRegistration({ clientSecretExpiresOn: 'next year' }), ['clientSecretExpiresOn']],
    ];
    for (const [body, fields] of cases) {
      const answer = await api('PUT', `orgs/${orgId}/sender`, body);
      expect(answer.status).toBe(422);
      expect(answer.body.error.code).toBe('VALIDATION_FAILED');
      expect(Object.keys(answer.body.error.fields).sort()).toEqual(fields);
    }
    expect((await api('GET', `orgs/${orgId}/sender`)).status).toBe(404);
    expect((await vaultRows()).some((r) => r.name.startsWith(`org-${orgId}-`))).toBe(false);
  });

  it('no function key -> 401; a malformed org id -> 400; a body that is not JSON -> 400', async () => {
    expect((await api('GET', 'orgs/acme/sender', undefined, { key: false })).status).toBe(401);
    const badOrg = await api('GET', 'orgs/Not_Valid/sender');
    expect(badOrg.status).toBe(400);
    expect(badOrg.body.error.fields).toHaveProperty('orgId');
    const notJson = await api('PUT', `orgs/${newOrg('x')}/sender`, undefined, { raw: '{"provider":' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('BAD_REQUEST');
  });

  it('a return URL outside the allowlist -> 400; a mode without consent -> 422', async () => {
    const orgId = newOrg('link');
    const outside = await api('POST', `orgs/${orgId}/sender/consent-link`, {
      provider: 'microsoft',
      mode: 'admin_consent',
      returnUrl: 'https://evil.example/steal',
    });
    expect(outside.status).toBe(400);
    expect(outside.body.error.code).toBe('RETURN_URL_NOT_ALLOWED');
    const noConsent = await api('POST', `orgs/${orgId}/sender/consent-link`, { provider: 'microsoft', mode: 'app_registration' });
    expect(noConsent.status).toBe(422);
    expect(noConsent.body.error.fields).toHaveProperty('mode');
  });

  it('consent declined (error=access_denied) -> a clear "consent was declined" page, nothing stored', async () => {
    const orgId = newOrg('declined');
    const link = await api('POST', `orgs/${orgId}/sender/consent-link`, { provider: 'microsoft', mode: 'admin_consent' });
    const { callback: location } = await followAdminConsent(link.body.url, 'admin@contoso.example', postCallback, { action: 'deny' });
    expect(location.searchParams.get('error')).toBe('access_denied');
    const page = await callback(location);
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain('Consent was declined');
    expect(page.text).toContain('CONSENT_DECLINED');
    expect((await api('GET', `orgs/${orgId}/sender`)).status).toBe(404);
  });

  it('a tampered state, an expired state and a missing state -> 400, nothing stored', async () => {
    const orgId = newOrg('tamper');
    const link = await api('POST', `orgs/${orgId}/sender/consent-link`, { provider: 'microsoft', mode: 'admin_consent' });
    const { callback: location } = await followAdminConsent(link.body.url, 'admin@contoso.example', postCallback);
    const state = location.searchParams.get('state')!;
    const [header, payload, signature] = state.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const forged = new URL(location);
    forged.searchParams.set(
      'state',
      `${header}.${Buffer.from(JSON.stringify({ ...claims, org: newOrg('victim') })).toString('base64url')}.${signature}`,
    );
    const tampered = await callback(forged);
    expect(tampered.status).toBe(400);
    expect(tampered.text).toContain('STATE_INVALID');

    const expired = new URL(location);
    expired.searchParams.set(
      'state',
      await signState(
        { orgId, provider: 'microsoft', mode: 'admin_consent', nonce: claims.jti },
        config.stateSigningKey,
        Date.now() - 20 * 60 * 1000,
      ),
    );
    expect((await callback(expired)).status).toBe(400);

    const missing = new URL(location);
    missing.searchParams.delete('state');
    expect((await callback(missing)).status).toBe(400);
    expect((await api('GET', `orgs/${orgId}/sender`)).status).toBe(404);
    // The genuine answer still works once: nothing above consumed it.
    expect((await callback(location)).status).toBe(200);
    expect((await api('GET', `orgs/${orgId}/sender`)).body.tenantId).toBe(CONTOSO_TENANT_ID);
  });

  it("a state for another provider's callback is refused", async () => {
    const orgId = newOrg('cross');
    const link = await api('POST', `orgs/${orgId}/sender/consent-link`, { provider: 'microsoft', mode: 'admin_consent' });
    const { callback: location } = await followAdminConsent(link.body.url, 'admin@contoso.example', postCallback);
    const google = new URL(location);
    google.pathname = '/api/oauth/google/callback';
    expect((await callback(google)).status).toBe(400);
    expect((await api('GET', `orgs/${orgId}/sender`)).status).toBe(404);
  });

  it('DELETE removes the config and its secrets', async () => {
    const orgId = newOrg('gone');
    await api('PUT', `orgs/${orgId}/sender`, appRegistration());
    expect((await api('DELETE', `orgs/${orgId}/sender`)).status).toBe(204);
    expect((await api('GET', `orgs/${orgId}/sender`)).body.error.code).toBe('SENDER_NOT_FOUND');
    expect((await vaultRows()).find((r) => r.name === `org-${orgId}-client-secret-1`)).toMatchObject({ deleted: true });
    expect((await api('DELETE', `orgs/${orgId}/sender`)).status).toBe(204);
  });
});

describe('secrets never leave', () => {
  it('no secret value appears in any API answer or in anything logged during this file', async () => {
    // Every version of every refresh token (the first one and each rotation), read straight from the vault.
    const vault = new SecretClient(config.keyVaultUrl, createAppCredential(config), { disableChallengeResourceVerification: true });
    const rows = await vaultRows();
    for (const name of refreshTokenNames) {
      const row = rows.find((r) => r.name === name)!;
      expect(row.versions.length).toBeGreaterThan(1); // rotated at least once
      for (const version of row.versions) secretsUsed.add((await vault.getSecret(name, { version })).value!);
    }
    const everything = transcript.join('\n');
    expect(everything.length).toBeGreaterThan(1000);
    for (const secret of secretsUsed) expect(everything).not.toContain(secret);
    // No access token, id token or signed assertion either (the consent state is the one JWT the API hands out).
    const jwts = everything.match(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/g) ?? [];
    for (const jwt of jwts) {
      // Our own HS256 states only: an Entra ID token or access token (RS256) would fail here.
      expect(JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString()).alg).toBe('HS256');
      expect(JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()).aud).toBe('org-mailer/oauth-callback');
    }
  });
});
