/**
 * The settings page in a real browser (Chromium through playwright-core, see test/support/browser.ts) against the local
 * host in-process, Azurite and the sandbox: what an org admin does with a link from the SaaS.
 * Contoso's own app registration is configured, tested, sent with, locked and reset; a wrong secret
 * is explained in plain words; and nothing the page receives ever holds a secret.
 */
import { mkdirSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startLocalHost, LocalHost } from '../../dev/host/localHost';
import { CONTOSO_APP_ID, CONTOSO_APP_SECRET, CONTOSO_TENANT_ID, PLATFORM_APP_ID } from '../../dev/sandbox/world';
import { confirmConsent, launchBrowser } from '../support/browser';
import { sandboxControl } from '../support/env';
import { freePort } from '../support/ports';

const KEY = process.env.LOCAL_FUNCTION_KEY!;
const SAAS = 'https://saas.example.com';
const ALIAS = 'Compliance team - Contoso';
const SENDER = 'notifications@contoso.example';
const SCREENSHOTS = join(process.cwd(), '.local', 'screenshots');

let host: LocalHost;
/** Two local "SaaS" sites that frame a settings link: one on the return-URL allowlist, one not. */
let embedder: FramingSite;
let stranger: FramingSite;
let chromium: Browser;
/** One fresh profile (cookies, session storage) for the whole file. */
let browser: BrowserContext;
/** Every body the page received from our API during this file. */
const received: string[] = [];

