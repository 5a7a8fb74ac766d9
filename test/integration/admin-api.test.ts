/**
 * The settings page's API through the real local host (Azurite, the sandbox's Entra ID, Graph and
 * Key Vault behind the real SDKs): admin links from the function-key API, the page's bearer-token
 * routes acting for the token's org only, and no secret in anything the page can receive.
 */
import { randomBytes } from 'node:crypto';
import { startLocalHost, LocalHost } from '../../dev/host/localHost';
import { CONTOSO_APP_SECRET } from '../../dev/sandbox/world';
import { signAdminToken } from '@shared/adminLinks/token';
import { ERROR_CODES } from '@shared/errors';
import { sandboxControl, jsonOrUndefined } from '../support/env';
import { freePort } from '../support/ports';
import { CONTOSO_ALIAS, contosoAppRegistration } from './microsoft-helpers';

const KEY = process.env.LOCAL_FUNCTION_KEY!;
const SAAS = 'https://saas.example.com';
const ALIAS = CONTOSO_ALIAS;

let host: LocalHost;
let base: string;
/** Every answer the page's routes gave in this file, to search for secrets at the end. */
const pageAnswers: string[] = [];

interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

async function call(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  const response = await fetch(`${host.url}/api/${path}`, {
    method,
    redirect: 'manual',
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: jsonOrUndefined(text), text, headers: response.headers };
}

const manage = (method: string, path: string, body?: unknown) => call(method, path, { 'x-functions-key': KEY }, body);
async function asAdmin(token: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const answer = await call(method, `manage/${path}`, { authorization: `Bearer ${token}` }, body);
  pageAnswers.push(answer.text);
  return answer;
}

const newOrg = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

async function adminToken(orgId: string, returnUrl?: string): Promise<string> {
  const link = await manage('POST', `orgs/${orgId}/admin-links`, returnUrl ? { returnUrl } : undefined);
  expect(link.status).toBe(200);
  return new URL(link.body.url).hash.replace(/^#token=/, '');
}

const contoso = contosoAppRegistration;

beforeAll(async () => {
  await sandboxControl('POST', 'reset');
  const port = await freePort();
  base = `http://localhost:${port}`;
  host = await startLocalHost({
    port,
    queues: false,
    timers: false,
    log: () => undefined,
    env: { PUBLIC_BASE_URL: base, RETURN_URL_ALLOWLIST: SAAS },
  });
});

afterAll(async () => {
  await host?.close();
});

describe('admin links (function key)', () => {
  it('needs the function key', async () => {
    const answer = await call('POST', 'orgs/acme/admin-links', {});
    expect(answer.status).toBe(401);
  });

  it('gives a 60-minute link to the settings page with the token in the fragment', async () => {
    const link = await manage('POST', 'orgs/acme/admin-links', { returnUrl: `${SAAS}/orgs/acme` });
    expect(link.status).toBe(200);
    const url = new URL(link.body.url);
    expect(`${url.origin}${url.pathname}${url.search}`).toBe(`${base}/api/settings`);
    expect(url.hash).toMatch(/^#token=eyJ/);
    const minutes = (Date.parse(link.body.expiresAt) - Date.now()) / 60000;
    expect(minutes).toBeGreaterThan(59);
    expect(minutes).toBeLessThanOrEqual(60);
  });

  it('refuses a return URL outside the allowlist and a bad org id', async () => {
    const outside = await manage('POST', 'orgs/acme/admin-links', { returnUrl: 'https://elsewhere.example.org/' });
    expect([outside.status, outside.body.error.code]).toEqual([400, 'RETURN_URL_NOT_ALLOWED']);
    const badOrg = await manage('POST', 'orgs/Not_An_Org/admin-links', {});
    expect([badOrg.status, badOrg.body.error.code]).toEqual([400, 'BAD_REQUEST']);
  });
});

describe('the settings page itself', () => {
  it('is served anonymously with its script and style, under a strict CSP', async () => {
    const page = await call('GET', 'settings', {});
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('<script src="settings/app.js" defer></script>');
    expect(page.headers.get('content-security-policy')).toContain(`frame-ancestors 'self' ${base} ${SAAS}`);
    expect((await call('GET', 'settings/app.js', {})).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await call('GET', 'settings/app.css', {})).status).toBe(200);
    const missing = await call('GET', 'settings/other.js', {});
    expect([missing.status, missing.body.error.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('explains an error code in plain words (for a consent that came back with only a code)', async () => {
    const answer = await call('GET', 'settings/errors/MS_APP_NOT_IN_TENANT', {});
    expect(answer.body).toEqual({ code: 'MS_APP_NOT_IN_TENANT', hint: ERROR_CODES.MS_APP_NOT_IN_TENANT.hint });
    expect((await call('GET', 'settings/errors/NO_SUCH_CODE', {})).status).toBe(404);
  });
});

describe('the page API (bearer admin token)', () => {
  const orgId = newOrg('contoso');
  let token: string;

  beforeAll(async () => {
    token = await adminToken(orgId, `${SAAS}/orgs/${orgId}/settings`);
  });

  it('the session names the org, the expiry and the way back', async () => {
    const session = await asAdmin(token, 'GET', 'session');
    expect(session.status).toBe(200);
    expect(session.body).toEqual({ orgId, returnUrl: `${SAAS}/orgs/${orgId}/settings`, expiresAt: expect.any(String) });
  });

  it('no token, a tampered token or an expired one: 401 JSON, nothing else runs', async () => {
    const none = await call('GET', 'manage/sender', {});
    expect([none.status, none.body.error.code]).toEqual([401, 'ADMIN_LINK_INVALID']);
    expect(none.body.error.hint).toBe(ERROR_CODES.ADMIN_LINK_INVALID.hint);
    const tampered = `${token.slice(0, -4)}${token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    expect((await asAdmin(tampered, 'PUT', 'sender', contoso())).body.error.code).toBe('ADMIN_LINK_INVALID');
    const old = await signAdminToken(orgId, process.env.STATE_SIGNING_KEY!, { now: Date.now() - 61 * 60 * 1000 });
    const expired = await asAdmin(old.token, 'GET', 'sender');
    expect([expired.status, expired.body.error.code, expired.body.error.message]).toEqual([
      401,
      'ADMIN_LINK_INVALID',
      'This settings link has expired.',
    ]);
    expect((await manage('GET', `orgs/${orgId}/sender`)).status).toBe(404); // the tampered PUT stored nothing
  });

  it('the function key does not open the page API, and the token does not open the management API', async () => {
    expect((await call('GET', 'manage/sender', { 'x-functions-key': KEY })).status).toBe(401);
    expect((await call('GET', `orgs/${orgId}/sender`, { authorization: `Bearer ${token}` })).status).toBe(401);
  });

  it('a new org has no sender: 404 SENDER_NOT_FOUND (the page shows the default sender)', async () => {
    const view = await asAdmin(token, 'GET', 'sender');
    expect([view.status, view.body.error.code]).toEqual([404, 'SENDER_NOT_FOUND']);
  });

  it('PUT shows field errors as 422 fields', async () => {
    const bad = await asAdmin(token, 'PUT', 'sender', contoso({ senderEmail: 'not-an-address', tenantId: 'nope' }));
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(['senderEmail', 'tenantId']);
  });

  it('save, Test connection, Save and test: active and locked, one message from the configured sender', async () => {
    const saved = await asAdmin(token, 'PUT', 'sender', contoso());
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      orgId,
      status: 'draft',
      locked: false,
      secrets: { clientSecret: expect.stringMatching(/^saved /) },
    });
    const verify = await asAdmin(token, 'POST', 'sender/verify');
    expect(verify.body.ok).toBe(true);
    expect(verify.body.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([
      ['token', true],
      ['permission', true],
      ['mailbox', true],
      ['spf', true],
      ['dkim', true],
      ['dmarc', true],
    ]);
    const before = (await sandboxControl<any[]>('GET', 'messages')).length;
    const test = await asAdmin(token, 'POST', 'sender/test', { to: 'it@contoso.example' });
    expect(test.status).toBe(200);
    expect(test.body.sender).toMatchObject({ status: 'active', locked: true, sendingVia: 'org' });
    const messages = await sandboxControl<any[]>('GET', 'messages');
    expect(messages.length).toBe(before + 1);
    expect(messages.at(-1)).toMatchObject({
      mailbox: 'notifications@contoso.example',
      from: { address: 'notifications@contoso.example', name: ALIAS },
      to: ['it@contoso.example'],
    });
  });

  it('locked: PUT and consent answer 409 with the Reset hint; Reset returns to the default sender', async () => {
    const put = await asAdmin(token, 'PUT', 'sender', contoso({ senderName: 'Someone else' }));
    expect([put.status, put.body.error.code]).toEqual([409, 'SENDER_LOCKED']);
    expect(put.body.error.hint).toMatch(/Reset/);
    expect((await asAdmin(token, 'POST', 'sender/consent-link', { provider: 'microsoft', mode: 'admin_consent' })).status).toBe(409);
    const reset = await asAdmin(token, 'POST', 'sender/reset');
    expect(reset.body).toMatchObject({ status: 'draft', locked: false, sendingVia: 'default', secrets: {} });
    expect(reset.body.notice).toMatch(/default sender/);
    // The Reset revoked every link of the org, the one that asked for it included.
    const after = await asAdmin(token, 'GET', 'sender');
    expect([after.status, after.body.error.code, after.body.error.message]).toEqual([
      401,
      'ADMIN_LINK_INVALID',
      expect.stringMatching(/revoked/),
    ]);
    token = await adminToken(orgId, `${SAAS}/orgs/${orgId}/settings`);
    expect((await asAdmin(token, 'GET', 'sender')).body).toMatchObject({ status: 'draft' });
  });

  it('a consent link from the page always comes back to the settings page, whatever the body says', async () => {
    const link = await asAdmin(token, 'POST', 'sender/consent-link', {
      provider: 'microsoft',
      mode: 'admin_consent',
      returnUrl: `${SAAS}/elsewhere`,
    });
    expect(link.status).toBe(200);
    const state = new URL(link.body.url).searchParams.get('state')!;
    const claims = JSON.parse(Buffer.from(state.split('.')[1], 'base64url').toString('utf8'));
    expect([claims.org, claims.ret]).toEqual([orgId, `${base}/api/settings`]);
  });
});

describe('one org per token', () => {
  const orgA = newOrg('org-a');
  const orgB = newOrg('org-b');

  it("a token for org A neither reads nor changes org B's sender", async () => {
    expect((await manage('PUT', `orgs/${orgB}/sender`, contoso({ senderName: 'Org B' }))).status).toBe(200);
    const tokenA = await adminToken(orgA);
    // There is no org in the page API's paths; a query or body naming B is ignored or refused.
    const read = await asAdmin(tokenA, 'GET', `sender?orgId=${orgB}`);
    expect([read.status, read.body.error.code]).toEqual([404, 'SENDER_NOT_FOUND']);
    const sneaky = await asAdmin(tokenA, 'PUT', `sender?orgId=${orgB}`, { ...contoso({ senderName: 'Hijacked' }), orgId: orgB });
    expect([sneaky.status, sneaky.body.error.fields]).toEqual([422, { orgId: 'is not a field of this provider and mode' }]);
    expect((await asAdmin(tokenA, 'POST', 'sender/reset')).body.error.code).toBe('SENDER_NOT_FOUND');
    const b = await manage('GET', `orgs/${orgB}/sender`);
    expect(b.body).toMatchObject({ senderName: 'Org B', version: 1, secrets: { clientSecret: expect.any(String) } });
  });

  it('a wrong secret shows MS_SECRET_INVALID with its hint, in the check and in the test answer', async () => {
    const tokenA = await adminToken(orgA);
    expect((await asAdmin(tokenA, 'PUT', 'sender', contoso({ clientSecret: 'f3a1c2d4-0000-4000-8000-secret-id' }))).status).toBe(200);
    const verify = await asAdmin(tokenA, 'POST', 'sender/verify');
    expect(verify.body.ok).toBe(false);
    const pastedId = /secret ID was pasted instead of the secret VALUE/;
    expect(verify.body.checks[0]).toMatchObject({
      name: 'token',
      ok: false,
      code: 'MS_SECRET_INVALID',
      hint: expect.stringMatching(pastedId),
    });
    const test = await asAdmin(tokenA, 'POST', 'sender/test', { to: 'it@contoso.example' });
    expect([test.status, test.body.error.code, test.body.error.hint]).toEqual([422, 'MS_SECRET_INVALID', expect.stringMatching(pastedId)]);
    const view = await asAdmin(tokenA, 'GET', 'sender');
    expect(view.body.lastError).toMatchObject({ code: 'MS_SECRET_INVALID', hint: expect.stringMatching(pastedId) });
  });
});

describe('secrets', () => {
  it('no answer of the page API ever carried a secret value or the signing key', () => {
    expect(pageAnswers.length).toBeGreaterThan(15);
    const everything = pageAnswers.join('\n');
    for (const secret of [CONTOSO_APP_SECRET, 'f3a1c2d4-0000-4000-8000-secret-id', process.env.STATE_SIGNING_KEY!, KEY]) {
      expect(everything).not.toContain(secret);
    }
  });
});
