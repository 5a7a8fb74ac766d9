/**
 * Several senders per org, end to end through the local host, the sandbox (Graph, Gmail,
 * Entra, Key Vault) and Azurite: named senders and their routes, routing rules decided in one place
 * (the worker and `explain` agree), fallback hops in the status, the single-sender routes unchanged,
 * and limits per mailbox whichever sender uses it.
 */
import { CONTOSO_APP_ID, CONTOSO_APP_SECRET, CONTOSO_TENANT_ID } from '../../dev/sandbox/world';
import type { SenderConfig } from '@shared/model/sender';
import { toView } from '@shared/senders/view';
import { secretName } from '@shared/store/secretNames';
import { googleSenderConfig } from '../support/builders';
import {
  acceptedMessages,
  api,
  enqueueAll,
  ids,
  microsoftSender,
  newOrgId,
  sandboxControl,
  startWithDefaultSender,
  TestHost,
  waitForFinal,
} from './delivery-helpers';
import { defaultBrowser, useConsentHost } from '../support/consentBrowser';
import { consent, grantEarlier, SETTINGS_SCOPE } from './google-helpers';

let t: TestHost;

beforeAll(async () => {
  t = await startWithDefaultSender();
});

afterAll(async () => {
  await t?.host.close();
});

beforeEach(async () => {
  await sandboxControl('DELETE', 'messages');
  await sandboxControl('DELETE', 'requests');
});

/** An active Microsoft sender `key` of the org (Contoso's app), its secret under the key's own Key Vault name. */
async function namedMicrosoft(org: string, key: string, senderEmail: string, fields: Partial<SenderConfig> = {}): Promise<SenderConfig> {
  const name = secretName(org, 'client-secret', 1, key);
  await t.services.secrets.set(name, CONTOSO_APP_SECRET);
  return microsoftSender(t.services, org, { senderKey: key, senderEmail, secretRefs: { clientSecret: name }, ...fields });
}

/** The `compliance` sender: Google oauth of alerts@fabrikam.example, sending as its verified alias noreply@. */
async function complianceSender(org: string, fields: Partial<SenderConfig> = {}): Promise<SenderConfig> {
  await grantEarlier('alerts@fabrikam.example', SETTINGS_SCOPE);
  const outcome = await (await consent('alerts@fabrikam.example')).complete();
  const name = secretName(org, 'refresh-token', 1, 'compliance');
  await t.services.secrets.set(name, outcome.secrets.refreshToken);
  const now = new Date().toISOString();
  const config = googleSenderConfig({
    orgId: org,
    senderKey: 'compliance',
    ...outcome.fields,
    senderEmail: 'noreply@fabrikam.example',
    senderName: 'Fabrikam Compliance',
    secretRefs: { refreshToken: name },
    createdAt: now,
    updatedAt: now,
    ...fields,
  });
  await t.services.senders.store.create(config);
  return config;
}

const RULES = [
  { match: { workspace: 'subsidiary-de' }, sender: 'subsidiary' },
  { match: { category: ['compliance-alert', 'dpo-notice'] }, sender: 'compliance' },
];

/** default (Microsoft notifications@), compliance (Google noreply@), subsidiary (Microsoft privacy@), and the rules. */
async function threeSenderOrg(label: string): Promise<string> {
  const org = newOrgId(label);
  await microsoftSender(t.services, org);
  await complianceSender(org);
  await namedMicrosoft(org, 'subsidiary', 'privacy@contoso.example');
  const put = await api(t.host, 'PUT', `orgs/${org}/routing`, { rules: RULES });
  expect(put).toEqual({ status: 200, body: { rules: RULES } });
  return org;
}

