/**
 * Tenant binding from the settings page in a real browser (system Chromium through playwright-core),
 * against the local host in-process, Azurite and the sandbox's two Entra tenants: Northwind's Global
 * Administrator connects through the two Microsoft pages (sign-in, then the tenant's own consent
 * page) and the page says which tenant and who; a Northwind user without an admin role is sent back
 * with the reason in plain words and nothing is saved.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startLocalHost, LocalHost } from '../../dev/host/localHost';
import { NORTHWIND_TENANT_ID, NORTHWIND_USER_IDS, PLATFORM_APP_ID } from '../../dev/sandbox/world';
import { confirmConsent, launchBrowser } from '../support/browser';
import { sandboxControl } from '../support/env';
import { freePort } from '../support/ports';

const KEY = process.env.LOCAL_FUNCTION_KEY!;
const SAAS = 'https://saas.example.com';

let host: LocalHost;
let browser: Browser;
let context: BrowserContext;

const newOrg = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${host.url}/api/${path}`, {
    method,
    headers: { 'x-functions-key': KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function openSettings(orgId: string): Promise<Page> {
  const link = await api('POST', `orgs/${orgId}/admin-links`, { returnUrl: `${SAAS}/orgs/${orgId}` });
  expect(link.status).toBe(200);
  const page = await context.newPage();
  await page.goto(link.body.url);
  await page.locator('#workspace').waitFor({ state: 'visible' });
  return page;
}

/** The sandbox's Entra page: pick the account, Accept. */
async function acceptAs(page: Page, upn: string): Promise<void> {
  await page.locator('select[name=login_hint]').selectOption(upn);
  await page.getByRole('button', { name: 'Accept' }).click();
}

beforeAll(async () => {
  await sandboxControl('POST', 'reset');
  const port = await freePort();
  const base = `http://localhost:${port}`;
  host = await startLocalHost({
    port,
    queues: false,
    timers: false,
    log: () => undefined,
    env: { PUBLIC_BASE_URL: base, RETURN_URL_ALLOWLIST: SAAS },
  });
  // Entra only redirects to registered URIs: register this host's callback.
  await sandboxControl('POST', `entra/apps/${PLATFORM_APP_ID}/redirect-uris`, { uri: `${base}/api/oauth/microsoft/callback` });
  browser = await launchBrowser();
  // The sandbox's pages use the sandbox's own CA, which this fresh context does not know.
  context = await browser.newContext({ ignoreHTTPSErrors: true });
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await host?.close();
});

describe("admin consent from the settings page binds the signed-in admin's tenant", () => {
  it("Northwind's Global Administrator signs in, consents in Northwind, and the page shows that tenant and who consented", async () => {
    const orgId = newOrg('northwind');
    const page = await openSettings(orgId);
    await page.getByRole('button', { name: 'Grant admin consent in Microsoft 365' }).click();
    await page.waitForURL(/\/organizations\/oauth2\/v2\.0\/authorize/);
    expect(new URL(page.url()).searchParams.get('scope')).toBe('openid profile');
    await acceptAs(page, 'admin@northwind.example');
    // Our callback verified the ID token and sent the browser on to Northwind's own consent page.
    await page.waitForURL(new RegExp(`/${NORTHWIND_TENANT_ID}/v2\\.0/adminconsent`));
    await acceptAs(page, 'admin@northwind.example');
    await confirmConsent(page);
    await page.locator('#workspace').waitFor({ state: 'visible' });
    await expect(page.locator('#message-text').textContent()).resolves.toContain('Connected to Microsoft 365');
    await expect(page.locator('#consent-state').textContent()).resolves.toContain(
      `tenant ${NORTHWIND_TENANT_ID}, by admin@northwind.example`,
    );
    const view = await api('GET', `orgs/${orgId}/sender`);
    expect(view.body).toMatchObject({
      tenantId: NORTHWIND_TENANT_ID,
      consentedBy: { oid: NORTHWIND_USER_IDS.admin, username: 'admin@northwind.example' },
    });
  });

  it('a Northwind user without an admin role is sent back with the reason and what to do; nothing is saved', async () => {
    const orgId = newOrg('northwind');
    const page = await openSettings(orgId);
    await page.getByRole('button', { name: 'Grant admin consent in Microsoft 365' }).click();
    await page.waitForURL(/\/organizations\/oauth2\/v2\.0\/authorize/);
    await acceptAs(page, 'staff@northwind.example');
    await page.locator('#workspace').waitFor({ state: 'visible' });
    await page.locator('#message.error').waitFor({ state: 'visible' });
    await expect(page.locator('#message-text').textContent()).resolves.toContain('CONSENT_NOT_ADMIN');
    await expect(page.locator('#message-hint').textContent()).resolves.toContain(
      'Ask a Global Administrator or Privileged Role Administrator',
    );
    await expect(page.locator('#consent-state').textContent()).resolves.toBe('Not connected yet.');
    expect(page.url()).not.toMatch(/adminconsent/);
    expect((await api('GET', `orgs/${orgId}/sender`)).status).toBe(404);
  });
});
