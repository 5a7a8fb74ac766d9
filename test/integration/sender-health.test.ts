/**
 * The daily sender-health timer through the app's real function list, over Azurite and the sandbox
 * (Entra, Graph, Key Vault): a healthy active Contoso sender stays active; one whose client secret
 * has expired meanwhile (the sandbox's Entra refuses it with AADSTS7000222) becomes needs_attention
 * with MS_SECRET_EXPIRED, and its config view says so; a draft sender is not checked at all.
 * Also: the GET view warns about a secret that expires in 10 days.
 */
import type { Timer } from '@azure/functions';
import { createInvocationContext } from '../../dev/host/invocation';
import { CONTOSO_APP_ID, CONTOSO_APP_SECRET, CONTOSO_EXPIRED_SECRET, CONTOSO_TENANT_ID } from '../../dev/sandbox/world';
import { listFunctions, TimerFunction } from '../../functions/registry';
import { secretName } from '@shared/store/secretNames';
import { api, microsoftSender, newOrgId, sandboxControl, startHost, TestHost } from './delivery-helpers';

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
  await fn!.handler(timer, createInvocationContext(fn!.name, (line) => lines.push(line)));
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
    t.services.providers.forget(expired);
    await microsoftSender(t.services, draft, { status: 'draft', locked: false });
    await t.services.secrets.set(secretName(draft, 'client-secret', 1), CONTOSO_EXPIRED_SECRET);
    const draftBefore = (await t.services.senders.get(draft))!;
    const tokensBefore = (await sandboxControl('GET', `entra/tokens?clientId=${CONTOSO_APP_ID}`)).count;

    const lines = await runHealthTimer();

    expect((await t.services.senders.get(healthy))!.config).toMatchObject({ status: 'active', locked: true });
    expect((await t.services.senders.get(healthy))!.config.lastError).toBeUndefined();
    const broken = (await t.services.senders.get(expired))!.config;
    expect(broken).toMatchObject({ status: 'needs_attention', lastError: { code: 'MS_SECRET_EXPIRED', hint: expect.stringMatching(/Create a new secret/) } });
    // Not even looked at: same row, same ETag.
    expect((await t.services.senders.get(draft))!.etag).toBe(draftBefore.etag);
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
      const page = await t.services.senders.list({ continuationToken, pageSize: 2 });
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
      provider: 'microsoft', mode: 'app_registration', senderEmail: 'notifications@contoso.example', senderName: 'Contoso',
      tenantId: CONTOSO_TENANT_ID, clientId: CONTOSO_APP_ID, clientSecret: CONTOSO_APP_SECRET, clientSecretExpiresOn: day(10),
    });
    expect(saved.status).toBe(200);
    const view = await api(t.host, 'GET', `orgs/${orgId}/sender`);
    expect(view.body.warnings).toEqual([
      { code: 'MS_SECRET_EXPIRING', expiresOn: day(10), message: expect.stringMatching(/expires on .* \(in 1[01] days\)/), hint: expect.stringMatching(/create a new client secret/) },
    ]);
    // After Reset the secret is gone, and so is the warning.
    const reset = await api(t.host, 'POST', `orgs/${orgId}/sender/reset`);
    expect(reset.body.warnings).toBeUndefined();
  });
});
