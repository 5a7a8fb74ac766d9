/**
 * Google senders end to end through the HTTP API of the local Functions host: PUT, consent link,
 * the sandbox's Google pages, the callback, Test connection, Save and test, and a queued message
 * delivered by the outbox worker; Azurite, the sandbox Key Vault, Google OAuth and Gmail underneath.
 */
import { defaultBrowser, useConsentHost } from '../support/consentBrowser';
import { randomBytes } from 'node:crypto';
import { startLocalHost, type LocalHost } from '../../dev/host/localHost';
import { acceptedMessages, gmailRequests, newOrgId, sandboxControl } from './google-helpers';
import { waitFor } from './delivery-helpers';

const KEY = process.env.LOCAL_FUNCTION_KEY!;
const SECRET_PATTERNS = [/1\/\/0g[\w-]{10,}/, /ya29\.[\w-]{10,}/, /BEGIN PRIVATE KEY/, /platform-google-secret/];

let host: LocalHost;
const logs: string[] = [];
/** Every API answer body, to hold against SECRET_PATTERNS. */
const answers: string[] = [];

beforeAll(async () => {
  host = await startLocalHost({ port: 0, timers: false, queueSettings: { maxPollingIntervalMs: 200 }, log: (line) => logs.push(line) });
  useConsentHost(() => host.url);
});
afterAll(() => host?.close());
beforeEach(() => sandboxControl('POST', 'reset'));

/** Requests that reached Gmail's send endpoint (JSON or upload), accepted or not. */
const gmailSendRequests = async () => (await gmailRequests()).filter((r) => r.path.endsWith('/messages/send')).length;

