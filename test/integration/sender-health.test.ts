/**
 * The daily sender-health timer through the app's real function list, over Azurite and the sandbox
 * (Entra, Graph, Key Vault): a healthy active Contoso sender stays active; one whose client secret
 * has expired meanwhile (the sandbox's Entra refuses it with AADSTS7000222) becomes needs_attention
 * with MS_SECRET_EXPIRED, and its config view says so; a draft sender is not checked at all.
 * Also: the GET view warns about a secret that expires in 10 days; and a least-privilege tenant (no
 * Entra Mail.Send, Exchange RBAC for Applications scoped to one mailbox) keeps working through two runs.
 */
import type { Timer } from '@azure/functions';
import { createInvocationContext } from '../../dev/host/invocation';
import {
  CONTOSO_APP_ID,
  CONTOSO_APP_SECRET,
  CONTOSO_EXPIRED_SECRET,
  CONTOSO_TENANT_ID,
  CONTOSO_USER_IDS,
  PLATFORM_APP_ID,
} from '../../dev/sandbox/world';
import { listFunctions, TimerFunction } from '../../functions/registry';
import { secretName } from '@shared/store/secretNames';
import { api, microsoftSender, newOrgId, sandboxControl, startHost, TestHost } from './delivery-helpers';
import { sandboxMessages } from './microsoft-helpers';

let t: TestHost;

beforeAll(async () => {
  await sandboxControl('POST', 'reset');
  t = await startHost();
});

afterAll(async () => {
  await t?.host.close();
});

const DAY = 24 * 3600 * 1000;
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);

/** Runs the registered timer function once, as the host would at 06:00 UTC; returns its log lines. */
async function runHealthTimer(): Promise<string[]> {
  const fn = listFunctions().find((d): d is TimerFunction => d.kind === 'timer' && d.name === 'senderHealth');
  expect(fn?.schedule).toBe('0 0 6 * * *');
  const lines: string[] = [];
  const timer: Timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };
  await fn!.handler(
    timer,
    createInvocationContext(fn!.name, (line) => lines.push(line)),
  );
  return lines;
}