describe('routing among several senders', () => {
  it('compliance-alert goes out from noreply@ through Gmail, task from notifications@ through Graph, subsidiary-de from privacy@; explain agrees', async () => {
    const org = await threeSenderOrg('routes');
    const cases = [
      { id: 'comp-1', fields: { category: 'compliance-alert' }, key: 'compliance', provider: 'google', from: 'noreply@fabrikam.example' },
      { id: 'comp-2', fields: { category: 'dpo-notice' }, key: 'compliance', provider: 'google', from: 'noreply@fabrikam.example' },
      { id: 'task-1', fields: { category: 'task' }, key: 'default', provider: 'microsoft', from: 'notifications@contoso.example' },
      { id: 'none-1', fields: {}, key: 'default', provider: 'microsoft', from: 'notifications@contoso.example' },
      {
        id: 'sub-1',
        fields: { category: 'compliance-alert', workspace: 'subsidiary-de' },
        key: 'subsidiary',
        provider: 'microsoft',
        from: 'privacy@contoso.example',
      },
    ];
    for (const c of cases) await enqueueAll(t.host, org, [c.id], 1, c.fields);
    const rows = await waitForFinal(
      t.services,
      org,
      cases.map((c) => c.id),
    );
    const accepted = await acceptedMessages();
    for (const c of cases) {
      const explained = await api(t.host, 'POST', `orgs/${org}/routing/explain`, c.fields);
      expect(explained.status).toBe(200);
      expect(explained.body).toMatchObject({ sender: c.key, via: 'org', hops: [], provider: c.provider, senderEmail: c.from });
      // What explain said is what the worker did.
      expect(rows.get(c.id)).toMatchObject({
        status: 'sent',
        via: 'org',
        senderKey: explained.body.sender,
        sender: explained.body.senderEmail,
        provider: c.provider,
      });
      expect(rows.get(c.id)!.hops).toBeUndefined();
      expect(rows.get(c.id)!.workspace).toBe((c.fields as { workspace?: string }).workspace);
      const sent = accepted.filter((m) => m.subject === `Subject ${c.id}`);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ provider: c.provider, from: { address: c.from } });
    }
    // Counted in the sandbox: two through Gmail, three through Graph.
    expect(accepted.filter((m) => m.provider === 'google')).toHaveLength(2);
    expect(accepted.filter((m) => m.provider === 'microsoft')).toHaveLength(3);
  });

  it('the compliance sender needs attention: its messages fall back to the default sender, and the status shows the hop', async () => {
    const org = await threeSenderOrg('hops');
    const stored = (await t.services.senders.store.get(org, 'compliance'))!;
    const at = new Date().toISOString();
    await t.services.senders.store.replace(
      {
        ...stored.config,
        status: 'needs_attention',
        lastError: { code: 'GOOGLE_REAUTH_REQUIRED', message: 'revoked', hint: 'sign in again', at },
      },
      stored.etag,
    );
    const hop = { sender: 'compliance', status: 'needs_attention', reason: 'GOOGLE_REAUTH_REQUIRED' };
    const explained = await api(t.host, 'POST', `orgs/${org}/routing/explain`, { category: 'compliance-alert' });
    expect(explained.body).toMatchObject({
      sender: 'default',
      via: 'org',
      hops: [hop],
      senderEmail: 'notifications@contoso.example',
      reason: expect.stringMatching(/rule 2 matched; compliance is needs_attention/),
    });
    await enqueueAll(t.host, org, ['fb-1'], 1, { category: 'compliance-alert' });
    const row = (await waitForFinal(t.services, org, ['fb-1'])).get('fb-1')!;
    expect(row).toMatchObject({ status: 'sent', via: 'org', senderKey: 'default', sender: 'notifications@contoso.example', hops: [hop] });

    // The org's default sender breaks too: the platform's default sender, both hops shown.
    const own = (await t.services.senders.store.get(org))!;
    await t.services.senders.store.replace(
      { ...own.config, status: 'needs_attention', lastError: { code: 'MS_SECRET_EXPIRED', message: 'expired', hint: 'new secret', at } },
      own.etag,
    );
    const hops = [hop, { sender: 'default', status: 'needs_attention', reason: 'MS_SECRET_EXPIRED' }];
    expect((await api(t.host, 'POST', `orgs/${org}/routing/explain`, { category: 'compliance-alert' })).body).toMatchObject({
      sender: '_platform',
      via: 'default',
      hops,
    });
    await enqueueAll(t.host, org, ['fb-2'], 1, { category: 'compliance-alert' });
    const second = (await waitForFinal(t.services, org, ['fb-2'])).get('fb-2')!;
    expect(second).toMatchObject({
      status: 'sent',
      via: 'default',
      viaReason: 'GOOGLE_REAUTH_REQUIRED',
      senderKey: '_platform',
      sender: 'admin@fabrikam.example',
      hops,
    });
  });

  it('a named sender that fails with an auth error is marked needs_attention and the message goes out from the default sender', async () => {
    const org = newOrgId('live-fb');
    await microsoftSender(t.services, org);
    // A secret Entra does not know: the token request fails with MS_SECRET_INVALID (auth).
    const name = secretName(org, 'client-secret', 1, 'broken');
    await t.services.secrets.set(name, 'not-the-secret');
    await microsoftSender(t.services, org, {
      senderKey: 'broken',
      senderEmail: 'privacy@contoso.example',
      secretRefs: { clientSecret: name },
    });
    await api(t.host, 'PUT', `orgs/${org}/routing`, { rules: [{ match: { category: 'x' }, sender: 'broken' }] });
    await enqueueAll(t.host, org, ['live-1'], 1, { category: 'x' });
    const row = (await waitForFinal(t.services, org, ['live-1'])).get('live-1')!;
    const broken = (await t.services.senders.store.get(org, 'broken'))!.config;
    expect(broken).toMatchObject({ status: 'needs_attention', lastError: { code: expect.stringMatching(/^MS_/) } });
    expect(row).toMatchObject({
      status: 'sent',
      senderKey: 'default',
      sender: 'notifications@contoso.example',
      hops: [{ sender: 'broken', status: 'needs_attention', reason: broken.lastError!.code }],
    });
  });
});