async function api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${host.url}/api/${path}`, {
    method,
    headers: { 'x-functions-key': KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  answers.push(text);
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Follows a consent link as the scripted user, then the redirect to our callback (on this host's port). */
async function consentThroughBrowser(url: string, email: string, action: 'approve' | 'deny' = 'approve') {
  const link = new URL(await defaultBrowser.open(url));
  const google = new URL(link);
  google.searchParams.set('login_hint', email);
  google.searchParams.set('sandbox_action', action);
  const toCallback = await fetch(google, { redirect: 'manual' });
  expect(toCallback.status).toBe(302);
  const callback = new URL(toCallback.headers.get('location')!);
  expect(callback.pathname).toBe('/api/oauth/google/callback');
  const answer = async () => {
    // The same browser comes back, and confirms on our confirmation page.
    const response = await defaultBrowser.answer(await defaultBrowser.request('GET', callback.pathname + callback.search));
    answers.push(response.text);
    return { status: response.status, text: response.text };
  };
  return { link, first: await answer(), again: answer };
}

/** Saves an oauth sender, then alerts@ consents through the link (`aliasCheck`: the consent-link option). */
async function oauthSender(orgId: string, senderEmail: string, senderName: string, options: { aliasCheck?: boolean } = {}) {
  expect((await api('PUT', `orgs/${orgId}/sender`, { provider: 'google', mode: 'oauth', senderEmail, senderName })).status).toBe(200);
  const link = await api<{ url: string }>('POST', `orgs/${orgId}/sender/consent-link`, {
    provider: 'google',
    mode: 'oauth',
    loginHint: 'alerts@fabrikam.example',
    ...options,
  });
  expect(link.status).toBe(200);
  return consentThroughBrowser(link.body.url, 'alerts@fabrikam.example');
}

const SETTINGS_SCOPE = 'https://www.googleapis.com/auth/gmail.settings.basic';
const checkNamed = (checks: Array<{ name: string }>, name: string) => checks.find((c) => c.name === name);

describe('Google senders through the HTTP API', () => {
  it('oauth as alerts@: consent, verify, Save and test, then a queued message arrives exactly as sent', async () => {
    const orgId = newOrgId('fabrikam');
    const { first, again } = await oauthSender(orgId, 'alerts@fabrikam.example', 'Fabrikam Alerts');
    expect(first.status).toBe(200);
    expect(first.text).toContain('Signed in as alerts@fabrikam.example');

    const view = await api('GET', `orgs/${orgId}/sender`);
    expect(view.body).toMatchObject({
      provider: 'google',
      mode: 'oauth',
      senderEmail: 'alerts@fabrikam.example',
      accountEmail: 'alerts@fabrikam.example',
      status: 'draft',
    });
    expect(view.body.secrets.refreshToken).toMatch(/sign-in of alerts@fabrikam\.example/);

    // The callback's state is single-use: replaying it changes nothing.
    const replay = await again();
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('STATE_INVALID');
    expect((await api('GET', `orgs/${orgId}/sender`)).body.version).toBe(view.body.version);

    const verify = await api('POST', `orgs/${orgId}/sender/verify`);
    // No check failed (ok), but the mailbox is not claimed: gmail.send cannot read it. fabrikam.example's
    // DNS (sandbox) lacks Google's SPF include and a DMARC record: warnings with the records to add.
    expect(verify.body).toMatchObject({
      ok: true,
      checks: [
        { name: 'token', ok: true },
        { name: 'scope', ok: true },
        { name: 'mailbox', ok: false, skipped: true },
        { name: 'spf', ok: false, level: 'warning', code: 'DOMAIN_SPF_PROVIDER_MISSING' },
        { name: 'dkim', ok: true },
        { name: 'dmarc', ok: false, level: 'warning', code: 'DOMAIN_DMARC_MISSING' },
      ],
    });
    const warnings = (await api('GET', `orgs/${orgId}/sender`)).body.warnings;
    expect(warnings.map((w: { code: string }) => w.code)).toEqual(['DOMAIN_SPF_PROVIDER_MISSING', 'DOMAIN_DMARC_MISSING']);
    expect(warnings[0].hint).toContain('include:_spf.google.com');

    const test = await api('POST', `orgs/${orgId}/sender/test`, { to: 'it@example.com' });
    expect(test.status).toBe(200);
    expect(test.body.sender).toMatchObject({ status: 'active', locked: true });
    const [testMessage, ...none] = await acceptedMessages();
    expect(none).toHaveLength(0);
    expect(testMessage.parsed.from?.value).toEqual([{ address: 'alerts@fabrikam.example', name: 'Fabrikam Alerts' }]);
    expect(testMessage.parsed.text).toContain('Sender alias: Fabrikam Alerts');
    expect(testMessage.parsed.html).toContain('Fabrikam Alerts');
    expect(testMessage.parsed.headers.get('x-org-mailer-test')).toBe('sender-test');

    const attachment = randomBytes(50_000);
    const queued = await api('POST', `orgs/${orgId}/messages`, {
      id: 'invoice-2026-0042',
      to: [{ address: 'kunde@example.com', name: 'Kundin Ä' }],
      subject: 'Ihre Rechnung – Überblick ✓',
      text: 'Guten Tag, anbei Ihre Rechnung.',
      html: '<p>Guten Tag, anbei <i>Ihre</i> Rechnung.</p>',
      attachments: [{ name: 'rechnung.pdf', contentType: 'application/pdf', contentBase64: attachment.toString('base64') }],
      headers: { 'X-Entity-Ref-ID': 'inv-42' },
    });
    expect(queued.status).toBe(202);
    // The per-mailbox schedule may hide the message for a slot (at least a second): wait for it.
    const status = await waitFor('invoice-2026-0042 sent', async () => {
      await host.drain();
      const current = await api('GET', `orgs/${orgId}/messages/invoice-2026-0042`);
      return current.body.status === 'sent' || current.body.status === 'failed' ? current : undefined;
    });
    expect(status.body.status).toBe('sent');
    const delivered = (await acceptedMessages())[1];
    expect(delivered.parsed.from?.value).toEqual([{ address: 'alerts@fabrikam.example', name: 'Fabrikam Alerts' }]);
    expect(delivered.parsed.subject).toBe('Ihre Rechnung – Überblick ✓');
    expect(delivered.parsed.text?.trim()).toBe('Guten Tag, anbei Ihre Rechnung.');
    expect(delivered.parsed.html).toContain('<i>Ihre</i>');
    expect(delivered.parsed.attachments).toHaveLength(1);
    expect(Buffer.compare(delivered.parsed.attachments[0].content, attachment)).toBe(0);
    expect(delivered.parsed.headers.get('x-entity-ref-id')).toBe('inv-42');

    for (const text of [...answers, ...logs]) for (const pattern of SECRET_PATTERNS) expect(text).not.toMatch(pattern);
  });

  it('a declined consent is reported and saves nothing', async () => {
    const orgId = newOrgId('declined');
    await api('PUT', `orgs/${orgId}/sender`, {
      provider: 'google',
      mode: 'oauth',
      senderEmail: 'alerts@fabrikam.example',
      senderName: 'Alerts',
    });
    const link = await api<{ url: string }>('POST', `orgs/${orgId}/sender/consent-link`, { provider: 'google', mode: 'oauth' });
    const before = (await api('GET', `orgs/${orgId}/sender`)).body;
    const { first } = await consentThroughBrowser(link.body.url, 'alerts@fabrikam.example', 'deny');
    expect(first.status).toBe(400);
    expect(first.text).toContain('CONSENT_DECLINED');
    const after = (await api('GET', `orgs/${orgId}/sender`)).body;
    expect(after).toEqual(before);
  });

  it('unverified@ with gmail.send only: Test connection says it could not check, Save and test refuses, nothing is sent', async () => {
    const orgId = newOrgId('alias');
    const { link } = await oauthSender(orgId, 'unverified@fabrikam.example', 'Fabrikam');
    expect(link.searchParams.get('scope')).not.toContain(SETTINGS_SCOPE);
    const verify = await api('POST', `orgs/${orgId}/sender/verify`);
    expect(verify.body.ok).toBe(false);
    const alias = verify.body.checks.find((c: { name: string }) => c.name === 'alias');
    expect(alias).toMatchObject({ ok: false, code: 'GOOGLE_ALIAS_NOT_VERIFIED' });
    expect(alias.hint).toContain('https://www.googleapis.com/auth/gmail.settings.basic');
    const test = await api('POST', `orgs/${orgId}/sender/test`, { to: 'it@example.com' });
    expect(test.status).toBe(422);
    expect(test.body.error.code).toBe('GOOGLE_ALIAS_NOT_VERIFIED');
    expect(await acceptedMessages()).toHaveLength(0);
    expect((await api('GET', `orgs/${orgId}/sender`)).body).toMatchObject({
      status: 'draft',
      locked: false,
      lastError: { code: 'GOOGLE_ALIAS_NOT_VERIFIED' },
    });
  });

  it('aliasCheck: the consent asks for gmail.settings.basic; Test connection sees noreply@ verified and Save and test sends as it', async () => {
    const orgId = newOrgId('alias');
    const { link, first } = await oauthSender(orgId, 'noreply@fabrikam.example', 'Fabrikam', { aliasCheck: true });
    expect(link.searchParams.get('scope')?.split(' ')).toEqual(
      expect.arrayContaining(['https://www.googleapis.com/auth/gmail.send', SETTINGS_SCOPE]),
    );
    expect(link.searchParams.get('include_granted_scopes')).toBe('true');
    expect(first.status).toBe(200);
    expect((await api('GET', `orgs/${orgId}/sender`)).body).toMatchObject({
      senderEmail: 'noreply@fabrikam.example',
      accountEmail: 'alerts@fabrikam.example',
    });

    const verify = await api('POST', `orgs/${orgId}/sender/verify`);
    expect(verify.body.ok).toBe(true);
    expect(checkNamed(verify.body.checks, 'alias')).toMatchObject({
      ok: true,
      message: expect.stringContaining('noreply@fabrikam.example is a verified send-as alias'),
    });

    const test = await api('POST', `orgs/${orgId}/sender/test`, { to: 'it@example.com' });
    expect(test.status).toBe(200);
    const [sent, ...none] = await acceptedMessages();
    expect(none).toHaveLength(0);
    // Gmail rewrites an unverified From to the account's address: noreply@ arriving proves it was sent as the alias.
    expect(sent.mailbox).toBe('alerts@fabrikam.example');
    expect(sent.parsed.from?.value).toEqual([{ address: 'noreply@fabrikam.example', name: 'Fabrikam' }]);
  });

  it('aliasCheck with unverified@ (pending): Test connection and Save and test refuse with GOOGLE_ALIAS_NOT_VERIFIED; no message goes out', async () => {
    const orgId = newOrgId('alias');
    await oauthSender(orgId, 'unverified@fabrikam.example', 'Fabrikam', { aliasCheck: true });
    const verify = await api('POST', `orgs/${orgId}/sender/verify`);
    expect(verify.body.ok).toBe(false);
    const alias = checkNamed(verify.body.checks, 'alias');
    expect(alias).toMatchObject({ ok: false, code: 'GOOGLE_ALIAS_NOT_VERIFIED', message: expect.stringContaining('pending') });
    const test = await api('POST', `orgs/${orgId}/sender/test`, { to: 'it@example.com' });
    expect(test.status).toBe(422);
    expect(test.body.error.code).toBe('GOOGLE_ALIAS_NOT_VERIFIED');
    expect(await sandboxControl('GET', 'messages')).toEqual([]);
    expect(await gmailSendRequests()).toBe(0);
  });

  it('aliasCheck is validated: a boolean, and only for Google sign-in', async () => {
    const orgId = newOrgId('alias');
    const notBoolean = await api('POST', `orgs/${orgId}/sender/consent-link`, { provider: 'google', mode: 'oauth', aliasCheck: 'yes' });
    expect(notBoolean.status).toBe(422);
    expect(notBoolean.body.error.fields).toHaveProperty('aliasCheck');
    const microsoft = await api('POST', `orgs/${orgId}/sender/consent-link`, {
      provider: 'microsoft',
      mode: 'admin_consent',
      aliasCheck: true,
    });
    expect(microsoft.status).toBe(422);
    expect(microsoft.body.error.fields).toHaveProperty('aliasCheck');
  });

  it('service account re-save: the key may be left out once one is saved; it is still validated when given', async () => {
    const orgId = newOrgId('sa');
    const sender = { provider: 'google', mode: 'service_account', senderEmail: 'alerts@fabrikam.example', senderName: 'Fabrikam Alerts' };
    const first = await api('PUT', `orgs/${orgId}/sender`, sender);
    expect(first.status).toBe(422);
    expect(first.body.error.fields.serviceAccountKey).toMatch(/required/);

    const key = await sandboxControl<Record<string, string>>(
      'GET',
      'google/service-accounts/mailer@fabrikam-project.iam.gserviceaccount.com/key',
    );
    const saved = (await api('PUT', `orgs/${orgId}/sender`, { ...sender, serviceAccountKey: key })).body;
    const resaved = await api('PUT', `orgs/${orgId}/sender`, { ...sender, senderName: 'Fabrikam Notices' });
    expect(resaved.status).toBe(200);
    expect(resaved.body).toMatchObject({
      senderName: 'Fabrikam Notices',
      version: saved.version + 1,
      accountEmail: saved.accountEmail,
      clientId: saved.clientId,
      secrets: saved.secrets,
    });
    expect((await api('POST', `orgs/${orgId}/sender/test`, { to: 'it@example.com' })).status).toBe(200);
    expect((await acceptedMessages()).map((m) => m.parsed.from?.value[0])).toEqual([
      { address: 'alerts@fabrikam.example', name: 'Fabrikam Notices' },
    ]);

    await api('POST', `orgs/${orgId}/sender/reset`);
    const wrongKey = await api('PUT', `orgs/${orgId}/sender`, { ...sender, serviceAccountKey: { ...key, type: 'authorized_user' } });
    expect(wrongKey.status).toBe(422);
    expect(wrongKey.body.error.fields).toHaveProperty('serviceAccountKey');
    // Reset deleted the key: a PUT without one is incomplete again.
    expect((await api('PUT', `orgs/${orgId}/sender`, sender)).body.error.fields.serviceAccountKey).toMatch(/required/);
  });

  it('service account: a delegated key sends; a key without delegation gets the Admin console fix; a wrong file saves nothing', async () => {
    const key = (email: string) => sandboxControl<Record<string, string>>('GET', `google/service-accounts/${email}/key`);
    const delegated = newOrgId('sa');
    const put = await api('PUT', `orgs/${delegated}/sender`, {
      provider: 'google',
      mode: 'service_account',
      senderEmail: 'alerts@fabrikam.example',
      senderName: 'Fabrikam Alerts',
      serviceAccountKey: await key('mailer@fabrikam-project.iam.gserviceaccount.com'),
    });
    expect(put.status).toBe(200);
    expect((await api('POST', `orgs/${delegated}/sender/verify`)).body).toMatchObject({ ok: true });
    expect((await api('POST', `orgs/${delegated}/sender/test`, { to: 'it@example.com' })).status).toBe(200);
    expect((await acceptedMessages()).map((m) => m.parsed.from?.value[0].address)).toEqual(['alerts@fabrikam.example']);

    const undelegated = newOrgId('sa');
    await api('PUT', `orgs/${undelegated}/sender`, {
      provider: 'google',
      mode: 'service_account',
      senderEmail: 'alerts@fabrikam.example',
      senderName: 'Fabrikam Alerts',
      serviceAccountKey: JSON.stringify(await key('nodelegation@fabrikam-project.iam.gserviceaccount.com')),
    });
    const verify = await api('POST', `orgs/${undelegated}/sender/verify`);
    expect(verify.body.checks[0]).toMatchObject({ ok: false, code: 'GOOGLE_DELEGATION_NOT_AUTHORIZED' });
    expect(verify.body.checks[0].hint).toContain('104118754880926455302');
    const test = await api('POST', `orgs/${undelegated}/sender/test`, { to: 'it@example.com' });
    expect(test.status).toBe(422);
    expect(test.body.error.code).toBe('GOOGLE_DELEGATION_NOT_AUTHORIZED');

    const wrong = newOrgId('sa');
    const refused = await api('PUT', `orgs/${wrong}/sender`, {
      provider: 'google',
      mode: 'service_account',
      senderEmail: 'alerts@fabrikam.example',
      senderName: 'x',
      serviceAccountKey: { type: 'authorized_user', client_id: 'x', client_secret: 'y', refresh_token: 'z' },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.fields.serviceAccountKey).toBeDefined();
    expect((await api('GET', `orgs/${wrong}/sender`)).status).toBe(404);

    for (const text of [...answers, ...logs]) for (const pattern of SECRET_PATTERNS) expect(text).not.toMatch(pattern);
  });
});
