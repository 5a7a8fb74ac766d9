/**
 * The Microsoft provider with the real SDKs (@azure/identity, @microsoft/microsoft-graph-client,
 * @azure/keyvault-secrets) against the sandbox: message shape, every classified failure with its hint
 * (docs/providers.md), Test connection checks, token caching (1,000 sends -> one token
 * request), delegated refresh-token rotation, and the managed-identity platform credential.
 */
import { stableMessageId } from '@shared/messageId';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@shared/config';
import { microsoftProvider } from '@shared/providers/microsoft';
import type { ProviderContext } from '@shared/providers/module';
import type { OutgoingMail } from '@shared/providers/types';
import type { SenderConfig } from '@shared/model/sender';
import { secretName } from '@shared/store/secretNames';
import { createSecretStore } from '@shared/store/secretStore';
import {
  CONTOSO_APP_ID,
  CONTOSO_APP_SECRET,
  CONTOSO_EXPIRED_SECRET,
  CONTOSO_TENANT_ID,
  CONTOSO_USER_IDS,
  PLATFORM_APP_ID,
} from '../../dev/sandbox/world';
import type { LoggedRequest } from '../../dev/sandbox/server';
import { sandboxControl } from '../support/env';
import { mailerFailure as failure } from '../support/mailer-error';
import { delegatedTokens, sandboxMessages, tokenRequests, vaultRows } from './microsoft-helpers';
import { senderConfig } from '../support/builders';

const config = loadConfig();
const secrets = createSecretStore(config);
const context: ProviderContext = { config, secrets };

const org = () => `ms${randomBytes(5).toString('hex')}`;

function sender(overrides: Partial<SenderConfig> = {}): SenderConfig {
  const at = new Date().toISOString();
  return senderConfig({
    orgId: org(),
    senderEmail: 'notifications@contoso.example',
    senderName: 'Compliance team - Contoso',
    tenantId: CONTOSO_TENANT_ID,
    clientId: CONTOSO_APP_ID,
    secretRefs: {},
    createdAt: at,
    updatedAt: at,
    ...overrides,
  });
}

/** An app_registration sender whose client secret is in the sandbox Key Vault. */
async function appSender(secret: string, overrides: Partial<SenderConfig> = {}): Promise<SenderConfig> {
  const config = sender(overrides);
  const name = secretName(config.orgId, 'client-secret', config.secretGeneration);
  await secrets.set(name, secret);
  return { ...config, secretRefs: { clientSecret: name } };
}

const mail = (overrides: Partial<OutgoingMail> = {}): OutgoingMail => ({
  id: `m-${randomBytes(4).toString('hex')}`,
  to: [{ address: 'someone@example.com', name: 'Someone' }],
  cc: [],
  bcc: [],
  replyTo: [],
  subject: 'Your report is ready',
  text: 'Plain text',
  attachments: [],
  headers: {},
  ...overrides,
});

const graphRequests = async (): Promise<LoggedRequest[]> => sandboxControl('GET', 'requests?service=graph');

beforeAll(async () => {
  await sandboxControl('POST', 'reset');
});

