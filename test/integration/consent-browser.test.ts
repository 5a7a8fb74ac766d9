/**
 * A consent belongs to the browser that opened its link, and nothing is stored until the person who
 * signed in confirms, on a page of ours, which org it joins. Two scripted browsers (two cookie jars)
 * against the local host, Azurite and the sandbox: the provider's answer carried by browser B is
 * refused and stores nothing, the same answer in browser A works (Microsoft delegated, Microsoft
 * admin consent, Google OAuth, a directory connection); forged, cancelled and replayed confirmations
 * store nothing; a named sender deleted after its link was made is not recreated.
 */
import { randomBytes } from 'node:crypto';
import { startLocalHost, LocalHost } from '../../dev/host/localHost';
import { CONTOSO_TENANT_ID } from '../../dev/sandbox/world';
import { loadConfig } from '@shared/config';
import { ConsentBrowser, confirmationForm, PageAnswer } from '../support/consentBrowser';
import { sandboxControl } from '../support/env';
import { transcriptApi } from './api-transcript';
import { authorize } from './google-helpers';
import { followConsentPage, followFormPostPage } from './microsoft-helpers';

const config = loadConfig();
let host: LocalHost;
const transcript: string[] = [];
const a = new ConsentBrowser();
const b = new ConsentBrowser();
const { api } = transcriptApi(() => host, transcript, undefined, a);
const newOrg = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
const ORG_NAME = "Contoso & Co's";

beforeAll(async () => {
  await sandboxControl('POST', 'reset');
  await sandboxControl('POST', `google/clients/${encodeURIComponent(config.google.clientId)}/redirect-uris`, {
    uri: `${config.publicBaseUrl}/api/oauth/google/callback`,
  });
  host = await startLocalHost({ port: 0, queues: false, timers: false, log: () => undefined });
});
afterAll(() => host?.close());

const pathOf = (url: URL | string) => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};
const senderOf = async (orgId: string, key?: string) =>
  (await api('GET', key ? `orgs/${orgId}/senders/${key}` : `orgs/${orgId}/sender`)).status;
const codeOf = (page: PageAnswer) => /<code>([A-Z_]+)<\/code>/.exec(page.text)?.[1];

async function senderLink(orgId: string, body: Record<string, unknown>): Promise<string> {
  const link = await api('POST', `orgs/${orgId}/sender/consent-link`, { ...body, orgName: ORG_NAME });
  expect(link.status).toBe(200);
  return link.body.url;
}

/** B carries the provider's answer: refused, nothing stored; then A carries the same answer: the confirmation page. */
async function refusedInB(send: (browser: ConsentBrowser) => Promise<PageAnswer>): Promise<PageAnswer> {
  const inB = await send(b);
  expect(inB.status).toBe(403);
  expect(codeOf(inB)).toBe('CONSENT_BROWSER_MISMATCH');
  const inA = await send(a);
  expect(inA.status).toBe(200);
  expect(confirmationForm(inA.text)).toBeDefined();
  return inA;
}