describe('the sender API with keys', () => {
  it('the single-sender routes answer exactly as before, also once the org has more senders', async () => {
    const org = newOrgId('old');
    const config = await microsoftSender(t.services, org);
    const before = await api(t.host, 'GET', `orgs/${org}/sender`);
    expect(before.status).toBe(200);
    expect(before.body).not.toHaveProperty('senderKey');
    expect(before.body).toEqual(JSON.parse(JSON.stringify(toView(config))));
    expect((await api(t.host, 'POST', `orgs/${org}/sender/verify`)).body).toMatchObject({ ok: true });
    // The same sender through the keyed routes: the same view, naming its key.
    expect((await api(t.host, 'GET', `orgs/${org}/senders/default`)).body).toEqual({ ...before.body, senderKey: 'default' });

    await namedMicrosoft(org, 'second', 'privacy@contoso.example');
    await api(t.host, 'PUT', `orgs/${org}/routing`, { rules: [{ match: { category: 'x' }, sender: 'second' }] });
    expect(await api(t.host, 'GET', `orgs/${org}/sender`)).toEqual(before);
    const list = await api(t.host, 'GET', `orgs/${org}/senders`);
    expect(list.body.senders.map((s: { senderKey: string; senderEmail: string }) => [s.senderKey, s.senderEmail])).toEqual([
      ['default', 'notifications@contoso.example'],
      ['second', 'privacy@contoso.example'],
    ]);
  });

  it('creates a named sender with its own Key Vault names; duplicate 409, bad key 422, 21st 422, unknown rule sender 422, routed delete 409', async () => {
    const org = newOrgId('create');
    const input = {
      provider: 'microsoft',
      mode: 'app_registration',
      senderEmail: 'privacy@contoso.example',
      senderName: 'Privacy',
      tenantId: CONTOSO_TENANT_ID,
      clientId: CONTOSO_APP_ID,
      clientSecret: CONTOSO_APP_SECRET,
    };
    const created = await api(t.host, 'POST', `orgs/${org}/senders`, { key: 'privacy', ...input });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ senderKey: 'privacy', status: 'draft', senderEmail: 'privacy@contoso.example' });
    const row = (await t.services.senders.store.get(org, 'privacy'))!.config;
    expect(row.secretRefs.clientSecret).toBe(`snd${org.length}-${org}-privacy-client-secret-1`);
    expect(await t.services.senders.store.get(org)).toBeUndefined(); // the default sender is untouched
    expect((await api(t.host, 'POST', `orgs/${org}/senders/privacy/verify`)).body).toMatchObject({ ok: true });

    expect((await api(t.host, 'POST', `orgs/${org}/senders`, { key: 'privacy', ...input })).body.error.code).toBe('SENDER_EXISTS');
    expect((await api(t.host, 'POST', `orgs/${org}/senders`, { key: 'privacy', ...input })).status).toBe(409);
    const bad = await api(t.host, 'POST', `orgs/${org}/senders`, { key: 'Not_Valid', ...input });
    expect(bad).toMatchObject({ status: 422, body: { error: { code: 'VALIDATION_FAILED', fields: { key: expect.any(String) } } } });
    expect((await api(t.host, 'GET', `orgs/${org}/senders/nope`)).status).toBe(404);

    const unknown = await api(t.host, 'PUT', `orgs/${org}/routing`, { rules: [{ match: { category: 'a' }, sender: 'ghost' }] });
    expect(unknown).toMatchObject({
      status: 422,
      body: { error: { code: 'VALIDATION_FAILED', fields: { 'rules.0.sender': expect.any(String) } } },
    });
    const tooMany = Array.from({ length: 51 }, () => ({ match: {}, sender: 'privacy' }));
    expect((await api(t.host, 'PUT', `orgs/${org}/routing`, { rules: tooMany })).status).toBe(422);
    expect((await api(t.host, 'GET', `orgs/${org}/routing`)).body).toEqual({ rules: [] }); // nothing written

    await api(t.host, 'PUT', `orgs/${org}/routing`, { rules: [{ match: { category: 'a' }, sender: 'privacy' }] });
    const routed = await api(t.host, 'DELETE', `orgs/${org}/senders/privacy`);
    expect(routed).toMatchObject({ status: 409, body: { error: { code: 'SENDER_IN_USE' } } });
    await api(t.host, 'PUT', `orgs/${org}/routing`, { rules: [] });
    expect((await api(t.host, 'DELETE', `orgs/${org}/senders/privacy`)).status).toBe(204);
    expect(await t.services.senders.store.get(org, 'privacy')).toBeUndefined();

    // At most 20 senders: 20 rows exist, the 21st is refused and nothing is written.
    for (let i = 0; i < 20; i++) await namedMicrosoft(org, `s${i}`, 'privacy@contoso.example', { status: 'draft' });
    const twentyFirst = await api(t.host, 'POST', `orgs/${org}/senders`, { key: 'one-more', ...input });
    expect(twentyFirst).toMatchObject({ status: 422, body: { error: { code: 'TOO_MANY_SENDERS' } } });
    expect(await t.services.senders.store.get(org, 'one-more')).toBeUndefined();
  });

  it('a consent link for a named sender carries its key in the signed state, and the callback stores into that sender', async () => {
    const org = newOrgId('consent');
    const created = await api(t.host, 'POST', `orgs/${org}/senders`, {
      key: 'alerts',
      provider: 'google',
      mode: 'oauth',
      senderEmail: 'alerts@fabrikam.example',
      senderName: 'Alerts',
    });
    expect(created.status).toBe(201);
    const link = await api(t.host, 'POST', `orgs/${org}/senders/alerts/consent-link`, { provider: 'google', mode: 'oauth' });
    expect(link.status).toBe(200);
    const state = new URL(link.body.url).searchParams.get('state')!;
    const claims = JSON.parse(Buffer.from(state.split('.')[1], 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ org, snd: 'alerts' });
    // The old route's state has no key (it means `default`), as before.
    const old = await api(t.host, 'POST', `orgs/${org}/sender/consent-link`, { provider: 'google', mode: 'oauth' });
    expect(
      JSON.parse(Buffer.from(new URL(old.body.url).searchParams.get('state')!.split('.')[1], 'base64url').toString('utf8')),
    ).not.toHaveProperty('snd');

    // alerts@ approves; the callback stores the sign-in into `alerts`, not into `default`.
    useConsentHost(() => t.host.url);
    const google = new URL(await defaultBrowser.open(link.body.url));
    google.searchParams.set('login_hint', 'alerts@fabrikam.example');
    google.searchParams.set('sandbox_action', 'approve');
    const toCallback = await fetch(google, { redirect: 'manual' });
    expect(toCallback.status).toBe(302);
    const callback = new URL(toCallback.headers.get('location')!);
    const confirmation = await defaultBrowser.request('GET', callback.pathname + callback.search);
    expect((await defaultBrowser.answer(confirmation)).status).toBeLessThan(400);
    const alerts = (await t.services.senders.store.get(org, 'alerts'))!.config;
    expect(alerts).toMatchObject({
      senderKey: 'alerts',
      accountEmail: 'alerts@fabrikam.example',
      secretRefs: { refreshToken: `snd${org.length}-${org}-alerts-refresh-token-2` },
    });
    expect(await t.services.senders.store.get(org)).toBeUndefined();
    expect((await api(t.host, 'POST', `orgs/${org}/senders/alerts/verify`)).body).toMatchObject({ ok: true });
  });
});

