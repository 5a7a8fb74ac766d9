/**
 * "Linked accounts" on the settings page, in a real browser at 360 px, end to end through
 * the sandbox: the admin names a link, follows "Link Microsoft 365" to the sandbox's Entra sign-in
 * (delegated directory scopes), comes back to the page and sees the connection active with its
 * tenant and who consented; an empty name is refused next to the field; "Remove" deletes it.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startLocalHost, LocalHost } from '../../dev/host/localHost';
import { CONTOSO_TENANT_ID, PLATFORM_APP_ID } from '../../dev/sandbox/world';
import { confirmConsent, launchBrowser } from '../support/browser';
import { sandboxControl } from '../support/env';
import { freePort } from '../support/ports';

const KEY = process.env.LOCAL_FUNCTION_KEY!;
const orgId = `linked-${randomBytes(4).toString('hex')}`;
let host: LocalHost;
let chromium: Browser;
let browser: BrowserContext;
let page: Page;

async function connections(): Promise<any[]> {
  const response = await fetch(`${host.url}/api/orgs/${orgId}/directory/connections`, { headers: { 'x-functions-key': KEY } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { connections: any[] }).connections;
}

beforeAll(async () => {
  await sandboxControl('POST', 'reset');
  const port = await freePort();
  const base = `http://localhost:${port}`;
  host = await startLocalHost({ port, queues: false, timers: false, log: () => undefined, env: { PUBLIC_BASE_URL: base } });
  // The platform app must know the callback of a host on a random port (Entra checks redirect URIs).
  await sandboxControl('POST', `entra/apps/${PLATFORM_APP_ID}/redirect-uris`, { uri: `${base}/api/oauth/microsoft/callback` });
  chromium = await launchBrowser();
  // The sandbox's sign-in pages use the sandbox's own CA, which this throw-away profile does not know.
  browser = await chromium.newContext({ ignoreHTTPSErrors: true });
  const link = await fetch(`${host.url}/api/orgs/${orgId}/admin-links`, {
    method: 'POST',
    headers: { 'x-functions-key': KEY, 'content-type': 'application/json' },
    body: '{}',
  });
  page = await browser.newPage();
  await page.setViewportSize({ width: 360, height: 800 });
  await page.goto(((await link.json()) as { url: string }).url);
  await page.locator('#workspace').waitFor({ state: 'visible' });
});

afterAll(async () => {
  await browser?.close();
  await chromium?.close();
  await host?.close();
});

describe('Linked accounts, at 360 px', () => {
  it('an empty name is refused next to the field, and nothing is created', async () => {
    // The message is shown before the list reloads: wait for the reloaded (empty) list itself.
    await page.locator('#connections-empty').waitFor({ state: 'visible' });
    await page.getByLabel('Name of the new link', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Link Microsoft 365' }).click();
    const error = page.locator('#connection-name-error');
    await error.waitFor({ state: 'visible' });
    await expect(error.textContent()).resolves.toMatch(/name/i);
    await expect(page.getByLabel('Name of the new link', { exact: true }).getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(connections()).resolves.toEqual([]);
  });

  it('Link Microsoft 365: the admin signs in at Entra, comes back, and the connection is active', async () => {
    await page.getByLabel('Name of the new link', { exact: true }).fill('Contoso Germany');
    await page.getByRole('button', { name: 'Link Microsoft 365' }).click();
    await page.locator('select[name=login_hint]').selectOption('admin@contoso.example'); // the sandbox's Entra page
    await page.getByRole('button', { name: 'Accept' }).click();
    await confirmConsent(page);
    await page.locator('#workspace').waitFor({ state: 'visible' });
    const item = page.locator('#connections li', { hasText: 'Contoso Germany' });
    await item.waitFor();
    await expect(item.locator('.badge').textContent()).resolves.toBe('Active');
    await expect(item.textContent()).resolves.toContain(`tenant ${CONTOSO_TENANT_ID} · by admin@contoso.example · not synced yet`);
    const [connection] = await connections();
    expect(connection).toMatchObject({
      name: 'Contoso Germany',
      provider: 'microsoft',
      mode: 'delegated',
      status: 'active',
      tenantId: CONTOSO_TENANT_ID,
    });
    await expect(page.evaluate<number>('document.documentElement.scrollWidth')).resolves.toBeLessThanOrEqual(360);
  });

  it('Remove deletes the connection', async () => {
    await page.getByRole('button', { name: 'Remove Contoso Germany' }).click();
    await page.locator('#linked-message', { hasText: 'Contoso Germany was removed.' }).waitFor();
    // The message is shown before the list reloads: wait for the reloaded (empty) list itself.
    await page.locator('#connections-empty').waitFor({ state: 'visible' });
    await expect(connections()).resolves.toEqual([]);
  });
});