async function adminLink(orgId: string): Promise<string> {
  const response = await fetch(`${host.url}/api/orgs/${orgId}/admin-links`, {
    method: 'POST',
    headers: { 'x-functions-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ returnUrl: `${SAAS}/orgs/${orgId}` }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { url: string }).url;
}

async function openSettings(orgId: string, viewport = { width: 1024, height: 900 }): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewportSize(viewport);
  page.on('response', async (response) => {
    if (new URL(response.url()).pathname.startsWith('/api/manage/')) received.push(await response.text().catch(() => ''));
  });
  await page.goto(await adminLink(orgId));
  await page.locator('#workspace').waitFor({ state: 'visible' });
  return page;
}

async function fillContoso(page: Page, secret: string): Promise<void> {
  await page.getByLabel('Microsoft 365', { exact: true }).check();
  await page.getByLabel('Your own app registration', { exact: true }).check();
  await page.getByLabel('Tenant ID', { exact: true }).fill(CONTOSO_TENANT_ID);
  await page.getByLabel('Client ID', { exact: true }).fill(CONTOSO_APP_ID);
  await page.getByLabel('Client secret', { exact: true }).fill(secret);
  await page.getByLabel('Sender email', { exact: true }).fill(SENDER);
  await page.getByLabel('Sender alias', { exact: true }).fill(ALIAS);
}

async function saveAndTest(page: Page, to: string): Promise<void> {
  await page
    .getByRole('button', { name: /Save and test|Send test message/ })
    .first()
    .click();
  const dialog = page.getByRole('dialog', { name: 'Send a test message' });
  await dialog.getByLabel('Send the test message to', { exact: true }).fill(to);
  await dialog.getByRole('button', { name: 'Send test message' }).click();
}

interface FramingSite {
  origin: string;
  server: Server;
}

/**
 * A page that frames `?link=`. On 127.0.0.1, a different site from the host's localhost: a public
 * origin would be stopped by Chromium's Local Network Access checks before frame-ancestors matters.
 */
async function framingSite(): Promise<FramingSite> {
  const server = createServer((req, res) => {
    const link = new URL(req.url ?? '/', 'http://x').searchParams.get('link') ?? '';
    const src = link.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(`<!doctype html><title>SaaS</title><iframe title="Email settings" src="${src}" style="width:100%;height:900px"></iframe>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const newOrg = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
const badge = (page: Page) => page.locator('#status-badge');
const message = (page: Page) => page.locator('#message');

beforeAll(async () => {
  await sandboxControl('POST', 'reset');
  embedder = await framingSite();
  stranger = await framingSite();
  const port = await freePort();
  const base = `http://localhost:${port}`;
  host = await startLocalHost({
    port,
    queues: false,
    timers: false,
    log: () => undefined,
    env: { PUBLIC_BASE_URL: base, RETURN_URL_ALLOWLIST: `${SAAS},${embedder.origin}` },
  });
  // The platform app must know the callback of a host on a random port (Entra checks redirect URIs).
  await sandboxControl('POST', `entra/apps/${PLATFORM_APP_ID}/redirect-uris`, { uri: `${base}/api/oauth/microsoft/callback` });
  chromium = await launchBrowser();
  // The sandbox's consent pages use the sandbox's own CA, which this throw-away profile does not know.
  browser = await chromium.newContext({ ignoreHTTPSErrors: true });
});

afterAll(async () => {
  await browser?.close();
  await chromium?.close();
  await host?.close();
  for (const site of [embedder, stranger]) site?.server.close();
});

describe("Contoso's own app registration, from link to locked sender and back", () => {
  const orgId = newOrg('contoso');
  let page: Page;

  it('the link opens the page for that org; the token leaves the address bar', async () => {
    page = await openSettings(orgId);
    await expect(page.locator('#org-id').textContent()).resolves.toBe(orgId);
    await expect(badge(page).textContent()).resolves.toBe('Default sender');
    await expect(page.getByRole('link', { name: 'Back to the application' }).getAttribute('href')).resolves.toBe(`${SAAS}/orgs/${orgId}`);
    expect(page.url()).not.toContain('token');
  });

  it('field errors appear next to their fields', async () => {
    await fillContoso(page, CONTOSO_APP_SECRET);
    await page.getByLabel('Sender email', { exact: true }).fill('not an address');
    await page.getByRole('button', { name: 'Test connection' }).click();
    const error = page.locator('#senderEmail-error');
    await error.waitFor({ state: 'visible' });
    await expect(error.textContent()).resolves.toBe('Must be an email address');
    await expect(page.getByLabel('Sender email', { exact: true }).getAttribute('aria-invalid')).resolves.toBe('true');
  });

  it('Test connection lists every check as OK and sends nothing', async () => {
    await page.getByLabel('Sender email', { exact: true }).fill(SENDER);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.locator('#checks-panel').waitFor({ state: 'visible' });
    await expect(page.locator('#checks-summary').textContent()).resolves.toBe('All checks passed. No message was sent.');
    // token, permission, mailbox, and contoso.example's SPF, DKIM and DMARC (complete in the sandbox DNS).
    await expect(page.locator('#checks li .verdict').allTextContents()).resolves.toEqual(['OK', 'OK', 'OK', 'OK', 'OK', 'OK']);
    await expect(badge(page).textContent()).resolves.toBe('Draft');
    await expect(page.locator('#clientSecret-saved').textContent()).resolves.toMatch(/^A secret is on file \(saved \d{4}-\d\d-\d\d\)/);
    await expect(page.getByLabel('Client secret', { exact: true }).inputValue()).resolves.toBe('');
    const sent = await sandboxControl<any[]>('GET', `messages?mailbox=${SENDER}`);
    expect(sent).toHaveLength(0);
  });

  it('Save and test sends one message from the configured sender; the page shows active and locked', async () => {
    await saveAndTest(page, 'it@contoso.example');
    await badge(page).filter({ hasText: 'Active' }).waitFor();
    await expect(message(page).textContent()).resolves.toContain('A test message was sent to it@contoso.example');
    await expect(page.locator('#locked-note').isVisible()).resolves.toBe(true);
    await expect(page.getByLabel('Sender email', { exact: true }).isDisabled()).resolves.toBe(true);
    await expect(page.getByLabel('Client secret', { exact: true }).isDisabled()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Reset' }).isEnabled()).resolves.toBe(true);
    const sent = await sandboxControl<any[]>('GET', `messages?mailbox=${SENDER}`);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ from: { address: SENDER, name: ALIAS }, to: ['it@contoso.example'] });
  });

  it('looks right at 360 px (screenshot in .local/screenshots/)', async () => {
    await page.setViewportSize({ width: 360, height: 800 });
    // Nothing may stick out sideways on a small phone.
    await expect(page.evaluate('document.documentElement.scrollWidth')).resolves.toBeLessThanOrEqual(360);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'settings-page-active-360.png'), fullPage: true });
    await page.setViewportSize({ width: 1024, height: 900 });
  });

  it('Reset asks first, then returns the org to the default sender', async () => {
    await page.getByRole('button', { name: 'Reset' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reset the sender?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(badge(page).textContent()).resolves.toBe('Active');
    await page.getByRole('button', { name: 'Reset' }).click();
    await dialog.getByRole('button', { name: 'Reset' }).click();
    await badge(page).filter({ hasText: 'Draft' }).waitFor();
    await expect(page.locator('#status-notice').textContent()).resolves.toMatch(/default sender/);
    await expect(page.getByLabel('Sender email', { exact: true }).isEnabled()).resolves.toBe(true);
    await expect(page.locator('#clientSecret-saved').isVisible()).resolves.toBe(false);
    await expect(page.locator('#locked-note').isVisible()).resolves.toBe(false);
  });
});

describe('a wrong secret', () => {
  it("is explained with MS_SECRET_INVALID's hint, in the checks and after Save and test", async () => {
    const page = await openSettings(newOrg('wrong-secret'));
    // What admins often paste: the secret's ID instead of its value.
    await fillContoso(page, '7d3f6a1e-2b4c-4d5e-8f90-a1b2c3d4e5f6');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.locator('#checks-panel').waitFor({ state: 'visible' });
    const failed = page.locator('#checks li.fail').first();
    await expect(failed.textContent()).resolves.toContain('secret ID was pasted instead of the secret VALUE');
    await expect(failed.textContent()).resolves.toContain('MS_SECRET_INVALID');
    await expect(page.locator('#checks li .verdict').allTextContents()).resolves.toEqual([
      'Failed',
      'Not checked',
      'Not checked',
      'OK',
      'OK',
      'OK',
    ]);

    await saveAndTest(page, 'it@contoso.example');
    await page.locator('#last-error').waitFor({ state: 'visible' });
    await expect(page.locator('#message-text').textContent()).resolves.toBe('The test message was not sent.');
    await expect(page.locator('#last-error-hint').textContent()).resolves.toContain('secret ID was pasted instead of the secret VALUE');
    await expect(page.locator('#last-error-code').textContent()).resolves.toBe('MS_SECRET_INVALID');
    await expect(badge(page).textContent()).resolves.toBe('Draft');
  });
});

describe('a client secret about to expire', () => {
  it('shows the warning of the config view, with its hint and code', async () => {
    const orgId = newOrg('expiring');
    const expiresOn = new Date(Date.now() + 10 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    const saved = await fetch(`${host.url}/api/orgs/${orgId}/sender`, {
      method: 'PUT',
      headers: { 'x-functions-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({
        provider: 'microsoft',
        mode: 'app_registration',
        senderEmail: SENDER,
        senderName: ALIAS,
        tenantId: CONTOSO_TENANT_ID,
        clientId: CONTOSO_APP_ID,
        clientSecret: CONTOSO_APP_SECRET,
        clientSecretExpiresOn: expiresOn,
      }),
    });
    expect(saved.status).toBe(200);
    const page = await openSettings(orgId);
    await page.locator('#warnings').waitFor({ state: 'visible' });
    await expect(page.locator('#warnings').textContent()).resolves.toContain(`expires on ${expiresOn}`);
    await expect(page.locator('#warnings').textContent()).resolves.toContain('create a new client secret');
    await expect(page.locator('#warnings code').textContent()).resolves.toBe('MS_SECRET_EXPIRING');
    await expect(page.locator('#last-error').isHidden()).resolves.toBe(true);
  });
});

describe('admin consent from the page', () => {
  it('the consent button goes to Microsoft and comes back connected, in the same tab', async () => {
    const orgId = newOrg('consent');
    const page = await openSettings(orgId);
    await page.getByLabel('Sender email', { exact: true }).fill(SENDER);
    await page.getByLabel('Sender alias', { exact: true }).fill(ALIAS);
    await page.getByRole('button', { name: 'Grant admin consent in Microsoft 365' }).click();
    // First the admin's own sign-in (it proves the tenant), then the consent page of that tenant.
    await page.waitForURL(/\/organizations\/oauth2\/v2\.0\/authorize/);
    await page.locator('select[name=login_hint]').selectOption('admin@contoso.example'); // the sandbox's Entra page
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.waitForURL(new RegExp(`/${CONTOSO_TENANT_ID}/v2\\.0/adminconsent`));
    await page.locator('select[name=login_hint]').selectOption('admin@contoso.example');
    await page.getByRole('button', { name: 'Accept' }).click();
    await confirmConsent(page);
    await page.locator('#workspace').waitFor({ state: 'visible' });
    await expect(message(page).textContent()).resolves.toContain('Connected to Microsoft 365');
    await expect(page.locator('#consent-state').textContent()).resolves.toContain(`tenant ${CONTOSO_TENANT_ID}, by admin@contoso.example`);
    await expect(page.getByLabel('Sender alias', { exact: true }).inputValue()).resolves.toBe(ALIAS); // saved before leaving
    expect(page.url()).not.toContain('consent=');
  });
});

describe('Microsoft sign-in from the page', () => {
  it("Entra's form_post answer is posted by the browser to the callback, which sends it back to the page connected", async () => {
    const page = await openSettings(newOrg('signin'));
    await page.getByLabel('Sign in as a user', { exact: true }).check();
    await page.getByLabel('Sender email', { exact: true }).fill('privacy@contoso.example');
    await page.getByLabel('Sender alias', { exact: true }).fill('Contoso Privacy');
    const callbacks: Array<{ method: string; url: string }> = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/oauth/microsoft/callback')) callbacks.push({ method: request.method(), url: request.url() });
    });
    await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
    await page.waitForURL(/\/oauth2\/v2\.0\/authorize/);
    expect(new URL(page.url()).searchParams.get('response_mode')).toBe('form_post');
    await page.locator('select[name=login_hint]').selectOption('admin@contoso.example'); // the sandbox's Entra page
    await page.getByRole('button', { name: 'Accept' }).click();
    await confirmConsent(page);
    await page.locator('#workspace').waitFor({ state: 'visible' });
    await expect(message(page).textContent()).resolves.toContain('Connected to Microsoft 365');
    await expect(page.locator('#consent-state').textContent()).resolves.toContain('signed in as admin@contoso.example');
    // One POST, to the bare callback URL: the code never was in an address.
    expect(callbacks).toEqual([{ method: 'POST', url: `${process.env.PUBLIC_BASE_URL}/api/oauth/microsoft/callback` }]);
  });
});

