/**
 * Honest Google Test connection checks, against the sandbox's Google OAuth and Gmail: a check is ok
 * only when it saw success. `nogmail@` (Gmail disabled) through a service account gets a token (the
 * delegation works), but gmail.send cannot read a mailbox, so the mailbox check is skipped with the
 * reason, and only Save and test shows GOOGLE_GMAIL_DISABLED. With gmail.settings.basic granted, the
 * mailbox check reads the send-as settings: ok for alerts@, GOOGLE_GMAIL_DISABLED for nogmail@. And the
 * Google keep-alive: a real refresh each time, GOOGLE_REAUTH_REQUIRED once the grant is revoked.
 */
import { startLocalHost, type LocalHost } from '../../dev/host/localHost';
import { createGmailProvider } from '@shared/providers/google/gmailProvider';
import { config, consent, grantEarlier, newOrgId, oauthSender, sandboxControl, secrets, SETTINGS_SCOPE } from './google-helpers';

const KEY = process.env.LOCAL_FUNCTION_KEY!;
let host: LocalHost;

beforeAll(async () => {
  host = await startLocalHost({ port: 0, timers: false, log: () => undefined });
});
afterAll(() => host?.close());
beforeEach(() => sandboxControl('POST', 'reset'));

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${host.url}/api/${path}`, {
    method,
    headers: { 'x-functions-key': KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

describe('honest mailbox checks', () => {
  it('nogmail@ via a service account: Test connection does not say ok for the mailbox; Save and test fails GOOGLE_GMAIL_DISABLED', async () => {
    const orgId = newOrgId('nogmail');
    const key = await sandboxControl<Record<string, string>>(
      'GET',
      'google/service-accounts/mailer@fabrikam-project.iam.gserviceaccount.com/key',
    );
    const put = await api('PUT', `orgs/${orgId}/sender`, {
      provider: 'google',
      mode: 'service_account',
      senderEmail: 'nogmail@fabrikam.example',
      senderName: 'No Gmail',
      serviceAccountKey: key,
    });
    expect(put.status).toBe(200);

    const verify = await api('POST', `orgs/${orgId}/sender/verify`);
    expect(verify.status).toBe(200);
    const [token, mailbox] = verify.body.checks;
    expect(token).toMatchObject({ name: 'token', ok: true });
    expect(mailbox).toMatchObject({ name: 'mailbox', ok: false, skipped: true });
    expect(mailbox.message).toMatch(/^Not checked: .*gmail\.send only.*Save and test/);
    expect(verify.body.checks.filter((c: { ok: boolean; skipped?: boolean; level?: string }) => !c.ok && !c.skipped && !c.level)).toEqual(
      [],
    );

    const test = await api('POST', `orgs/${orgId}/sender/test`, { to: 'it@example.com' });
    expect(test.status).toBe(422);
    expect(test.body.error.code).toBe('GOOGLE_GMAIL_DISABLED');
    expect((await api('GET', `orgs/${orgId}/sender`)).body).toMatchObject({
      status: 'draft',
      lastTest: { ok: false, code: 'GOOGLE_GMAIL_DISABLED' },
    });
  });

  it('with gmail.settings.basic granted, the mailbox check reads Gmail: ok for alerts@, GOOGLE_GMAIL_DISABLED for nogmail@', async () => {
    for (const [email, expected] of [
      [
        'alerts@fabrikam.example',
        { name: 'mailbox', ok: true, message: expect.stringContaining('Gmail answered for alerts@fabrikam.example') },
      ],
      ['nogmail@fabrikam.example', { name: 'mailbox', ok: false, code: 'GOOGLE_GMAIL_DISABLED' }],
    ] as const) {
      await grantEarlier(email, SETTINGS_SCOPE);
      const { complete } = await consent(email);
      const sender = await oauthSender(await complete());
      const checks = await createGmailProvider(sender, { config, secrets }).verify();
      expect(checks.find((c) => c.name === 'mailbox')).toMatchObject(expected);
    }
  });
});

describe('Google keep-alive', () => {
  it('keepAlive() redeems the refresh token now; once revoked, it throws GOOGLE_REAUTH_REQUIRED', async () => {
    const { complete } = await consent('alerts@fabrikam.example');
    const sender = await oauthSender(await complete());
    const gmail = createGmailProvider(sender, { config, secrets });
    const grants = async () => (await sandboxControl<Array<{ path: string }>>('GET', 'requests')).filter((r) => r.path === '/token').length;
    const before = await grants();
    await expect(gmail.keepAlive!()).resolves.toBe(true);
    await expect(gmail.keepAlive!()).resolves.toBe(true);
    expect(await grants()).toBe(before + 2); // each call asks Google, never a cached access token
    await sandboxControl('POST', 'google/users/alerts@fabrikam.example/revoke-grants');
    await expect(gmail.keepAlive!()).rejects.toMatchObject({ code: 'GOOGLE_REAUTH_REQUIRED' });
  });

  it('a service account has no refresh token to keep alive', async () => {
    const { serviceAccountSender } = await import('./google-helpers');
    const gmail = createGmailProvider(
      await serviceAccountSender('mailer@fabrikam-project.iam.gserviceaccount.com', 'alerts@fabrikam.example'),
      { config, secrets },
    );
    await expect(gmail.keepAlive!()).resolves.toBe(false);
  });
});