describe('the provider answer counts only in the browser that opened the link', () => {
  it('Microsoft delegated: refused in B, nothing stored; confirmed in A it connects', async () => {
    const orgId = newOrg('deleg');
    const link = await senderLink(orgId, { provider: 'microsoft', mode: 'delegated' });
    const signIn = await followFormPostPage(await a.open(link), 'admin@contoso.example');
    const page = await refusedInB((browser) => browser.request('POST', signIn.action.pathname, signIn.fields));
    expect(await senderOf(orgId)).toBe(404);
    expect((await a.answer(page)).status).toBe(200);
    expect((await api('GET', `orgs/${orgId}/sender`)).body).toMatchObject({ mode: 'delegated', accountEmail: 'admin@contoso.example' });
  });

  it('a second browser opening a claimed link is refused (CONSENT_LINK_CLAIMED); the first may open it again', async () => {
    const link = await senderLink(newOrg('claim'), { provider: 'microsoft', mode: 'delegated' });
    const first = await a.open(link);
    const second = await b.request('GET', pathOf(link));
    expect(second.status).toBe(409);
    expect(codeOf(second)).toBe('CONSENT_LINK_CLAIMED');
    expect(second.headers.get('set-cookie')).toBeNull();
    expect(await a.open(link)).toBe(first);
  });

  it('Microsoft admin consent: step 2 refused in B, nothing stored; in A it connects', async () => {
    const orgId = newOrg('admin');
    const signIn = await followFormPostPage(
      await a.open(await senderLink(orgId, { provider: 'microsoft', mode: 'admin_consent' })),
      'admin@contoso.example',
    );
    // Step 1 in B is refused as well, and leaves step 1 usable by A.
    expect((await b.request('POST', signIn.action.pathname, signIn.fields)).status).toBe(403);
    const continued = await a.request('POST', signIn.action.pathname, signIn.fields);
    expect(continued.status).toBe(303);
    const back = await followConsentPage(continued.headers.get('location')!, 'admin@contoso.example');
    const page = await refusedInB((browser) => browser.request('GET', pathOf(back)));
    expect(await senderOf(orgId)).toBe(404);
    expect(page.text).toContain(CONTOSO_TENANT_ID);
    expect((await a.answer(page)).status).toBe(200);
    expect((await api('GET', `orgs/${orgId}/sender`)).body).toMatchObject({ mode: 'admin_consent', tenantId: CONTOSO_TENANT_ID });
  });

  it('Google OAuth: refused in B, nothing stored; in A it connects', async () => {
    const orgId = newOrg('google');
    const link = await senderLink(orgId, { provider: 'google', mode: 'oauth', loginHint: 'alerts@fabrikam.example' });
    const query = await authorize(await a.open(link), { sandbox_action: 'approve' });
    const page = await refusedInB((browser) => browser.request('GET', `/api/oauth/google/callback?${query}`));
    expect(await senderOf(orgId)).toBe(404);
    expect((await a.answer(page)).status).toBe(200);
    expect((await api('GET', `orgs/${orgId}/sender`)).body).toMatchObject({ provider: 'google', accountEmail: 'alerts@fabrikam.example' });
  });

  it('a directory connection: refused in B, still connecting; in A it becomes active', async () => {
    const orgId = newOrg('dir');
    const created = await api('POST', `orgs/${orgId}/directory/connections`, {
      name: 'Contoso',
      provider: 'microsoft',
      mode: 'delegated',
      orgName: ORG_NAME,
    });
    expect(created.status).toBe(201);
    const id = created.body.connection.id;
    const signIn = await followFormPostPage(await a.open(created.body.consentUrl), 'admin@contoso.example');
    const page = await refusedInB((browser) => browser.request('POST', signIn.action.pathname, signIn.fields));
    expect((await api('GET', `orgs/${orgId}/directory/connections/${id}`)).body.connection.status).toBe('connecting');
    expect(page.text).toContain('read the users and groups');
    expect((await a.answer(page)).status).toBe(200);
    expect((await api('GET', `orgs/${orgId}/directory/connections/${id}`)).body.connection).toMatchObject({
      status: 'active',
      tenantId: CONTOSO_TENANT_ID,
    });
  });
});