describe('Google sign-in with a send-as alias', () => {
  const SETTINGS_SCOPE = 'https://www.googleapis.com/auth/gmail.settings.basic';

  // Google, like Entra, only redirects to registered URIs: register this host's callback.
  beforeAll(() =>
    sandboxControl('POST', `google/clients/${encodeURIComponent(process.env.GOOGLE_CLIENT_ID!)}/redirect-uris`, {
      uri: `${process.env.PUBLIC_BASE_URL}/api/oauth/google/callback`,
    }),
  );

  async function allowAsAlerts(page: Page, askedForSettings: boolean): Promise<void> {
    await page.waitForURL(/\/o\/oauth2\/v2\/auth/);
    expect(new URL(page.url()).searchParams.get('scope')!.split(' ').includes(SETTINGS_SCOPE)).toBe(askedForSettings);
    await page.locator('li', { hasText: 'alerts@fabrikam.example:' }).getByRole('link', { name: 'Allow' }).click(); // the sandbox's Google page
    await confirmConsent(page);
    // Wait for the outcome itself, which the page shows only after it has loaded the sender again.
    await message(page).filter({ hasText: 'Connected to Google' }).waitFor();
    await expect(page.locator('#workspace').isVisible()).resolves.toBe(true);
    await expect(page.locator('#app').getAttribute('aria-busy')).resolves.toBe('false');
  }

  it('ticks "check send-as aliases" once the signed-in account differs from the sender email; Test connection then sees the alias verified', async () => {
    const page = await openSettings(newOrg('alias'));
    await page.getByLabel('Google', { exact: true }).check();
    await page.getByLabel('Sign in with Google', { exact: true }).check();
    const aliasCheck = page.getByLabel('Also allow checking send-as aliases', { exact: true });
    await page.getByLabel('Sender email', { exact: true }).fill('noreply@fabrikam.example');
    await page.getByLabel('Sender alias', { exact: true }).fill('Fabrikam');
    await expect(aliasCheck.isChecked()).resolves.toBe(false); // nobody signed in yet: nothing to compare with
    await page.getByRole('button', { name: 'Sign in with Google' }).click();
    await allowAsAlerts(page, false);

    await expect(aliasCheck.isChecked()).resolves.toBe(true); // alerts@ signed in, noreply@ sends
    await page.getByRole('button', { name: 'Sign in with Google' }).click();
    await allowAsAlerts(page, true);

    await page.getByRole('button', { name: 'Test connection' }).click();
    const alias = page.locator('#checks li', { hasText: 'Sender address' });
    await alias.waitFor();
    await expect(alias.getAttribute('class')).resolves.toBe('ok');
    // fabrikam.example lacks Google's SPF include and DMARC (sandbox DNS): warnings, which block nothing.
    await expect(page.locator('#checks li', { hasText: 'Sender domain: SPF' }).getAttribute('class')).resolves.toBe('warn');
    await expect(page.locator('#checks-summary').textContent()).resolves.toBe(
      'No check failed; see the warnings and what could not be checked below (Save and test proves the rest). No message was sent.',
    );
  });
});