describe('sending through Graph (app registration)', () => {
  it('sends the Graph JSON message: from = address + alias, reply-to, to/cc/bcc, HTML preferred, attachments, X- headers, saveToSentItems', async () => {
    const provider = microsoftProvider.create(
      await appSender(CONTOSO_APP_SECRET, { replyTo: 'support@contoso.example', saveToSentItems: true }),
      context,
    );
    const pdf = randomBytes(2048);
    await provider.send(
      mail({
        to: [{ address: 'a@example.com', name: 'Ä Person' }],
        cc: [{ address: 'c@example.com' }],
        bcc: [{ address: 'b@example.com' }],
        subject: 'Prüfbericht ✓',
        text: 'text version',
        html: '<p>html version</p>',
        attachments: [{ name: 'report.pdf', contentType: 'application/pdf', content: pdf }],
        headers: { 'X-Entity-Ref-ID': 'ref-42' },
      }),
    );
    const [kept] = (await sandboxMessages('notifications@contoso.example')).slice(-1);
    expect(kept.from).toEqual({ address: 'notifications@contoso.example', name: 'Compliance team - Contoso' });
    expect(kept).toMatchObject({ to: ['a@example.com'], cc: ['c@example.com'], bcc: ['b@example.com'], subject: 'Prüfbericht ✓' });
    const body = JSON.parse(kept.raw);
    expect(body.saveToSentItems).toBe(true);
    expect(body.message.body).toEqual({ contentType: 'HTML', content: '<p>html version</p>' });
    expect(body.message.replyTo).toEqual([{ emailAddress: { address: 'support@contoso.example' } }]);
    expect(body.message.toRecipients).toEqual([{ emailAddress: { address: 'a@example.com', name: 'Ä Person' } }]);
    expect(body.message.internetMessageHeaders).toEqual([{ name: 'X-Entity-Ref-ID', value: 'ref-42' }]);
    expect(body.message.attachments).toHaveLength(1);
    expect(body.message.attachments[0]).toMatchObject({
      '@odata.type': '#microsoft.graph.fileAttachment',
      name: 'report.pdf',
      contentType: 'application/pdf',
    });
    expect(Buffer.from(body.message.attachments[0].contentBytes, 'base64').equals(pdf)).toBe(true);
  });

  it("sets internetMessageId to the stable Message-ID of the delivery (the same derivation as Gmail's), identical on a resend", async () => {
    const provider = microsoftProvider.create(await appSender(CONTOSO_APP_SECRET), context);
    const once = mail();
    await provider.send(once);
    await provider.send(once);
    const [first, second] = (await sandboxMessages('notifications@contoso.example'))
      .slice(-2)
      .map((m) => JSON.parse(m.raw).message.internetMessageId);
    expect(first).toBe(stableMessageId(once.id, 'notifications@contoso.example'));
    expect(first).toMatch(/^<[0-9a-f]{32}@contoso\.example>$/);
    expect(second).toBe(first);
    await provider.send(mail());
    expect(JSON.parse((await sandboxMessages('notifications@contoso.example')).slice(-1)[0].raw).message.internetMessageId).not.toBe(first);
  });

  it('text-only messages go as Text; saveToSentItems defaults to false; the message reply-to wins over the configured one', async () => {
    const provider = microsoftProvider.create(await appSender(CONTOSO_APP_SECRET, { replyTo: 'support@contoso.example' }), context);
    await provider.send(mail({ replyTo: [{ address: 'case-7@contoso.example' }] }));
    const body = JSON.parse((await sandboxMessages('notifications@contoso.example')).slice(-1)[0].raw);
    expect(body.message.body).toEqual({ contentType: 'Text', content: 'Plain text' });
    expect(body.saveToSentItems).toBe(false);
    expect(body.message.replyTo).toEqual([{ emailAddress: { address: 'case-7@contoso.example' } }]);
  });

  it('uses the mailbox object id for the send path when one is configured', async () => {
    const provider = microsoftProvider.create(
      await appSender(CONTOSO_APP_SECRET, { mailboxObjectId: CONTOSO_USER_IDS.notifications }),
      context,
    );
    await provider.send(mail());
    const paths = (await graphRequests()).map((r) => r.path);
    expect(paths[paths.length - 1]).toBe(`/v1.0/users/${CONTOSO_USER_IDS.notifications}/sendMail`);
  });

  it('refuses a non-X- header and a message over 4 MB before calling Graph', async () => {
    const provider = microsoftProvider.create(await appSender(CONTOSO_APP_SECRET), context);
    await provider.send(mail()); // warm: token fetched
    const before = (await graphRequests()).length;
    expect((await failure(provider.send(mail({ headers: { 'In-Reply-To': '<x@y>' } })))).code).toBe('INVALID_MESSAGE');
    const big = await failure(
      provider.send(
        mail({ attachments: [{ name: 'big.bin', contentType: 'application/octet-stream', content: Buffer.alloc(3_200_000) }] }),
      ),
    );
    expect(big.code).toBe('MS_MESSAGE_TOO_LARGE');
    expect((await graphRequests()).length).toBe(before);
  });
});

