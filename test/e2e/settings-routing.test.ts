/**
 * The settings page with several senders, in a real browser at 360 px: the admin adds a
 * second sender from the page (the API's 4xx next to the fields), opens each sender's form, adds and
 * orders routing rules (a refused rule shows its reason on its row), and the "explain" box shows the
 * answer the API gives. Nothing may scroll sideways.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startLocalHost, LocalHost } from '../../dev/host/localHost';
import { CONTOSO_APP_ID, CONTOSO_APP_SECRET, CONTOSO_TENANT_ID } from '../../dev/sandbox/world';
import { getServices } from '@shared/services';
import { launchBrowser } from '../support/browser';
import { senderWithoutApp } from '../support/builders';
import { sandboxControl } from '../support/env';
import { freePort } from '../support/ports';

const KEY = process.env.LOCAL_FUNCTION_KEY!;
const orgId = `routing-${randomBytes(4).toString('hex')}`;
let host: LocalHost;
let chromium: Browser;
let browser: BrowserContext;
let page: Page;

async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${host.url}/api/orgs/${orgId}/${path}`, {
    method,
    headers: { 'x-functions-key': KEY, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.status).toBeLessThan(300);
  return (await response.json()) as T;
}

/** Nothing runs off the side of a 360 px phone screen. */
async function fitsPhone(): Promise<void> {
  // Named when something sticks out: elements and text alike (a long word overflows the box it is in).
  const wide = await page.evaluate<string[]>(`(() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(node);
      const right = range.getBoundingClientRect().right;
      if (right > 360) out.push(node.parentElement.tagName + '#' + node.parentElement.id + ' ' + JSON.stringify(node.textContent.slice(0, 60)) + ' ' + Math.round(right));
    }
    return out;
  })()`);
  expect(wide).toEqual([]);
  await expect(page.evaluate<number>('document.documentElement.scrollWidth')).resolves.toBeLessThanOrEqual(360);
}

const listed = () => page.locator('#senders-list li').allTextContents();
const ruleRows = () => page.locator('#rules-body tr.rule');

