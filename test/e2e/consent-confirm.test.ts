/**
 * The consent confirmation in a real browser, at 360 px: the settings page names the org at the top;
 * a consent link opened in browser A leads, after the sandbox's Microsoft sign-in, to our page that
 * names the org and the account, and only its Confirm saves; the same link opened in browser B (a
 * second context: another cookie jar) is refused. Screenshots go to .local/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startLocalHost, LocalHost } from '../../dev/host/localHost';
import { PLATFORM_APP_ID } from '../../dev/sandbox/world';
import { confirmConsent, launchBrowser } from '../support/browser';
import { sandboxControl } from '../support/env';
import { freePort } from '../support/ports';

const KEY = process.env.LOCAL_FUNCTION_KEY!;
const SCREENSHOTS = join(process.cwd(), '.local', 'screenshots');
const ORG_NAME = 'Contoso Pharmaceuticals Europe';
const orgId = `confirm-${randomBytes(4).toString('hex')}`;

let host: LocalHost;
let chromium: Browser;
let contextA: BrowserContext;
let contextB: BrowserContext;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${host.url}/api/${path}`, {
    method,
    headers: { 'x-functions-key': KEY, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function narrowPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  return page;
}

const fitsWidth = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth');

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await sandboxControl('POST', 'reset');
  const port = await freePort();
  const base = `http://localhost:${port}`;
  host = await startLocalHost({ port, queues: false, timers: false, log: () => undefined, env: { PUBLIC_BASE_URL: base } });
  await sandboxControl('POST', `entra/apps/${PLATFORM_APP_ID}/redirect-uris`, { uri: `${base}/api/oauth/microsoft/callback` });
  chromium = await launchBrowser();
  // The sandbox's pages use the sandbox's own CA, which these fresh contexts do not know.
  contextA = await chromium.newContext({ ignoreHTTPSErrors: true });
  contextB = await chromium.newContext({ ignoreHTTPSErrors: true });
});

afterAll(async () => {
  await contextA?.close();
  await contextB?.close();
  await chromium?.close();
  await host?.close();
});

it('the settings page names the org and its id at the top', async () => {
  const link = await api('POST', `orgs/${orgId}/admin-links`, { orgName: ORG_NAME });
  expect(link.status).toBe(200);
  const page = await narrowPage(contextA);
  await page.goto(link.body.url);
  await page.locator('#workspace').waitFor({ state: 'visible' });
  await expect(page.locator('#org-name').textContent()).resolves.toBe(ORG_NAME);
  await expect(page.locator('#org-id').textContent()).resolves.toBe(orgId);
  await page.screenshot({ path: join(SCREENSHOTS, 'settings-org-banner-360.png') });
  await page.close();
});

it('a consent link: browser B is refused once A opened it; A sees whose org it joins at 360 px, and only Confirm saves', async () => {
  const link = await api('POST', `orgs/${orgId}/sender/consent-link`, { provider: 'microsoft', mode: 'delegated', orgName: ORG_NAME });
  expect(link.status).toBe(200);
  const a = await narrowPage(contextA);
  await a.goto(link.body.url);
  await a.waitForURL(/\/oauth2\/v2\.0\/authorize/);

  const b = await narrowPage(contextB);
  const refused = await b.goto(link.body.url);
  expect(refused?.status()).toBe(409);
  await expect(b.locator('body').textContent()).resolves.toContain('CONSENT_LINK_CLAIMED');

  await a.locator('select[name=login_hint]').selectOption('admin@contoso.example'); // the sandbox's Entra page
  await a.getByRole('button', { name: 'Accept' }).click();
  const heading = a.getByRole('heading', { level: 1 });
  await heading.waitFor();
  await expect(heading.textContent()).resolves.toBe(
    `Connect admin@contoso.example to ${ORG_NAME} (${orgId}) in ${new URL(host.url).host}?`,
  );
  expect(await fitsWidth(a)).toBeLessThanOrEqual(360);
  await a.screenshot({ path: join(SCREENSHOTS, 'consent-confirm-360.png'), fullPage: true });
  expect((await api('GET', `orgs/${orgId}/sender`)).status).toBe(404);

  await confirmConsent(a);
  await a.getByRole('heading', { name: 'Connected' }).waitFor();
  expect((await api('GET', `orgs/${orgId}/sender`)).body).toMatchObject({ mode: 'delegated', accountEmail: 'admin@contoso.example' });
});