describe('classified failures, each with its hint', () => {
  it('contoso-expired-secret -> MS_SECRET_EXPIRED', async () => {
    const error = await failure(microsoftProvider.create(await appSender(CONTOSO_EXPIRED_SECRET), context).send(mail()));
    expect(error.code).toBe('MS_SECRET_EXPIRED');
    expect(error.hint).toMatch(/expired/);
  });

  it('a wrong secret (the secret ID pasted as the value) -> MS_SECRET_INVALID with the "ID, not value" hint', async () => {
    const error = await failure(microsoftProvider.create(await appSender('c2c2c2c2-0000-4000-8000-000000000001'), context).send(mail()));
    expect(error.code).toBe('MS_SECRET_INVALID');
    expect(error.hint).toMatch(/secret ID was pasted instead of the secret VALUE/);
  });

  it('a wrong client id -> MS_APP_NOT_IN_TENANT; a wrong tenant -> MS_TENANT_NOT_FOUND', async () => {
    const wrongClient = await failure(
      microsoftProvider
        .create(await appSender(CONTOSO_APP_SECRET, { clientId: '33333333-3333-4333-8333-333333333333' }), context)
        .send(mail()),
    );
    expect(wrongClient.code).toBe('MS_APP_NOT_IN_TENANT');
    expect(wrongClient.hint).toMatch(/consent/);
    const wrongTenant = await failure(
      microsoftProvider
        .create(await appSender(CONTOSO_APP_SECRET, { tenantId: '99999999-9999-4999-8999-999999999999' }), context)
        .send(mail()),
    );
    expect(wrongTenant.code).toBe('MS_TENANT_NOT_FOUND');
    expect(wrongTenant.hint).toMatch(/tenant/);
  });

  it('restricted@ -> MS_MAILBOX_ACCESS_DENIED naming the mailbox; unknown object id -> MS_MAILBOX_NOT_FOUND; unlicensed@ -> MS_MAILBOX_NOT_ENABLED', async () => {
    const restricted = await failure(
      microsoftProvider.create(await appSender(CONTOSO_APP_SECRET, { senderEmail: 'restricted@contoso.example' }), context).send(mail()),
    );
    expect(restricted.code).toBe('MS_MAILBOX_ACCESS_DENIED');
    expect(restricted.hint).toContain('restricted@contoso.example');
    const unknown = await failure(
      microsoftProvider
        .create(await appSender(CONTOSO_APP_SECRET, { mailboxObjectId: 'c0000000-0000-4000-8000-00000000ffff' }), context)
        .send(mail()),
    );
    expect(unknown.code).toBe('MS_MAILBOX_NOT_FOUND');
    expect(unknown.hint).toContain('c0000000-0000-4000-8000-00000000ffff');
    const unlicensed = await failure(
      microsoftProvider.create(await appSender(CONTOSO_APP_SECRET, { senderEmail: 'unlicensed@contoso.example' }), context).send(mail()),
    );
    expect(unlicensed.code).toBe('MS_MAILBOX_NOT_ENABLED');
    expect(unlicensed.hint).toMatch(/licence/);
  });

  it('Graph throttling surfaces as PROVIDER_THROTTLED with Retry-After, and nothing is retried inside the client', async () => {
    const provider = microsoftProvider.create(await appSender(CONTOSO_APP_SECRET), context);
    await provider.send(mail());
    await sandboxControl('POST', 'faults', { service: 'graph', path: 'sendMail', status: 429, retryAfter: '2.128', count: 1 });
    const before = (await graphRequests()).length;
    const error = await failure(provider.send(mail()));
    expect(error.code).toBe('PROVIDER_THROTTLED');
    expect(error.retryAfterSeconds).toBeCloseTo(2.128);
    expect((await graphRequests()).length).toBe(before + 1); // the RetryHandler is out of the chain
    await sandboxControl('POST', 'faults', { service: 'graph', path: 'sendMail', status: 503, count: 1 });
    expect((await failure(provider.send(mail()))).code).toBe('PROVIDER_UNAVAILABLE');
    await provider.send(mail()); // and the next one goes out
  });
});