beforeAll(async () => {
  await sandboxControl('POST', 'reset');
  const port = await freePort();
  host = await startLocalHost({
    port,
    queues: false,
    timers: false,
    log: () => undefined,
    env: { PUBLIC_BASE_URL: `http://localhost:${port}` },
  });
  const at = new Date().toISOString();
  const existing = senderWithoutApp({
    orgId,
    senderEmail: 'notifications@contoso.example',
    senderName: 'Contoso',
    createdAt: at,
    updatedAt: at,
  });
  await getServices().senders.store.create(existing);
  chromium = await launchBrowser();
  browser = await chromium.newContext();
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

describe('several senders from the settings page, at 360 px', () => {
  it('a single sender: no list, no rules, the form unnamed; "Add another sender" shows the API\'s refusals next to its fields', async () => {
    await expect(page.locator('#senders-panel').isHidden()).resolves.toBe(true);
    await expect(page.locator('#routing-panel').isHidden()).resolves.toBe(true);
    await expect(page.locator('#form-heading').isHidden()).resolves.toBe(true);
    await page.getByText('Add another sender', { exact: true }).click();
    await page.getByLabel('Sender key', { exact: true }).fill('default');
    await page.getByLabel('Provider', { exact: true }).selectOption({ label: 'Google' });
    await expect(page.locator('#new-mode option').allTextContents()).resolves.toEqual(['Sign in with Google', 'Service account key']);
    await page.getByLabel('Its sender email', { exact: true }).fill('not an address');
    await page.getByLabel('Its sender alias', { exact: true }).fill('Fabrikam Compliance');
    await page.getByRole('button', { name: 'Add sender' }).click();
    // The API's 409 (a taken key), then its 422 (a bad key), next to the key field.
    const keyError = page.locator('#new-key-error');
    await keyError.waitFor({ state: 'visible' });
    await expect(keyError.textContent()).resolves.toBe('Is taken');
    await expect(page.getByLabel('Sender key', { exact: true }).getAttribute('aria-invalid')).resolves.toBe('true');
    await page.getByLabel('Sender key', { exact: true }).fill('Compliance!');
    await page.getByRole('button', { name: 'Add sender' }).click();
    await keyError.filter({ hasText: 'Must match ^[a-z0-9][a-z0-9-]{0,31}$' }).waitFor();
    await fitsPhone();
    await expect(api('GET', 'senders')).resolves.toMatchObject({ senders: [{ senderKey: 'default' }] });
  });

  it('adds the second sender from the page and opens its form; each key opens that sender', async () => {
    await page.getByLabel('Sender key', { exact: true }).fill('compliance');
    await page.getByLabel('Its sender email', { exact: true }).fill('noreply@fabrikam.example');
    await page.getByRole('button', { name: 'Add sender' }).click();
    await page.locator('#senders-panel').waitFor({ state: 'visible' });
    await expect(listed()).resolves.toEqual([
      'Activedefaultnotifications@contoso.example (Microsoft 365)',
      'Draftcompliancenoreply@fabrikam.example (Google)',
    ]);
    await page.locator('#form-heading', { hasText: /^Sender compliance$/ }).waitFor();
    await expect(page.locator('#status-badge').textContent()).resolves.toBe('Draft');
    await expect(page.getByLabel('Sign in with Google', { exact: true }).isChecked()).resolves.toBe(true);
    await expect(page.getByLabel('Sender email', { exact: true }).inputValue()).resolves.toBe('noreply@fabrikam.example');
    await expect(page.locator('#message-text').textContent()).resolves.toBe('Sender compliance was added.');
    await expect(api('GET', 'senders/compliance')).resolves.toMatchObject({
      senderKey: 'compliance',
      provider: 'google',
      mode: 'oauth',
      status: 'draft',
      senderName: 'Fabrikam Compliance',
    });

    await page.getByRole('button', { name: 'Open sender default' }).click();
    await page.locator('#form-heading', { hasText: 'Sender default' }).waitFor();
    await expect(page.getByLabel('Sender email', { exact: true }).inputValue()).resolves.toBe('notifications@contoso.example');
    await expect(page.locator('#status-badge').textContent()).resolves.toBe('Active');
    await page.getByRole('button', { name: 'Open sender compliance' }).click();
    await page.locator('#form-heading', { hasText: 'Sender compliance' }).waitFor();
    await expect(page.getByLabel('Sender email', { exact: true }).inputValue()).resolves.toBe('noreply@fabrikam.example');
    await fitsPhone();
  });

  it('a sender with typed-in secrets opens the form first; Test connection creates it with its checks', async () => {
    await page.getByText('Add another sender', { exact: true }).click();
    await page.getByLabel('Sender key', { exact: true }).fill('subsidiary');
    await page.getByLabel('Provider', { exact: true }).selectOption({ label: 'Microsoft 365' });
    await page.getByLabel('Connection', { exact: true }).selectOption({ label: 'Your own app registration' });
    await page.getByLabel('Its sender email', { exact: true }).fill('privacy@contoso.example');
    await page.getByLabel('Its sender alias', { exact: true }).fill('Contoso Privacy');
    await page.getByRole('button', { name: 'Add sender' }).click();
    await page.locator('#form-heading', { hasText: 'Sender subsidiary (new)' }).waitFor();
    await expect(page.getByLabel('Your own app registration', { exact: true }).isChecked()).resolves.toBe(true);
    await page.getByLabel('Tenant ID', { exact: true }).fill(CONTOSO_TENANT_ID);
    await page.getByLabel('Client ID', { exact: true }).fill(CONTOSO_APP_ID);
    await page.getByLabel('Client secret', { exact: true }).fill(CONTOSO_APP_SECRET);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.locator('#checks-panel').waitFor({ state: 'visible' });
    await expect(page.locator('#checks-summary').textContent()).resolves.toBe('All checks passed. No message was sent.');
    await page.locator('#form-heading', { hasText: /^Sender subsidiary$/ }).waitFor();
    await expect(listed()).resolves.toEqual([
      'Activedefaultnotifications@contoso.example (Microsoft 365)',
      'Draftcompliancenoreply@fabrikam.example (Google)',
      'Draftsubsidiaryprivacy@contoso.example (Microsoft 365)',
    ]);
    await expect(api('GET', 'senders/subsidiary')).resolves.toMatchObject({
      senderKey: 'subsidiary',
      mode: 'app_registration',
      tenantId: CONTOSO_TENANT_ID,
    });
    await fitsPhone();
  });

  it('a refused rule shows its reason on its row; fixed, the rules are saved in the order shown', async () => {
    await expect(page.locator('#rules-empty').textContent()).resolves.toBe('No rules: every message goes out from default.');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByLabel('Category of rule 1', { exact: true }).fill('compliance alert, dpo-notice');
    await page.getByLabel('Sender of rule 1', { exact: true }).selectOption('compliance');
    await page.getByRole('button', { name: 'Save rules' }).click();
    const refused = page.locator('#rule-1-error');
    await refused.waitFor({ state: 'visible' });
    await expect(refused.textContent()).resolves.toBe('Category: must be 1-64 letters, digits and _ . : -.');
    await expect(page.locator('#rules-message').textContent()).resolves.toBe('The rules were not saved: see the marked rule. ');
    await expect(page.getByLabel('Category of rule 1', { exact: true }).getAttribute('aria-invalid')).resolves.toBe('true');
    await fitsPhone();
    await expect(api('GET', 'routing')).resolves.toEqual({ rules: [] });

    await page.getByLabel('Category of rule 1', { exact: true }).fill('compliance-alert, dpo-notice');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByLabel('Workspace of rule 2', { exact: true }).fill('subsidiary-de');
    await page.getByLabel('Sender of rule 2', { exact: true }).selectOption('subsidiary');
    await page.getByRole('button', { name: 'Move rule 2 up' }).click();
    await expect(page.getByLabel('Workspace of rule 1', { exact: true }).inputValue()).resolves.toBe('subsidiary-de');
    await page.getByRole('button', { name: 'Save rules' }).click();
    await page.locator('#rules-message', { hasText: 'Saved 2 rules.' }).waitFor();
    await expect(page.locator('#rule-1-error').count()).resolves.toBe(0);
    await expect(api('GET', 'routing')).resolves.toEqual({
      rules: [
        { match: { workspace: 'subsidiary-de' }, sender: 'subsidiary' },
        { match: { category: ['compliance-alert', 'dpo-notice'] }, sender: 'compliance' },
      ],
    });
    await expect(ruleRows().count()).resolves.toBe(2);
    await fitsPhone();
  });

  it('explain shows the answer the API gives: the sender, why, and each sender passed over', async () => {
    const messages: Array<{ category: string; workspace?: string }> = [
      { category: 'compliance-alert' },
      { category: 'task' },
      { category: 'compliance-alert', workspace: 'subsidiary-de' },
    ];
    for (const message of messages) {
      const expected = await api<{ sender: string; reason: string; hops: Array<{ sender: string; reason: string }>; senderEmail: string }>(
        'POST',
        'routing/explain',
        message,
      );
      await page.getByLabel('Message category', { exact: true }).fill(message.category);
      await page.getByLabel('Message workspace', { exact: true }).fill(message.workspace ?? '');
      await page.getByRole('button', { name: 'Explain' }).click();
      await page.locator('#explain-reason', { hasText: expected.reason }).waitFor();
      await expect(page.locator('#explain-sender').textContent()).resolves.toContain(`${expected.sender} (${expected.senderEmail}`);
      await expect(page.locator('#explain-hops li').allTextContents()).resolves.toEqual(
        expected.hops.map((h) => expect.stringContaining(`Passed over ${h.sender}: `)),
      );
      if (message.category === 'compliance-alert' && !message.workspace) {
        // compliance is still a draft: the message would go to default, and the page says so.
        expect(expected).toMatchObject({
          sender: 'default',
          reason: 'rule 2 matched; compliance is draft',
          hops: [{ sender: 'compliance', reason: 'NO_ACTIVE_SENDER' }],
        });
        await expect(page.locator('#explain-hops li').allTextContents()).resolves.toEqual([
          'Passed over compliance: Draft (NO_ACTIVE_SENDER)',
        ]);
      }
    }
    await page.getByLabel('Message category', { exact: true }).fill('not valid!');
    await page.getByRole('button', { name: 'Explain' }).click();
    await page.locator('#explain-category-error', { hasText: 'Must be 1-64 letters, digits and _ . : -' }).waitFor();
    await expect(page.locator('#explain-result').isHidden()).resolves.toBe(true);
    await fitsPhone();
  });
});