describe('limits are per mailbox', () => {
  it('two senders on one mailbox never exceed its 4 concurrent Graph calls', async () => {
    const org = newOrgId('one-mailbox');
    await microsoftSender(t.services, org);
    await namedMicrosoft(org, 'same-box', 'notifications@contoso.example');
    await api(t.host, 'PUT', `orgs/${org}/routing`, { rules: [{ match: { category: 'b' }, sender: 'same-box' }] });
    await sandboxControl('POST', 'graph/limits', { concurrency: 4, latencyMs: 300 });
    try {
      const a = ids('a', 12);
      const b = ids('b', 12);
      await Promise.all([enqueueAll(t.host, org, a, 8, { category: 'a' }), enqueueAll(t.host, org, b, 8, { category: 'b' })]);
      const rows = await waitForFinal(t.services, org, [...a, ...b]);
      for (const id of a) expect(rows.get(id)).toMatchObject({ status: 'sent', attempts: 1, senderKey: 'default' });
      for (const id of b) expect(rows.get(id)).toMatchObject({ status: 'sent', attempts: 1, senderKey: 'same-box' });
      const requests = await sandboxControl<Array<{ status: number }>>('GET', 'requests?service=graph&path=/sendMail$');
      // The sandbox answers 429 ApplicationThrottled above 4 concurrent calls per mailbox: none came.
      expect(requests.filter((r) => r.status === 429)).toEqual([]);
      expect(requests).toHaveLength(24);
    } finally {
      await sandboxControl('POST', 'graph/limits', { latencyMs: 0 });
    }
  });
});
