/**
 * `createSenderResolver`, what delivery calls: routing between an org's own sender and the default
 * sender through the lifecycle (draft -> active -> needs_attention -> active -> reset), one cached
 * provider per config version, and `markNeedsAttention`. Real Azurite, Key Vault and Graph.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@shared/config';
import { MailerError } from '@shared/errors';
import { createServices, Services } from '@shared/services';
import { DEFAULT_ORG_ID } from '@shared/model/sender';
import { CONTOSO_APP_ID, CONTOSO_APP_SECRET, CONTOSO_TENANT_ID } from '../../dev/sandbox/world';
import { sandboxControl } from '../support/env';
import { tokenRequests } from './microsoft-helpers';

let services: Services;
const org = () => `res-${randomBytes(4).toString('hex')}`;

const appRegistration = (senderEmail: string, extra: Record<string, unknown> = {}) => ({
  provider: 'microsoft',
  mode: 'app_registration',
  senderEmail,
  senderName: senderEmail.split('@')[0],
  tenantId: CONTOSO_TENANT_ID,
  clientId: CONTOSO_APP_ID,
  clientSecret: CONTOSO_APP_SECRET,
  ...extra,
});

async function activate(orgId: string, senderEmail: string, extra: Record<string, unknown> = {}): Promise<void> {
  await services.senders.service.save(orgId, appRegistration(senderEmail, extra));
  await services.senders.service.test(orgId, { to: 'it@contoso.example' });
}

const expired = () => new MailerError('MS_SECRET_EXPIRED', 'The client secret has expired.');

beforeAll(async () => {
  await sandboxControl('POST', 'reset');
  services = createServices(loadConfig());
  await services.senders.service.remove(DEFAULT_ORG_ID);
});

afterAll(async () => {
  await services.senders.service.remove(DEFAULT_ORG_ID);
});

describe('sender resolver', () => {
  it('nothing configured anywhere -> undefined', async () => {
    await expect(services.senders.resolver.resolve(org())).resolves.toBeUndefined();
    await expect(services.senders.resolver.resolveDefault()).resolves.toBeUndefined();
  });

  it('an org without an active sender goes out via the default sender once that is active', async () => {
    await services.senders.service.save(DEFAULT_ORG_ID, appRegistration('admin@contoso.example'));
    await expect(services.senders.resolver.resolve(org())).resolves.toBeUndefined(); // the default is still a draft
    await services.senders.service.test(DEFAULT_ORG_ID, { to: 'it@contoso.example' });
    const resolved = await services.senders.resolver.resolve(org());
    expect(resolved).toMatchObject({ orgId: DEFAULT_ORG_ID, via: 'default', provider: { sender: { address: 'admin@contoso.example' } } });
  });

  it('an active org sender is used, with ONE provider per config version (no token request per message)', async () => {
    const orgId = org();
    await activate(orgId, 'notifications@contoso.example');
    const first = await services.senders.resolver.resolve(orgId);
    expect(first).toMatchObject({ orgId, via: 'org', config: { status: 'active' } });
    const tokensBefore = (await tokenRequests()).length;
    for (let i = 0; i < 20; i++) {
      const again = await services.senders.resolver.resolve(orgId);
      expect(again!.provider).toBe(first!.provider);
      await again!.provider.send({
        id: `m${i}`,
        to: [{ address: 'x@example.com' }],
        cc: [],
        bcc: [],
        replyTo: [],
        subject: 's',
        text: 't',
        attachments: [],
        headers: {},
      });
    }
    expect((await tokenRequests()).length).toBe(tokensBefore);
  });

  it('a config change (reset, save) moves the version: the next resolve builds a new provider and routes per the new status', async () => {
    const orgId = org();
    await activate(orgId, 'notifications@contoso.example');
    const before = await services.senders.resolver.resolve(orgId);
    await services.senders.service.reset(orgId);
    expect(await services.senders.resolver.resolve(orgId)).toMatchObject({ via: 'default', orgId: DEFAULT_ORG_ID });
    await activate(orgId, 'notifications@contoso.example');
    const after = await services.senders.resolver.resolve(orgId);
    expect(after!.via).toBe('org');
    expect(after!.config.version).toBeGreaterThan(before!.config.version);
    expect(after!.provider).not.toBe(before!.provider);
  });

  it('needs_attention with fallback -> default sender with the reason; after a successful re-test -> the org again', async () => {
    const orgId = org();
    await activate(orgId, 'notifications@contoso.example');
    await services.senders.resolver.markNeedsAttention(orgId, expired());
    const view = await services.senders.service.get(orgId);
    expect(view).toMatchObject({
      status: 'needs_attention',
      locked: true,
      sendingVia: 'default',
      lastError: { code: 'MS_SECRET_EXPIRED', hint: expect.stringMatching(/expired/) },
    });
    const resolved = await services.senders.resolver.resolve(orgId);
    expect(resolved).toMatchObject({ via: 'default', orgId: DEFAULT_ORG_ID, fallbackReason: { code: 'MS_SECRET_EXPIRED' } });
    await services.senders.service.test(orgId, { to: 'it@contoso.example' });
    expect(await services.senders.resolver.resolve(orgId)).toMatchObject({ via: 'org', orgId, config: { status: 'active' } });
  });

  it('needs_attention WITHOUT fallback stays on the org sender (messages fail with the real code, never from another mailbox)', async () => {
    const orgId = org();
    await activate(orgId, 'notifications@contoso.example', { fallbackToDefault: false });
    await services.senders.resolver.markNeedsAttention(orgId, expired());
    expect(await services.senders.resolver.resolve(orgId)).toMatchObject({ via: 'org', orgId, config: { status: 'needs_attention' } });
    expect((await services.senders.service.get(orgId)).sendingVia).toBe('org');
  });

  it('markNeedsAttention for an older version (the admin already changed the config) changes nothing', async () => {
    const orgId = org();
    await activate(orgId, 'notifications@contoso.example');
    const { version } = await services.senders.service.get(orgId);
    await services.senders.resolver.markNeedsAttention(orgId, expired(), version - 1);
    expect((await services.senders.service.get(orgId)).status).toBe('active');
    await services.senders.resolver.markNeedsAttention(orgId, expired(), version);
    expect((await services.senders.service.get(orgId)).status).toBe('needs_attention');
  });

  it('needs_attention with fallback but no default sender: the org sender is still tried', async () => {
    const orgId = org();
    await activate(orgId, 'notifications@contoso.example');
    await services.senders.resolver.markNeedsAttention(orgId, expired());
    await services.senders.service.remove(DEFAULT_ORG_ID);
    expect(await services.senders.resolver.resolve(orgId)).toMatchObject({ via: 'org', orgId });
  });
});
