/**
 * The Gmail provider at provider level: real @googleapis/gmail + google-auth-library against the
 * sandbox's Google OAuth and Gmail, secrets in the sandbox Key Vault through the real SecretStore.
 */
import { randomBytes } from 'node:crypto';
import { createGmailProvider } from '@shared/providers/google/gmailProvider';
import type { SenderConfig } from '@shared/model/sender';
import {
  acceptedMessages,
  config,
  consent,
  failure,
  gmailRequests,
  grantEarlier,
  mail,
  oauthSender,
  sandboxControl,
  secrets,
  serviceAccountSender,
  SETTINGS_SCOPE,
  tokenRequestCount,
} from './google-helpers';

const provider = (sender: SenderConfig) => createGmailProvider(sender, { config, secrets });

async function alertsSender(fields: Partial<SenderConfig> = {}): Promise<SenderConfig> {
  const { complete } = await consent('alerts@fabrikam.example');
  return oauthSender(await complete(), fields);
}

beforeEach(() => sandboxControl('POST', 'reset'));

describe('Gmail provider, oauth mode', () => {
  it('verifies, then sends one message that arrives exactly as composed', async () => {
    const gmail = provider(await alertsSender({ replyTo: 'support@fabrikam.example' }));
    const checks = await gmail.verify();
    // gmail.send alone cannot read the mailbox: the mailbox check says so instead of claiming ok.
    expect(checks.map((c) => [c.name, c.ok, c.skipped])).toEqual([
      ['token', true, undefined],
      ['scope', true, undefined],
      ['mailbox', false, true],
    ]);

    const pdf = randomBytes(20_000);
    const receipt = await gmail.send(
      mail({
        id: 'welcome-1',
        to: [{ address: 'jürgen@example.com', name: 'Jürgen Müller' }],
        bcc: [{ address: 'audit@example.com' }],
        subject: 'Willkommen bei Fabrikam – Ihre Rechnung 📄',
        text: 'Hallo Jürgen, anbei die Rechnung.',
        html: '<p>Hallo <b>Jürgen</b>, anbei die Rechnung.</p>',
        attachments: [{ name: 'rechnung.pdf', contentType: 'application/pdf', content: pdf }],
        headers: { 'X-Entity-Ref-ID': 'invoice-77' },
      }),
    );
    expect(receipt.providerMessageId).toMatch(/^[0-9a-f]{16}$/);

    const [message, ...others] = await acceptedMessages();
    expect(others).toHaveLength(0);
    expect(message.mailbox).toBe('alerts@fabrikam.example');
    expect(message.bcc).toEqual(['audit@example.com']);
    const parsed = message.parsed;
    expect(parsed.from?.value).toEqual([{ address: 'alerts@fabrikam.example', name: 'Fabrikam Alerts' }]);
    expect(parsed.subject).toBe('Willkommen bei Fabrikam – Ihre Rechnung 📄');
    expect(parsed.text?.trim()).toBe('Hallo Jürgen, anbei die Rechnung.');
    expect(parsed.html).toContain('<b>Jürgen</b>');
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0].filename).toBe('rechnung.pdf');
    expect(Buffer.compare(parsed.attachments[0].content, pdf)).toBe(0);
    expect(parsed.headers.get('x-entity-ref-id')).toBe('invoice-77');
    expect(parsed.replyTo?.text).toBe('support@fabrikam.example');
    // Bcc reached Gmail in the headers and Gmail removed it from what recipients see.
    expect(parsed.bcc).toBeUndefined();
    expect(parsed.messageId).toMatch(/@fabrikam\.example>$/);
  });

  it('sends as the verified alias noreply@ when the grant can list aliases', async () => {
    await grantEarlier('alerts@fabrikam.example', SETTINGS_SCOPE);
    const gmail = provider(await alertsSender({ senderEmail: 'noreply@fabrikam.example', senderName: 'Fabrikam' }));
    const checks = await gmail.verify();
    expect(checks.find((c) => c.name === 'alias')).toMatchObject({ ok: true });
    await gmail.send(mail());
    const [message] = await acceptedMessages();
    expect(message.parsed.from?.value).toEqual([{ address: 'noreply@fabrikam.example', name: 'Fabrikam' }]);
  });

  it('refuses the unverified alias unverified@: Test connection fails and nothing goes out with a rewritten From', async () => {
    await grantEarlier('alerts@fabrikam.example', SETTINGS_SCOPE);
    const gmail = provider(await alertsSender({ senderEmail: 'unverified@fabrikam.example' }));
    const alias = (await gmail.verify()).find((c) => c.name === 'alias');
    expect(alias).toMatchObject({ ok: false, code: 'GOOGLE_ALIAS_NOT_VERIFIED' });
    expect(alias?.message).toMatch(/pending/);
    const error = await failure(gmail.send(mail()));
    expect(error.code).toBe('GOOGLE_ALIAS_NOT_VERIFIED');
    expect(await acceptedMessages()).toHaveLength(0);
    expect((await gmailRequests()).filter((r) => r.path.endsWith('/messages/send'))).toHaveLength(0);
  });

  it('with gmail.send alone it says it could not check the alias, names the scope, and does not send', async () => {
    const gmail = provider(await alertsSender({ senderEmail: 'noreply@fabrikam.example' }));
    const alias = (await gmail.verify()).find((c) => c.name === 'alias');
    expect(alias).toMatchObject({ ok: false, code: 'GOOGLE_ALIAS_NOT_VERIFIED' });
    expect(alias?.message).toMatch(/Could not check/);
    expect(alias?.hint).toContain(SETTINGS_SCOPE);
    expect((await failure(gmail.send(mail()))).code).toBe('GOOGLE_ALIAS_NOT_VERIFIED');
    expect(await acceptedMessages()).toHaveLength(0);
  });

  it('the sandbox itself rewrites an unverified From, as Gmail does (why the provider refuses)', async () => {
    const { complete } = await consent('alerts@fabrikam.example');
    const token = await fetch(config.google.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: (await complete()).secrets.refreshToken,
        client_id: config.google.clientId,
        client_secret: config.google.clientSecret,
      }),
    }).then((r) => r.json() as Promise<{ access_token: string }>);
    const raw = Buffer.from('From: Someone <unverified@fabrikam.example>\r\nTo: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n').toString(
      'base64url',
    );
    const response = await fetch(`${config.google.gmailApiUrl}/gmail/v1/users/me/messages/send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ raw }),
    });
    expect(response.status).toBe(200);
    const [message] = await acceptedMessages();
    expect(message.parsed.from?.value[0].address).toBe('alerts@fabrikam.example');
  });

  it('after 8 days on a Testing-status app the next send is GOOGLE_REAUTH_REQUIRED with the Testing hint', async () => {
    await sandboxControl('POST', `google/clients/${config.google.clientId}/publishing`, { status: 'testing' });
    const gmail = provider(await alertsSender());
    await gmail.send(mail());
    await sandboxControl('POST', 'clock', { advanceSeconds: 8 * 24 * 3600 });
    const error = await failure(gmail.send(mail()));
    expect(error.code).toBe('GOOGLE_REAUTH_REQUIRED');
    expect(error.hint).toMatch(/Testing/);
    expect(error.hint).toMatch(/7 days/);
    expect(await acceptedMessages()).toHaveLength(1);
  });

  it('a revoked grant is GOOGLE_REAUTH_REQUIRED without the Testing hint', async () => {
    const gmail = provider(await alertsSender());
    await gmail.send(mail());
    await sandboxControl('POST', 'google/users/alerts@fabrikam.example/revoke-grants');
    const error = await failure(gmail.send(mail()));
    expect(error.code).toBe('GOOGLE_REAUTH_REQUIRED');
    expect(error.hint).not.toMatch(/Testing/);
    const verify = await gmail.verify();
    expect(verify).toEqual([expect.objectContaining({ name: 'token', ok: false, code: 'GOOGLE_REAUTH_REQUIRED' })]);
  });

  it('sends a 10 MB message through the upload endpoint intact', async () => {
    const gmail = provider(await alertsSender());
    const big = randomBytes(10 * 1024 * 1024);
    await gmail.send(mail({ subject: 'Big', attachments: [{ name: 'big.bin', contentType: 'application/octet-stream', content: big }] }));
    const sends = (await gmailRequests()).filter((r) => r.path.endsWith('/messages/send'));
    expect(sends).toEqual([expect.objectContaining({ path: '/upload/gmail/v1/users/me/messages/send', status: 200 })]);
    const [message] = await acceptedMessages();
    expect(Buffer.compare(message.parsed.attachments[0].content, big)).toBe(0);
  });

  it('1,000 sends cost one token request', async () => {
    const sender = await alertsSender();
    const before = await tokenRequestCount();
    const gmail = provider(sender);
    const again = provider(sender); // a second instance of the same config version shares the credential
    for (let batch = 0; batch < 50; batch += 1) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? gmail : again).send(mail({ id: `bulk-${batch}-${i}` }))));
    }
    expect(await tokenRequestCount()).toBe(before + 1);
    expect(await sandboxControl<unknown[]>('GET', 'messages?provider=google')).toHaveLength(1000);
  });

  it('refuses more than 100 recipients before calling Gmail', async () => {
    const gmail = provider(await alertsSender());
    const many = Array.from({ length: 101 }, (_, i) => ({ address: `r${i}@example.com` }));
    const error = await failure(gmail.send(mail({ to: many.slice(0, 60), bcc: many.slice(60) })));
    expect(error).toMatchObject({ code: 'INVALID_MESSAGE', status: 422 });
    expect(error.message).toMatch(/at most 100 recipients/);
    expect(await gmailRequests()).toHaveLength(0);
  });

  it('classifies Gmail throttling and sending limits from the wire', async () => {
    const gmail = provider(await alertsSender());
    await gmail.send(mail());
    await sandboxControl('POST', 'faults', { service: 'gmail', path: '/messages/send$', status: 429, retryAfter: '9', count: 1 });
    expect(await failure(gmail.send(mail()))).toMatchObject({ code: 'PROVIDER_THROTTLED', retryable: true, retryAfterSeconds: 9 });

    const retryAt = new Date(Date.now() + 120_000).toISOString();
    await sandboxControl('POST', 'faults', {
      service: 'gmail',
      path: '/messages/send$',
      status: 429,
      count: 1,
      body: {
        error: {
          code: 429,
          message: `User-rate limit exceeded.  Retry after ${retryAt}`,
          errors: [{ message: `User-rate limit exceeded.  Retry after ${retryAt}`, domain: 'usageLimits', reason: 'rateLimitExceeded' }],
          status: 'RESOURCE_EXHAUSTED',
        },
      },
    });
    const limit = await failure(gmail.send(mail()));
    expect(limit.code).toBe('GOOGLE_SENDING_LIMIT');
    expect(limit.retryAfterSeconds).toBeGreaterThan(100);

    await sandboxControl('POST', 'faults', { service: 'gmail', status: 503, count: 1 });
    expect((await failure(gmail.send(mail()))).code).toBe('PROVIDER_UNAVAILABLE');
    await sandboxControl('POST', 'faults', { service: 'gmail', drop: true, count: 1 });
    expect(await failure(gmail.send(mail()))).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', retryable: true });
  });

  it('never puts the refresh or access token into errors or check results', async () => {
    const { complete } = await consent('alerts@fabrikam.example');
    const outcome = await complete();
    const gmail = provider(await oauthSender(outcome));
    await sandboxControl('POST', 'faults', {
      service: 'gmail',
      status: 403,
      count: 1,
      body: {
        error: {
          code: 403,
          message: 'Request had insufficient authentication scopes.',
          errors: [{ reason: 'insufficientPermissions' }],
          status: 'PERMISSION_DENIED',
        },
      },
    });
    const error = await failure(gmail.send(mail()));
    expect(error.code).toBe('GOOGLE_SCOPE_MISSING');
    await sandboxControl('POST', 'google/users/alerts@fabrikam.example/revoke-grants');
    const checks = await gmail.verify();
    const text = JSON.stringify([error, error.message, error.hint, error.cause ?? null, checks]);
    expect(text).not.toContain(outcome.secrets.refreshToken);
    expect(text).not.toMatch(/ya29\./);
  });
});

describe('Gmail provider, service_account mode', () => {
  it('mailer@ (delegated for gmail.send) sends as alerts@ with one token request', async () => {
    const gmail = provider(await serviceAccountSender('mailer@fabrikam-project.iam.gserviceaccount.com', 'alerts@fabrikam.example'));
    expect(await gmail.verify()).toEqual([
      expect.objectContaining({ name: 'token', ok: true }),
      expect.objectContaining({ name: 'mailbox', ok: false, skipped: true }),
    ]);
    await gmail.send(mail({ subject: 'From the service account' }));
    await gmail.send(mail({ subject: 'Again' }));
    const messages = await acceptedMessages();
    expect(messages.map((m) => [m.mailbox, m.parsed.from?.value[0].address, m.parsed.subject])).toEqual([
      ['alerts@fabrikam.example', 'alerts@fabrikam.example', 'From the service account'],
      ['alerts@fabrikam.example', 'alerts@fabrikam.example', 'Again'],
    ]);
    expect(await tokenRequestCount()).toBe(1);
  });

  it('a key without delegation is GOOGLE_DELEGATION_NOT_AUTHORIZED naming the client id and scope', async () => {
    const sender = await serviceAccountSender('nodelegation@fabrikam-project.iam.gserviceaccount.com', 'alerts@fabrikam.example');
    const gmail = provider(sender);
    const [token] = await gmail.verify();
    expect(token).toMatchObject({ name: 'token', ok: false, code: 'GOOGLE_DELEGATION_NOT_AUTHORIZED' });
    expect(token.hint).toContain('104118754880926455302');
    expect(token.hint).toContain('https://www.googleapis.com/auth/gmail.send');
    expect((await failure(gmail.send(mail()))).code).toBe('GOOGLE_DELEGATION_NOT_AUTHORIZED');
    expect(await acceptedMessages()).toHaveLength(0);
  });

  it('nogmail@ is GOOGLE_GMAIL_DISABLED', async () => {
    const gmail = provider(await serviceAccountSender('mailer@fabrikam-project.iam.gserviceaccount.com', 'nogmail@fabrikam.example'));
    const error = await failure(gmail.send(mail()));
    expect(error.code).toBe('GOOGLE_GMAIL_DISABLED');
    expect(error.category).toBe('mailbox');
  });

  it('a user the Workspace does not have is named as such', async () => {
    const gmail = provider(await serviceAccountSender('mailer@fabrikam-project.iam.gserviceaccount.com', 'ghost@fabrikam.example'));
    const error = await failure(gmail.send(mail()));
    expect(error.code).toBe('GOOGLE_DELEGATION_NOT_AUTHORIZED');
    expect(error.message).toContain('ghost@fabrikam.example');
  });
});
