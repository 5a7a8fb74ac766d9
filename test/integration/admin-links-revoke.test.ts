/**
 * Revocable admin links and the test-send limit, through the real local host (Azurite, the
 * sandbox's Entra ID and Graph): a revoke or a Reset (management or page) refuses every older link
 * with 401 ADMIN_LINK_INVALID, and the 6th Save and test within 10 minutes answers 429
 * TEST_SEND_LIMIT with Retry-After; the limit holds across two instances sharing Storage. Test
 * connection is limited the same way (429 TEST_CONNECTION_LIMIT), on all four verify routes.
 */
import { randomBytes } from 'node:crypto';
import { startLocalHost, LocalHost } from '../../dev/host/localHost';
import { loadConfig } from '@shared/config';
import { MailerError } from '@shared/errors';
import { createTestSendLimiter } from '@shared/senders/testSendLimit';
import { createOrgControlStore } from '@shared/store/orgControls';
import { createStorageClients } from '@shared/store/storageClients';
import { sandboxControl, jsonOrUndefined } from '../support/env';
import { contosoAppRegistration } from './microsoft-helpers';

const KEY = process.env.LOCAL_FUNCTION_KEY!;
let host: LocalHost;
/** Every answer of this file, and every admin token it used, for the secrets check at the end. */
const answers: string[] = [];
const tokens: string[] = [];