describe('Test connection (verify) checks, no mail sent', () => {
  it('a good sender: token, Mail.Send role, mailbox reachable; nothing delivered', async () => {
    const before = (await sandboxMessages()).length;
    const checks = await microsoftProvider.create(await appSender(CONTOSO_APP_SECRET), context).verify();
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ['token', true],
      ['permission', true],
      ['mailbox', true],
    ]);
    expect((await sandboxMessages()).length).toBe(before);
  });

  it('a restricted mailbox fails the mailbox check with its code and hint; a bad secret fails the token check', async () => {
    const restricted = await microsoftProvider
      .create(await appSender(CONTOSO_APP_SECRET, { senderEmail: 'restricted@contoso.example' }), context)
      .verify();
    expect(restricted[2]).toMatchObject({
      name: 'mailbox',
      ok: false,
      code: 'MS_MAILBOX_ACCESS_DENIED',
      hint: expect.stringContaining('restricted@contoso.example'),
    });
    const expired = await microsoftProvider.create(await appSender(CONTOSO_EXPIRED_SECRET), context).verify();
    expect(expired[0]).toMatchObject({ name: 'token', ok: false, code: 'MS_SECRET_EXPIRED' });
    expect(expired.slice(1).every((c) => !c.ok && !c.code)).toBe(true);
  });

  it("a token without the Mail.Send role only warns on the claims (Exchange RBAC may grant it); the mailbox's refusal fails the mailbox check, naming both fixes", async () => {
    const app = await sandboxControl('POST', 'entra/apps', {
      displayName: 'No Mail.Send',
      homeTenantId: CONTOSO_TENANT_ID,
      secret: 'no-mail-send',
    });
    const checks = await microsoftProvider.create(await appSender('no-mail-send', { clientId: app.clientId }), context).verify();
    expect(checks[0].ok).toBe(true);
    expect(checks[1]).toMatchObject({
      name: 'permission',
      ok: false,
      level: 'warning',
      message: expect.stringContaining('not granted in Entra ID'),
    });
    expect(checks[1].code).toBeUndefined();
    expect(checks[2]).toMatchObject({
      name: 'mailbox',
      ok: false,
      code: 'MS_RBAC_SCOPE_DENIED',
      hint: expect.stringMatching(/RBAC for Applications.*or grant Mail\.Send in Entra ID/),
    });
  });
});

describe('caching', () => {
  it('1,000 send() calls through one sender config make exactly one token request and at most one Key Vault read', async () => {
    const config = await appSender(CONTOSO_APP_SECRET, { senderEmail: 'admin@contoso.example' });
    const provider = microsoftProvider.create(config, context);
    secrets.forget(config.secretRefs.clientSecret); // count the read this provider makes
    const tokensBefore = (await tokenRequests()).length;
    const vaultBefore = (await sandboxControl<LoggedRequest[]>('GET', 'requests?service=keyVault')).filter(
      (r) => r.method === 'GET' && r.path.includes(config.secretRefs.clientSecret),
    ).length;
    const messagesBefore = (await sandboxMessages('admin@contoso.example')).length;
    // Four lanes: the mailbox's concurrency limit (a burst on a cold provider shares one token request).
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 250; i++) await provider.send(mail());
      }),
    );
    expect((await tokenRequests()).length - tokensBefore).toBe(1);
    const vaultAfter = (await sandboxControl<LoggedRequest[]>('GET', 'requests?service=keyVault')).filter(
      (r) => r.method === 'GET' && r.path.includes(config.secretRefs.clientSecret),
    ).length;
    expect(vaultAfter - vaultBefore).toBeLessThanOrEqual(1);
    expect((await sandboxMessages('admin@contoso.example')).length - messagesBefore).toBe(1000);
  });
});