describe('daily sender health check', () => {
  it('marks only the sender whose secret expired; healthy and draft senders are untouched', async () => {
    const healthy = newOrgId('healthy');
    const expired = newOrgId('expired');
    const draft = newOrgId('draft');
    await microsoftSender(t.services, healthy, { clientSecretExpiresOn: day(200) });
    await microsoftSender(t.services, expired, { clientSecretExpiresOn: day(-1) });
    // The secret ran out after the sender was activated: Key Vault now holds one Entra refuses.
    await t.services.secrets.set(secretName(expired, 'client-secret', 1), CONTOSO_EXPIRED_SECRET);
    t.services.senders.providers.forget(expired);
    await microsoftSender(t.services, draft, { status: 'draft', locked: false });
    await t.services.secrets.set(secretName(draft, 'client-secret', 1), CONTOSO_EXPIRED_SECRET);
    const draftBefore = (await t.services.senders.store.get(draft))!;
    const tokensBefore = (await sandboxControl('GET', `entra/tokens?clientId=${CONTOSO_APP_ID}`)).count;

    const lines = await runHealthTimer();

    expect((await t.services.senders.store.get(healthy))!.config).toMatchObject({ status: 'active', locked: true });
    expect((await t.services.senders.store.get(healthy))!.config.lastError).toBeUndefined();
    const broken = (await t.services.senders.store.get(expired))!.config;
    expect(broken).toMatchObject({
      status: 'needs_attention',
      lastError: { code: 'MS_SECRET_EXPIRED', hint: expect.stringMatching(/Create a new secret/) },
    });
    // Not even looked at: same row, same ETag.
    expect((await t.services.senders.store.get(draft))!.etag).toBe(draftBefore.etag);
    // The healthy sender's check asked Entra for a fresh token (the expired one was refused, so issued none).
    expect((await sandboxControl('GET', `entra/tokens?clientId=${CONTOSO_APP_ID}`)).count).toBeGreaterThan(tokensBefore);

    // The admin sees it in the config view, with the warning about the stored expiry date too.
    const view = await api(t.host, 'GET', `orgs/${expired}/sender`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      status: 'needs_attention',
      sendingVia: 'default',
      lastError: { code: 'MS_SECRET_EXPIRED' },
      warnings: [{ code: 'MS_SECRET_EXPIRING', expiresOn: day(-1), message: expect.stringContaining('expired on') }],
    });

    // The log names orgs and codes, never a secret.
    expect(lines.join('\n')).toContain(`sender-health: ${expired} needs_attention (MS_SECRET_EXPIRED)`);
    expect(lines.join('\n')).not.toContain(`${healthy} needs_attention`);
    for (const secret of [CONTOSO_APP_SECRET, CONTOSO_EXPIRED_SECRET]) expect(lines.join('\n')).not.toContain(secret);
  });

  it('the sender store lists every row page by page (continuation tokens)', async () => {
    const orgs = [newOrgId('page'), newOrgId('page'), newOrgId('page')];
    for (const orgId of orgs) await microsoftSender(t.services, orgId, { status: 'draft', locked: false });
    const seen: string[] = [];
    let pages = 0;
    let continuationToken: string | undefined;
    do {
      const page = await t.services.senders.store.list({ continuationToken, pageSize: 2 });
      expect(page.items.length).toBeLessThanOrEqual(2);
      // A row is one sender of one org (an org may have several named senders besides `default`).
      seen.push(...page.items.map((item) => `${item.config.orgId}/${item.config.senderKey ?? 'default'}`));
      pages++;
      continuationToken = page.continuationToken;
    } while (continuationToken);
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual(expect.arrayContaining(orgs.map((orgId) => `${orgId}/default`)));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('the GET view warns about a client secret that expires in 10 days', async () => {
    const orgId = newOrgId('expiring');
    const saved = await api(t.host, 'PUT', `orgs/${orgId}/sender`, {
      provider: 'microsoft',
      mode: 'app_registration',
      senderEmail: 'notifications@contoso.example',
      senderName: 'Contoso',
      tenantId: CONTOSO_TENANT_ID,
      clientId: CONTOSO_APP_ID,
      clientSecret: CONTOSO_APP_SECRET,
      clientSecretExpiresOn: day(10),
    });
    expect(saved.status).toBe(200);
    const view = await api(t.host, 'GET', `orgs/${orgId}/sender`);
    expect(view.body.warnings).toEqual([
      {
        code: 'MS_SECRET_EXPIRING',
        expiresOn: day(10),
        message: expect.stringMatching(/expires on .* \(in 1[01] days\)/),
        hint: expect.stringMatching(/create a new client secret/),
      },
    ]);
    // After Reset the secret is gone, and so is the warning.
    const reset = await api(t.host, 'POST', `orgs/${orgId}/sender/reset`);
    expect(reset.body.warnings).toBeUndefined();
  });
});

describe('least privilege: the platform app has no Mail.Send in Entra ID, only an Exchange RBAC for Applications role for notifications@', () => {
  beforeAll(() =>
    sandboxControl('POST', 'entra/grants', {
      tenantId: CONTOSO_TENANT_ID,
      clientId: PLATFORM_APP_ID,
      appRoles: [],
      exchangeMailSendUserIds: [CONTOSO_USER_IDS.notifications],
    }),
  );

  /** An admin_consent sender of the platform app in Contoso (consent done), as a draft to test. */
  const consentedSender = (orgId: string, senderEmail: string, fields = {}) =>
    microsoftSender(t.services, orgId, {
      mode: 'admin_consent',
      clientId: undefined,
      secretRefs: {},
      senderEmail,
      status: 'draft',
      locked: false,
      lastTest: undefined,
      ...fields,
    });

  it("Test connection warns that Mail.Send is not granted in Entra ID and passes on the mailbox's own answer; Save and test sends; two health runs leave it active", async () => {
    const orgId = newOrgId('rbac');
    await consentedSender(orgId, 'notifications@contoso.example');
    const verify = await api(t.host, 'POST', `orgs/${orgId}/sender/verify`);
    expect(verify.body.ok).toBe(true);
    const permission = verify.body.checks.find((c: { name: string }) => c.name === 'permission');
    expect(permission).toMatchObject({ ok: false, level: 'warning', message: expect.stringContaining('not granted in Entra ID') });
    expect(permission.message).toContain('works only if Exchange RBAC for Applications');
    expect(permission.code).toBeUndefined();
    expect(verify.body.checks.find((c: { name: string }) => c.name === 'mailbox')).toMatchObject({ ok: true });

    await sandboxControl('DELETE', 'messages');
    const test = await api(t.host, 'POST', `orgs/${orgId}/sender/test`, { to: 'it@contoso.example' });
    expect(test.status).toBe(200);
    expect(test.body.sender).toMatchObject({ status: 'active' });
    expect(await sandboxMessages('notifications@contoso.example')).toHaveLength(1);

    for (const run of [1, 2]) {
      const lines = await runHealthTimer();
      const row = (await t.services.senders.store.get(orgId))!.config;
      expect({ run, status: row.status, lastError: row.lastError }).toEqual({ run, status: 'active', lastError: undefined });
      expect(lines.join('\n')).not.toContain(`${orgId} needs_attention`);
    }
  });

  it('another mailbox of the tenant, outside the RBAC scope, gets the refusal with MS_RBAC_SCOPE_DENIED in Test connection and Save and test; the health run marks such a sender on that real answer', async () => {
    const orgId = newOrgId('rbac-out');
    await consentedSender(orgId, 'admin@contoso.example');
    const verify = await api(t.host, 'POST', `orgs/${orgId}/sender/verify`);
    expect(verify.body.ok).toBe(false);
    const mailbox = verify.body.checks.find((c: { name: string }) => c.name === 'mailbox');
    expect(mailbox).toMatchObject({ ok: false, code: 'MS_RBAC_SCOPE_DENIED', hint: expect.stringContaining('admin@contoso.example') });
    expect(mailbox.hint).toMatch(/RBAC for Applications/);
    const test = await api(t.host, 'POST', `orgs/${orgId}/sender/test`, { to: 'it@contoso.example' });
    expect(test.body.error).toMatchObject({ code: 'MS_RBAC_SCOPE_DENIED', hint: expect.stringMatching(/RBAC for Applications/) });

    const active = newOrgId('rbac-active-out');
    await consentedSender(active, 'admin@contoso.example', { status: 'active', locked: true });
    await runHealthTimer();
    expect((await t.services.senders.store.get(active))!.config).toMatchObject({
      status: 'needs_attention',
      lastError: { code: 'MS_RBAC_SCOPE_DENIED' },
    });
  });
});