describe('embedded in the SaaS', () => {
  it('the allowlisted SaaS may frame the page; consent opens a new tab and the frame picks up the result', async () => {
    const orgId = newOrg('embedded');
    const page = await browser.newPage();
    await page.goto(`${embedder.origin}/?link=${encodeURIComponent(await adminLink(orgId))}`);
    const frame = page.frameLocator('iframe');
    await frame.locator('#workspace').waitFor({ state: 'visible' });
    await expect(frame.locator('#org-id').textContent()).resolves.toBe(orgId);
    const [tab] = await Promise.all([
      browser.waitForEvent('page'),
      frame.getByRole('button', { name: 'Grant admin consent in Microsoft 365' }).click(),
    ]);
    await tab.waitForURL(/\/organizations\/oauth2\/v2\.0\/authorize/);
    await tab.locator('select[name=login_hint]').selectOption('admin@contoso.example');
    await tab.getByRole('button', { name: 'Accept' }).click();
    await tab.waitForURL(/\/v2\.0\/adminconsent/);
    await tab.locator('select[name=login_hint]').selectOption('admin@contoso.example');
    await tab.getByRole('button', { name: 'Accept' }).click();
    await confirmConsent(tab);
    // The tab comes back to the settings page without the frame's token: it reports and says to close it.
    await tab.locator('#finished').waitFor({ state: 'visible' });
    await expect(tab.locator('#finished-message').textContent()).resolves.toBe('Connected to Microsoft 365.');
    await tab.close();
    await page.bringToFront();
    await frame.locator('#consent-state', { hasText: `tenant ${CONTOSO_TENANT_ID}` }).waitFor();
  });

  it('another site cannot frame it (CSP frame-ancestors)', async () => {
    const page = await browser.newPage();
    const refused = page.waitForEvent('console', (m) => /frame-ancestors/.test(m.text()));
    await page.goto(`${stranger.origin}/?link=${encodeURIComponent(await adminLink(newOrg('framed')))}`);
    await expect(refused.then((m) => m.text())).resolves.toMatch(
      /^Framing '.*' violates the following Content Security Policy directive: "frame-ancestors/,
    );
    expect(page.frames().map((f) => f.url())).toContain('chrome-error://chromewebdata/');
  });
});

describe('links that do not work', () => {
  it('an altered or missing token shows why in plain words, and nothing else', async () => {
    const page = await browser.newPage();
    const link = await adminLink(newOrg('tampered'));
    await page.goto(`${link.slice(0, -3)}xyz`);
    await page.locator('#fatal').waitFor({ state: 'visible' });
    await expect(page.locator('#fatal-message').textContent()).resolves.toBe('This settings link is not valid.');
    await expect(page.locator('#fatal-hint').textContent()).resolves.toMatch(/get a new link/);
    await expect(page.locator('#workspace').isVisible()).resolves.toBe(false);

    const bare = await browser.newPage(); // a new tab: no token in its session storage
    await bare.goto(link.split('#')[0]);
    await bare.locator('#fatal').waitFor({ state: 'visible' });
    await expect(bare.locator('#fatal-message').textContent()).resolves.toMatch(/carries none/);
  });
});

describe('secrets', () => {
  it('the page never received a secret value', () => {
    expect(received.length).toBeGreaterThan(10);
    expect(received.join('\n')).not.toContain(CONTOSO_APP_SECRET);
    expect(received.join('\n')).not.toContain('7d3f6a1e-2b4c-4d5e-8f90-a1b2c3d4e5f6');
  });
});