describe('delegated sender (refresh token in Key Vault)', () => {
  async function delegatedSender(upn: string, senderEmail: string): Promise<SenderConfig> {
    const tokens = await delegatedTokens(upn);
    const config = sender({ mode: 'delegated', senderEmail, accountEmail: upn, clientId: undefined });
    const name = secretName(config.orgId, 'refresh-token', 1);
    await secrets.set(name, tokens.refresh_token);
    return { ...config, secretRefs: { refreshToken: name } };
  }

  it('admin@ sends as the shared mailbox privacy@ through /me/sendMail; the rotated refresh token is stored as a new version', async () => {
    const config = await delegatedSender('admin@contoso.example', 'privacy@contoso.example');
    const provider = microsoftProvider.create(config, context);
    await provider.send(mail({ subject: 'from the shared mailbox' }));
    const [kept] = (await sandboxMessages('admin@contoso.example')).slice(-1);
    expect(kept.from).toEqual({ address: 'privacy@contoso.example', name: 'Compliance team - Contoso' });
    expect((await graphRequests()).slice(-1)[0].path).toBe('/v1.0/me/sendMail');
    const row = (await vaultRows()).find((r) => r.name === config.secretRefs.refreshToken)!;
    expect(row.versions).toHaveLength(2);
    const checks = await provider.verify();
    expect(checks.map((c) => [c.name, c.ok, c.skipped ?? false])).toEqual([
      ['sign-in', true, false],
      ['permission', true, false],
      ['mailbox', true, false],
      ['send-as', false, true],
    ]);
    expect(checks[0].message).toContain('admin@contoso.example');
  });

  it('a user without Send As -> MS_SEND_AS_DENIED, in send and in Test connection', async () => {
    const provider = microsoftProvider.create(await delegatedSender('notifications@contoso.example', 'privacy@contoso.example'), context);
    const error = await failure(provider.send(mail()));
    expect(error.code).toBe('MS_SEND_AS_DENIED');
    expect(error.hint).toContain('notifications@contoso.example may not send as privacy@contoso.example');
    // Here Graph refused Send As before the missing recipients: a real refusal, so the send-as check fails.
    expect((await provider.verify())[2]).toMatchObject({ name: 'send-as', ok: false, code: 'MS_SEND_AS_DENIED' });
  });

  it('Test connection redeems the refresh token only without a valid cached access token, and writes the rotated one only then', async () => {
    const config = await delegatedSender('admin@contoso.example', 'admin@contoso.example');
    const versions = async () => (await vaultRows()).find((r) => r.name === config.secretRefs.refreshToken)!.versions.length;
    const provider = microsoftProvider.create(config, context);
    const before = (await tokenRequests()).length;
    const first = await provider.verify();
    expect([first[0].ok, first[0].message]).toEqual([true, 'Refreshed the saved sign-in of admin@contoso.example.']);
    expect([(await tokenRequests()).length - before, await versions()]).toEqual([1, 2]);
    const again = await provider.verify();
    expect(again.map((c) => c.ok)).toEqual([true, true, true]);
    expect(again[0].message).toContain('not redeemed again');
    expect([(await tokenRequests()).length - before, await versions()]).toEqual([1, 2]);
    // A revoked sign-in shows as soon as there is no valid access token to reuse.
    await sandboxControl('POST', 'entra/users/admin@contoso.example/revoke-sessions');
    const cold = await microsoftProvider.create(config, context).verify();
    expect(cold[0]).toMatchObject({ name: 'sign-in', ok: false, code: 'MS_REAUTH_REQUIRED' });
    expect(await versions()).toBe(2);
  });

  it('revoked sign-in sessions -> MS_REAUTH_REQUIRED', async () => {
    const provider = microsoftProvider.create(await delegatedSender('admin@contoso.example', 'admin@contoso.example'), context);
    await sandboxControl('POST', 'entra/users/admin@contoso.example/revoke-sessions');
    expect((await failure(provider.send(mail()))).code).toBe('MS_REAUTH_REQUIRED');
  });
});