async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const response = await fetch(`${host.url}/api/${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  answers.push(text);
  return { status: response.status, body: jsonOrUndefined(text) as any, text, headers: response.headers };
}
const manage = (method: string, path: string, body?: unknown) => call(method, path, { 'x-functions-key': KEY }, body);
const page = (token: string, method: string, path: string, body?: unknown) =>
  call(method, `manage/${path}`, { authorization: `Bearer ${token}` }, body);
const newOrg = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

async function adminToken(orgId: string): Promise<string> {
  const link = await manage('POST', `orgs/${orgId}/admin-links`);
  expect(link.status).toBe(200);
  const token = new URL(link.body.url).hash.replace(/^#token=/, '');
  tokens.push(token);
  return token;
}

beforeAll(async () => {
  await sandboxControl('POST', 'reset');
  host = await startLocalHost({ port: 0, queues: false, timers: false, log: () => undefined });
});

afterAll(async () => {
  await host?.close();
});

describe('revocable admin links', () => {
  it('POST admin-links/revoke refuses every older link of the org (401 ADMIN_LINK_INVALID), not the links of other orgs', async () => {
    const orgId = newOrg('revoke');
    const other = newOrg('other');
    const [first, second, othersToken] = [await adminToken(orgId), await adminToken(orgId), await adminToken(other)];
    expect((await page(first, 'GET', 'session')).status).toBe(200);
    const revoked = await manage('POST', `orgs/${orgId}/admin-links/revoke`);
    expect([revoked.status, revoked.body]).toEqual([200, { orgId, revokedAt: expect.any(String) }]);
    for (const token of [first, second]) {
      const refused = await page(token, 'GET', 'session');
      expect([refused.status, refused.body.error.code]).toEqual([401, 'ADMIN_LINK_INVALID']);
      expect(refused.body.error.message).toMatch(/revoked/);
      expect(refused.body.error.hint).toMatch(/new link/);
    }
    expect((await page(othersToken, 'GET', 'session')).status).toBe(200);
    const fresh = await adminToken(orgId);
    expect((await page(fresh, 'GET', 'session')).body).toMatchObject({ orgId });
  });

  it('needs the function key', async () => {
    expect((await call('POST', 'orgs/acme/admin-links/revoke', {})).status).toBe(401);
  });

  it('a Reset through the management API revokes the links too', async () => {
    const orgId = newOrg('reset');
    expect((await manage('PUT', `orgs/${orgId}/sender`, contosoAppRegistration())).status).toBe(200);
    const token = await adminToken(orgId);
    expect((await page(token, 'GET', 'sender')).status).toBe(200);
    expect((await manage('POST', `orgs/${orgId}/sender/reset`)).status).toBe(200);
    const refused = await page(token, 'PUT', 'sender', contosoAppRegistration({ senderName: 'After reset' }));
    expect([refused.status, refused.body.error.code]).toEqual([401, 'ADMIN_LINK_INVALID']);
    expect((await manage('GET', `orgs/${orgId}/sender`)).body.senderName).not.toBe('After reset');
  });
});

describe('test-send limit', () => {
  it('the 6th Save and test within 10 minutes answers 429 TEST_SEND_LIMIT with Retry-After, page and API counted together', async () => {
    const orgId = newOrg('limit');
    expect((await manage('PUT', `orgs/${orgId}/sender`, contosoAppRegistration())).status).toBe(200);
    const token = await adminToken(orgId);
    const before = (await sandboxControl<unknown[]>('GET', 'messages')).length;
    for (let i = 0; i < 5; i++) {
      const answer =
        i % 2
          ? await page(token, 'POST', 'sender/test', { to: 'it@contoso.example' })
          : await manage('POST', `orgs/${orgId}/sender/test`, { to: 'it@contoso.example' });
      expect([i, answer.status]).toEqual([i, 200]);
    }
    for (const sixth of [
      await manage('POST', `orgs/${orgId}/sender/test`, { to: 'it@contoso.example' }),
      await page(token, 'POST', 'sender/test', { to: 'it@contoso.example' }),
    ]) {
      expect([sixth.status, sixth.body.error.code]).toEqual([429, 'TEST_SEND_LIMIT']);
      const retryAfter = Number(sixth.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(500);
      expect(retryAfter).toBeLessThanOrEqual(600);
    }
    expect((await sandboxControl<unknown[]>('GET', 'messages')).length).toBe(before + 5);
    // An invalid body is refused as invalid (422), before the limit is looked at.
    expect((await manage('POST', `orgs/${orgId}/sender/test`, { to: 'not an address' })).status).toBe(422);
  });

  it('holds across two instances sharing Storage: 12 concurrent takes, exactly 5 succeed', async () => {
    const config = loadConfig();
    const instance = () =>
      createTestSendLimiter(
        createOrgControlStore(
          createStorageClients(config, () => {
            throw new Error('no credential with a connection string');
          }),
        ),
        { count: 5, windowMs: 600_000 },
      );
    const [a, b] = [instance(), instance()];
    const orgId = newOrg('shared');
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).take(orgId)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as MailerError);
    expect(refused.map((e) => e.code)).toEqual(Array(7).fill('TEST_SEND_LIMIT'));
    expect(refused.every((e) => e.retryAfterSeconds! > 500 && e.retryAfterSeconds! <= 600)).toBe(true);
  });
});

describe('test-connection limit', () => {
  it('the 6th Test connection within 10 minutes answers 429 TEST_CONNECTION_LIMIT with Retry-After: API and page, default and named senders counted together', async () => {
    const orgId = newOrg('verify');
    expect((await manage('PUT', `orgs/${orgId}/sender`, contosoAppRegistration())).status).toBe(200);
    expect((await manage('POST', `orgs/${orgId}/senders`, { key: 'billing', ...contosoAppRegistration() })).status).toBe(201);
    const token = await adminToken(orgId);
    const routes = [
      () => manage('POST', `orgs/${orgId}/sender/verify`),
      () => page(token, 'POST', 'sender/verify'),
      () => manage('POST', `orgs/${orgId}/senders/billing/verify`),
      () => page(token, 'POST', 'senders/billing/verify'),
    ];
    await sandboxControl('DELETE', 'requests');
    for (let i = 0; i < 5; i++) expect([i, (await routes[i % routes.length]()).status]).toEqual([i, 200]);
    const tokenRequests = (await sandboxControl<unknown[]>('GET', 'requests?service=entra')).length;
    for (const route of routes) {
      const sixth = await route();
      expect([sixth.status, sixth.body.error.code]).toEqual([429, 'TEST_CONNECTION_LIMIT']);
      const retryAfter = Number(sixth.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(500);
      expect(retryAfter).toBeLessThanOrEqual(600);
    }
    // Refused before any credential was asked for.
    expect((await sandboxControl<unknown[]>('GET', 'requests?service=entra')).length).toBe(tokenRequests);
    // Another org is not affected.
    const other = newOrg('verify-other');
    expect((await manage('PUT', `orgs/${other}/sender`, contosoAppRegistration())).status).toBe(200);
    expect((await manage('POST', `orgs/${other}/sender/verify`)).status).toBe(200);
  });
});

describe('secrets', () => {
  it('no answer carried the function key, the signing key or an admin token (but the link that hands it out)', () => {
    const refusals = answers.filter((a) => !a.includes('"url"')).join('\n');
    expect(tokens.length).toBeGreaterThan(3);
    for (const secret of [KEY, process.env.STATE_SIGNING_KEY!, ...tokens]) expect(refusals).not.toContain(secret);
  });
});
