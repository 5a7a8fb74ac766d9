/**
 * The settings page with several senders, in a real browser: the org's senders are
 * listed with their status badges, at 360 px too; an org with a single sender sees the page it
 * always saw (no list).
 */
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startLocalHost, LocalHost } from '../../dev/host/localHost';
import type { SenderConfig } from '@shared/model/sender';
import { getServices } from '@shared/services';
import { launchBrowser } from '../support/browser';
import { senderWithoutApp } from '../support/builders';
import { sandboxControl } from '../support/env';
import { freePort } from '../support/ports';

const KEY = process.env.LOCAL_FUNCTION_KEY!;
let host: LocalHost;
let chromium: Browser;
let browser: BrowserContext;

function row(orgId: string, senderKey: string | undefined, senderEmail: string, fields: Partial<SenderConfig> = {}): SenderConfig {
  const at = new Date().toISOString();
  return senderWithoutApp({ orgId, senderKey, senderEmail, senderName: 'Contoso', createdAt: at, updatedAt: at, ...fields });
}

async function openSettings(orgId: string, width: number): Promise<Page> {
  const response = await fetch(`${host.url}/api/orgs/${orgId}/admin-links`, {
    method: 'POST',
    headers: { 'x-functions-key': KEY, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(response.status).toBe(200);
  const page = await browser.newPage();
  await page.setViewportSize({ width, height: 800 });
  await page.goto(((await response.json()) as { url: string }).url);
  await page.locator('#workspace').waitFor({ state: 'visible' });
  return page;
}

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
  chromium = await launchBrowser();
  browser = await chromium.newContext();
});

afterAll(async () => {
  await browser?.close();
  await chromium?.close();
  await host?.close();
});

it('lists every sender of the org with its status badge, also at 360 px', async () => {
  const orgId = `multi-${randomBytes(4).toString('hex')}`;
  const store = getServices().senders.store;
  await store.create(row(orgId, undefined, 'notifications@contoso.example'));
  await store.create(
    row(orgId, 'compliance', 'noreply@fabrikam.example', { provider: 'google', mode: 'oauth', status: 'needs_attention', locked: false }),
  );
  await store.create(row(orgId, 'subsidiary', 'privacy@contoso.example', { status: 'draft', locked: false }));
  for (const width of [1024, 360]) {
    const page = await openSettings(orgId, width);
    await page.locator('#senders-panel').waitFor({ state: 'visible' });
    const items = page.locator('#senders-list li');
    await expect(items.allTextContents()).resolves.toEqual([
      'Activedefaultnotifications@contoso.example (Microsoft 365)',
      'Needs attentioncompliancenoreply@fabrikam.example (Google)',
      'Draftsubsidiaryprivacy@contoso.example (Microsoft 365)',
    ]);
    await expect(items.nth(1).locator('.badge').getAttribute('class')).resolves.toBe('badge badge-needs_attention');
    // Nothing runs off the side of a phone screen.
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.close();
  }
});

it('an org with a single sender sees no list: the page it always had', async () => {
  const orgId = `single-${randomBytes(4).toString('hex')}`;
  await getServices().senders.store.create(row(orgId, undefined, 'notifications@contoso.example'));
  const page = await openSettings(orgId, 1024);
  await expect(page.locator('#status-badge').textContent()).resolves.toBe('Active');
  await expect(page.locator('#senders-panel').isHidden()).resolves.toBe(true);
  await page.close();
});
