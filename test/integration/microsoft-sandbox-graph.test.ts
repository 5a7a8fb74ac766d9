/**
 * The sandbox's Graph sendMail, spoken to over plain HTTPS with tokens from the sandbox Entra: the
 * behaviours the sender relies on, in the real wire shapes of docs/providers.md.
 */
import { CONTOSO_APP_ID, CONTOSO_TENANT_ID, CONTOSO_USER_IDS } from '../../dev/sandbox/world';
import { sandboxControl, sandboxUrls } from '../support/env';
import { appToken, delegatedToken, sandboxMessages } from './microsoft-helpers';

const message = (extra: Record<string, unknown> = {}) => ({
  message: {
    subject: 'Hello',
    body: { contentType: 'Text', content: 'Hi' },
    toRecipients: [{ emailAddress: { address: 'someone@example.com', name: 'Someone' } }],
    ...extra,
  },
  saveToSentItems: false,
});

async function sendMail(token: string | undefined, mailbox: string, body: unknown, headers: Record<string, string> = {}) {
  const path = mailbox === 'me' ? '/v1.0/me/sendMail' : `/v1.0/users/${encodeURIComponent(mailbox)}/sendMail`;
  const response = await fetch(`${sandboxUrls.graph}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, error: text ? JSON.parse(text).error : undefined };
}

let token: string;

beforeAll(async () => {
  await sandboxControl('POST', 'reset');
  token = await appToken();
});

describe('sandbox Graph sendMail', () => {
  it('accepts a message: 202, empty body, request-id and the echoed client-request-id; the message is kept as Graph JSON', async () => {
    const sent = await sendMail(
      token,
      'notifications@contoso.example',
      message({ from: { emailAddress: { address: 'notifications@contoso.example', name: 'Contoso Alerts' } } }),
      {
        'client-request-id': '7a1b2c3d-0000-4000-8000-000000000001',
      },
    );
    expect(sent.status).toBe(202);
    expect(sent.text).toBe('');
    expect(sent.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.headers.get('client-request-id')).toBe('7a1b2c3d-0000-4000-8000-000000000001');
    const [kept] = await sandboxMessages('notifications@contoso.example');
    expect(kept).toMatchObject({
      provider: 'microsoft',
      format: 'graph-json',
      from: { address: 'notifications@contoso.example', name: 'Contoso Alerts' },
      to: ['someone@example.com'],
      subject: 'Hello',
    });
    expect(JSON.parse(kept.raw).message.subject).toBe('Hello');
  });

  it('takes an internetMessageId in <id@domain> form and refuses any other with 400', async () => {
    expect(
      (await sendMail(token, 'notifications@contoso.example', message({ internetMessageId: '<abc123@contoso.example>' }))).status,
    ).toBe(202);
    expect(JSON.parse((await sandboxMessages('notifications@contoso.example')).slice(-1)[0].raw).message.internetMessageId).toBe(
      '<abc123@contoso.example>',
    );
    for (const bad of ['abc123@contoso.example', '<no-at-sign>', '<a b@c>', 42]) {
      const sent = await sendMail(token, 'notifications@contoso.example', message({ internetMessageId: bad }));
      expect([sent.status, sent.error.code]).toEqual([400, 'ErrorInvalidInternetMessageId']);
    }
  });

  it('accepts the object id in place of the address', async () => {
    expect((await sendMail(token, CONTOSO_USER_IDS.notifications, message())).status).toBe(202);
  });

  it('401 InvalidAuthenticationToken with WWW-Authenticate for a missing or forged token', async () => {
    for (const bad of [undefined, `${token.slice(0, -4)}AAAA`]) {
      const sent = await sendMail(bad, 'notifications@contoso.example', message());
      expect(sent.status).toBe(401);
      expect(sent.error.code).toBe('InvalidAuthenticationToken');
      expect(sent.headers.get('www-authenticate')).toMatch(/^Bearer realm="", authorization_uri=/);
      expect(sent.error.innerError).toEqual({
        date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/),
        'request-id': expect.any(String),
        'client-request-id': expect.any(String),
      });
    }
  });

  it('401 "Access token has expired or is not yet valid." after the token lifetime (sandbox clock)', async () => {
    const stale = await appToken();
    await sandboxControl('POST', 'clock', { advanceSeconds: 2 * 3600 });
    const sent = await sendMail(stale, 'notifications@contoso.example', message());
    expect(sent.status).toBe(401);
    expect(sent.error.message).toBe('Access token has expired or is not yet valid.');
    await sandboxControl('POST', 'reset');
    token = await appToken();
  });

  it('403 "Access to OData is disabled: [RAOP] ..." for a mailbox outside the application access policy', async () => {
    const sent = await sendMail(token, 'restricted@contoso.example', message());
    expect(sent.status).toBe(403);
    expect(sent.error).toMatchObject({
      code: 'ErrorAccessDenied',
      message: 'Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.',
    });
  });

  it('Exchange RBAC for Applications: an app token without Mail.Send sends from the mailbox in its scope only; another gets access denied', async () => {
    await sandboxControl('POST', 'entra/grants', {
      tenantId: CONTOSO_TENANT_ID,
      clientId: CONTOSO_APP_ID,
      appRoles: [],
      exchangeMailSendUserIds: [CONTOSO_USER_IDS.notifications],
      accessPolicyUserIds: null,
    });
    try {
      const scoped = await appToken();
      expect(JSON.parse(Buffer.from(scoped.split('.')[1], 'base64url').toString()).roles).toBeUndefined();
      expect((await sendMail(scoped, 'notifications@contoso.example', message())).status).toBe(202);
      const other = await sendMail(scoped, 'admin@contoso.example', message());
      expect(other.status).toBe(403);
      expect(other.error).toMatchObject({ code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' });
    } finally {
      await sandboxControl('POST', 'reset');
    }
  });

  it('404 ErrorInvalidUser for an unknown user or object id; MailboxNotEnabledForRESTAPI for the unlicensed user', async () => {
    const unknown = await sendMail(token, 'c0000000-0000-4000-8000-00000000ffff', message());
    expect(unknown.status).toBe(404);
    expect(unknown.error).toMatchObject({
      code: 'ErrorInvalidUser',
      message: "The requested user 'c0000000-0000-4000-8000-00000000ffff' is invalid.",
    });
    const unlicensed = await sendMail(token, 'unlicensed@contoso.example', message());
    expect(unlicensed.status).toBe(404);
    expect(unlicensed.error.code).toBe('MailboxNotEnabledForRESTAPI');
  });

  it('403 ErrorSendAsDenied when `from` is a mailbox the caller cannot send as', async () => {
    const sent = await sendMail(
      token,
      'notifications@contoso.example',
      message({ from: { emailAddress: { address: 'privacy@contoso.example' } } }),
    );
    expect(sent.status).toBe(403);
    expect(sent.error.code).toBe('ErrorSendAsDenied');
    expect(sent.error.message).toContain('specified sending account., Cannot submit message.');
  });

  it('400 for headers not starting with X-, for unknown properties, and for no recipients', async () => {
    const header = await sendMail(
      token,
      'notifications@contoso.example',
      message({ internetMessageHeaders: [{ name: 'In-Reply-To', value: '<a@b>' }] }),
    );
    expect(header.status).toBe(400);
    expect(header.error).toMatchObject({
      code: 'InvalidInternetMessageHeader',
      message: "The internet message header name 'In-Reply-To' should start with 'x-' or 'X-'.",
    });
    const unknown = await sendMail(token, 'notifications@contoso.example', message({ colour: 'blue' }));
    expect(unknown.status).toBe(400);
    expect(unknown.error.code).toBe('RequestBodyRead');
    const none = await sendMail(token, 'notifications@contoso.example', message({ toRecipients: [] }));
    expect(none.status).toBe(400);
    expect(none.error.code).toBe('ErrorInvalidRecipients');
    expect(
      (await sendMail(token, 'notifications@contoso.example', message({ internetMessageHeaders: [{ name: 'X-Ref', value: '1' }] }))).status,
    ).toBe(202);
  });

  it('413 for a request over 4 MB', async () => {
    const big = message({
      attachments: [
        {
          '@odata.type': '#microsoft.graph.fileAttachment',
          name: 'big.bin',
          contentType: 'application/octet-stream',
          contentBytes: 'A'.repeat(4 * 1024 * 1024),
        },
      ],
    });
    const sent = await sendMail(token, 'notifications@contoso.example', big);
    expect(sent.status).toBe(413);
    expect(sent.error.message).toBe('The maximum request length supported is 4MB.');
  });

  it('403 "Access is denied. Check credentials and try again." for a token without the Mail.Send role', async () => {
    const created = await sandboxControl('POST', 'entra/apps', {
      displayName: 'No permissions',
      homeTenantId: CONTOSO_TENANT_ID,
      secret: 'no-roles-secret',
    });
    const noRoles = await appToken(created.clientId, 'no-roles-secret');
    const sent = await sendMail(noRoles, 'notifications@contoso.example', message());
    expect(sent.status).toBe(403);
    expect(sent.error).toMatchObject({ code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' });
  });

  it('429 ApplicationThrottled with Retry-After when more than 4 requests hit one mailbox at once', async () => {
    await sandboxControl('POST', 'graph/limits', { latencyMs: 1500 });
    try {
      const results = await Promise.all(Array.from({ length: 8 }, () => sendMail(token, 'notifications@contoso.example', message())));
      const throttled = results.filter((r) => r.status === 429);
      expect(results.filter((r) => r.status === 202)).toHaveLength(4);
      expect(throttled).toHaveLength(4);
      expect(throttled[0].error).toMatchObject({
        code: 'ApplicationThrottled',
        message: 'Application is over its MailboxConcurrency limit.',
      });
      expect(Number(throttled[0].headers.get('retry-after'))).toBeGreaterThan(0);
      // Another mailbox is not affected by this one's load.
      expect((await sendMail(token, 'admin@contoso.example', message())).status).toBe(202);
    } finally {
      await sandboxControl('POST', 'graph/limits', { latencyMs: 0 });
    }
  });

  it('429 with a fractional Retry-After when a configured per-minute rate is exceeded', async () => {
    await sandboxControl('POST', 'reset');
    token = await appToken();
    await sandboxControl('POST', 'graph/limits', { ratePerMinute: 2 });
    try {
      expect((await sendMail(token, 'admin@contoso.example', message())).status).toBe(202);
      expect((await sendMail(token, 'admin@contoso.example', message())).status).toBe(202);
      const third = await sendMail(token, 'admin@contoso.example', message());
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toMatch(/^\d+\.\d{3}$/);
      await sandboxControl('POST', 'clock', { advanceSeconds: 61 });
      expect((await sendMail(await appToken(), 'admin@contoso.example', message())).status).toBe(202);
    } finally {
      await sandboxControl('POST', 'reset');
      token = await appToken();
    }
  });

  describe('delegated tokens', () => {
    it('/me/sendMail as admin@ with from = the shared mailbox privacy@ (admin@ has Send As)', async () => {
      const admin = await delegatedToken('admin@contoso.example');
      const sent = await sendMail(
        admin,
        'me',
        message({ from: { emailAddress: { address: 'privacy@contoso.example', name: 'Privacy' } } }),
      );
      expect(sent.status).toBe(202);
      const [kept] = await sandboxMessages('admin@contoso.example');
      expect(kept.from).toEqual({ address: 'privacy@contoso.example', name: 'Privacy' });
    });

    it('a user without Send As gets ErrorSendAsDenied; /users/{shared} needs Send As too', async () => {
      const user = await delegatedToken('notifications@contoso.example');
      expect((await sendMail(user, 'me', message({ from: { emailAddress: { address: 'privacy@contoso.example' } } }))).error.code).toBe(
        'ErrorSendAsDenied',
      );
      expect((await sendMail(user, 'privacy@contoso.example', message())).error.code).toBe('ErrorSendAsDenied');
      expect((await sendMail(user, 'me', message())).status).toBe(202);
    });

    it('/me with an app-only token is refused', async () => {
      const sent = await sendMail(token, 'me', message());
      expect(sent.status).toBe(400);
      expect(sent.error.message).toBe('/me request is only valid with delegated authentication flow.');
    });
  });
});