describe('platform app with a managed identity as federated credential (MICROSOFT_CREDENTIAL=managed-identity)', () => {
  const miConfig = loadConfig({ ...process.env, MICROSOFT_CREDENTIAL: 'managed-identity', MICROSOFT_CLIENT_SECRET: '' });
  const assertion =
    (body: Record<string, string> = {}) =>
    async () =>
      (await sandboxControl<{ assertion: string }>('POST', 'entra/federated-assertion', body)).assertion;

  beforeAll(async () => {
    // What admin consent leaves behind: the platform app's service principal in Contoso with Mail.Send.
    await sandboxControl('POST', 'entra/grants', { tenantId: CONTOSO_TENANT_ID, clientId: PLATFORM_APP_ID, appRoles: ['Mail.Send'] });
  });

  it('sends with no platform secret at all: the managed identity token is the client assertion', async () => {
    expect(miConfig.microsoft.clientSecret).toBeUndefined();
    const provider = microsoftProvider.create(sender({ mode: 'admin_consent', clientId: undefined }), {
      config: miConfig,
      secrets,
      microsoftClientAssertion: assertion(),
    });
    await provider.send(mail({ subject: 'via federated credential' }));
    expect((await sandboxMessages('notifications@contoso.example')).slice(-1)[0].subject).toBe('via federated credential');
  });

  it('an assertion the app does not trust -> MS_SECRET_INVALID with the federated-credential hint', async () => {
    const provider = microsoftProvider.create(sender({ mode: 'admin_consent', clientId: undefined }), {
      config: miConfig,
      secrets,
      microsoftClientAssertion: assertion({ subject: '00000000-0000-4000-8000-00000000dead' }),
    });
    const error = await failure(provider.send(mail()));
    expect(error.code).toBe('MS_SECRET_INVALID');
    expect(error.hint).toMatch(/federated credential/);
  });
});

describe('internetMessageId refused by sendMail (sandbox fault): send without it, remembered per tenant', () => {
  afterAll(() => sandboxControl('POST', 'graph/refuse-internet-message-id', { tenantIds: [] }));

  it('a 400 that does not name the property is not retried (nothing remembered yet)', async () => {
    const provider = microsoftProvider.create(await appSender(CONTOSO_APP_SECRET, { senderEmail: 'admin@contoso.example' }), context);
    await sandboxControl('POST', 'faults', {
      service: 'graph',
      method: 'POST',
      path: '/sendMail$',
      status: 400,
      body: { error: { code: 'ErrorInvalidRecipients', message: "At least one recipient isn't valid." } },
      count: 1,
    });
    const sendMails = async () => (await graphRequests()).filter((r) => r.method === 'POST' && r.path.endsWith('/sendMail')).length;
    const before = await sendMails();
    const error = await failure(provider.send(mail()));
    expect(error.code).toBe('INVALID_MESSAGE');
    expect((await sendMails()) - before).toBe(1);
  });

  it('the first send retries once without the property and goes out; later sends of the tenant leave it out at once; nothing is sent twice', async () => {
    await sandboxControl('POST', 'graph/refuse-internet-message-id', { tenantIds: [CONTOSO_TENANT_ID] });
    const provider = microsoftProvider.create(await appSender(CONTOSO_APP_SECRET), context);
    const sendMails = async () => (await graphRequests()).filter((r) => r.method === 'POST' && r.path.endsWith('/sendMail')).length;
    const messagesBefore = (await sandboxMessages('notifications@contoso.example')).length;
    const requestsBefore = await sendMails();

    await provider.send(mail());
    expect((await sendMails()) - requestsBefore).toBe(2); // refused with the property, accepted without
    const [first] = (await sandboxMessages('notifications@contoso.example')).slice(-1);
    expect(JSON.parse(first.raw).message.internetMessageId).toBeUndefined();

    // Another sender config of the same tenant (a new provider object) already knows.
    const other = microsoftProvider.create(await appSender(CONTOSO_APP_SECRET, { senderEmail: 'admin@contoso.example' }), context);
    await provider.send(mail());
    await other.send(mail());
    expect((await sendMails()) - requestsBefore).toBe(4);
    expect((await sandboxMessages('notifications@contoso.example')).length - messagesBefore).toBe(2);
  });
});