describe('the confirmation page', () => {
  /** A Google sign-in of alerts@ for `orgId`, carried back by A: the confirmation page. */
  async function signedIn(orgId: string, key?: string): Promise<PageAnswer> {
    const path = key ? `orgs/${orgId}/senders/${key}/consent-link` : `orgs/${orgId}/sender/consent-link`;
    const link = await api('POST', path, { provider: 'google', mode: 'oauth', loginHint: 'alerts@fabrikam.example', orgName: ORG_NAME });
    expect(link.status).toBe(200);
    const query = await authorize(await a.open(link.body.url), { sandbox_action: 'approve' });
    return a.request('GET', `/api/oauth/google/callback?${query}`);
  }

  it('names the org (as text) and the identity the provider proved, cannot be framed, and holds no code or token', async () => {
    const orgId = newOrg('page');
    const page = await signedIn(orgId);
    expect(page.status).toBe(200);
    expect(page.text).toContain(
      `Connect alerts@fabrikam.example to Contoso &amp; Co&#39;s (<code>${orgId}</code>) in ${new URL(config.publicBaseUrl).host}?`,
    );
    // Markup is not a name: refused when the link is asked for.
    const markup = await api('POST', `orgs/${orgId}/sender/consent-link`, { provider: 'google', mode: 'oauth', orgName: '<b>Contoso</b>' });
    expect(markup.status).toBe(422);
    expect(markup.body.error.fields.orgName).toBeDefined();
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.text).not.toMatch(/code=|ya29\.|1\/\//);
    expect(await senderOf(orgId)).toBe(404);
  });

  it('Cancel stores nothing, and the token cannot be used again', async () => {
    const orgId = newOrg('cancel');
    const page = await signedIn(orgId);
    const cancelled = await a.answer(page, 'cancel');
    expect(cancelled.status).toBe(200);
    expect(cancelled.text).toContain('Nothing was saved');
    expect(await senderOf(orgId)).toBe(404);
    const again = await a.answer(page, 'confirm');
    expect(codeOf(again)).toBe('STATE_INVALID');
    expect(await senderOf(orgId)).toBe(404);
  });

  it('a forged Confirm without the cookie, with another cookie or with a wrong token stores nothing; the genuine one still works once', async () => {
    const orgId = newOrg('forged');
    const page = await signedIn(orgId);
    const form = confirmationForm(page.text)!;
    form.set('decision', 'confirm');
    const noCookie = new ConsentBrowser();
    expect(codeOf(await noCookie.request('POST', '/api/oauth/confirm', form))).toBe('CONSENT_BROWSER_MISMATCH');
    expect(codeOf(await b.request('POST', '/api/oauth/confirm', form))).toBe('CONSENT_BROWSER_MISMATCH');
    const wrongToken = new URLSearchParams(form);
    wrongToken.set('token', 'A'.repeat(43));
    expect(codeOf(await a.request('POST', '/api/oauth/confirm', wrongToken))).toBe('CONSENT_BROWSER_MISMATCH');
    expect(await senderOf(orgId)).toBe(404);
    expect((await a.request('POST', '/api/oauth/confirm', form)).status).toBe(200);
    expect(await senderOf(orgId)).toBe(200);
    // A reused (stale) token: refused, the sender unchanged.
    const version = (await api('GET', `orgs/${orgId}/sender`)).body.version;
    expect(codeOf(await a.request('POST', '/api/oauth/confirm', form))).toBe('STATE_INVALID');
    expect((await api('GET', `orgs/${orgId}/sender`)).body.version).toBe(version);
  });

  it('a named sender deleted after its consent link was made is not recreated by that link', async () => {
    const orgId = newOrg('deleted');
    const created = await api('POST', `orgs/${orgId}/senders`, {
      key: 'alerts',
      provider: 'google',
      mode: 'oauth',
      senderEmail: 'alerts@fabrikam.example',
      senderName: 'Alerts',
    });
    expect(created.status).toBe(201);
    const link = await api('POST', `orgs/${orgId}/senders/alerts/consent-link`, {
      provider: 'google',
      mode: 'oauth',
      loginHint: 'alerts@fabrikam.example',
    });
    expect((await api('DELETE', `orgs/${orgId}/senders/alerts`)).status).toBe(204);
    const query = await authorize(await a.open(link.body.url), { sandbox_action: 'approve' });
    const confirmed = await a.answer(await a.request('GET', `/api/oauth/google/callback?${query}`));
    expect(confirmed.status).toBe(404);
    expect(codeOf(confirmed)).toBe('SENDER_NOT_FOUND');
    expect(await senderOf(orgId, 'alerts')).toBe(404);
    expect((await api('GET', `orgs/${orgId}/senders`)).body.senders).toEqual([]);
  });
});
