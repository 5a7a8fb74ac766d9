/**
 * Which browser the e2e tests start (test/support/browser.ts): a CHROMIUM_PATH that exists, else a
 * system Chromium or Chrome, else the one inside the npm package @sparticuz/chromium, so that
 * `npm install && npm test` needs no system browser.
 */
import { existsSync } from 'node:fs';
import { chooseBrowser } from '../support/browser';

test('CHROMIUM_PATH wins when it names a file', async () => {
  const choice = await chooseBrowser({ CHROMIUM_PATH: process.execPath });
  expect(choice).toMatchObject({ source: 'CHROMIUM_PATH', executablePath: process.execPath });
});

test("with CHROMIUM_PATH pointing nowhere and system browsers skipped, the npm package's Chromium is unpacked and used", async () => {
  const choice = await chooseBrowser({ CHROMIUM_PATH: '/nowhere/chromium', ORG_MAILER_NPM_CHROMIUM: '1' });
  expect(choice.source).toBe('@sparticuz/chromium');
  expect(existsSync(choice.executablePath)).toBe(true);
  // Its serverless flags, minus those that would turn off what the page's tests check.
  expect(choice.args).toEqual(expect.arrayContaining(['--no-sandbox', '--disable-component-update']));
  for (const flag of ['--disable-web-security', '--allow-running-insecure-content', '--single-process'])
    expect(choice.args).not.toContain(flag);
});
