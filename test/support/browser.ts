/**
 * The browser the e2e tests drive through playwright-core, so that `npm install && npm test` needs
 * nothing but Node: a system Chromium or Chrome when one is installed, otherwise the Chromium binary
 * shipped inside the npm package `@sparticuz/chromium` (a devDependency), which its
 * `executablePath()` unpacks into the temp folder on first use
 * (https://github.com/Sparticuz/chromium#usage).
 *
 * `CHROMIUM_PATH` names a browser to use; `ORG_MAILER_NPM_CHROMIUM=1` skips the system browsers
 * (CI on a machine that has one can prove the npm path still works).
 */
import { existsSync } from 'node:fs';
import { chromium, Browser } from 'playwright-core';

/** Where Debian/Ubuntu, Fedora, Alpine and Google's own packages put the browser. */
const SYSTEM_BROWSERS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/opt/google/chrome/chrome',
];

/**
 * Needed on a closed build network: nothing may try to reach Google's update or sync services.
 * Flags from https://peter.sh/experiments/chromium-command-line-switches/.
 */
const QUIET_FLAGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * `@sparticuz/chromium`'s recommended flags, minus those that would change what the tests check:
 * `--disable-web-security` and `--allow-running-insecure-content` turn off the same-origin rules
 * the CSP and framing tests rely on, and `--single-process` (needed only inside AWS Lambda) makes
 * one crashed tab take the whole browser down.
 */
const NOT_FOR_TESTS = new Set(['--disable-web-security', '--allow-running-insecure-content', '--single-process']);

export interface BrowserChoice {
  executablePath: string;
  args: string[];
  source: 'CHROMIUM_PATH' | 'system' | '@sparticuz/chromium';
}

/** Which browser {@link launchBrowser} starts, and with which flags. */
export async function chooseBrowser(env: NodeJS.ProcessEnv = process.env): Promise<BrowserChoice> {
  const base = ['--no-sandbox', ...QUIET_FLAGS];
  if (env.ORG_MAILER_NPM_CHROMIUM !== '1') {
    if (env.CHROMIUM_PATH && existsSync(env.CHROMIUM_PATH))
      return { executablePath: env.CHROMIUM_PATH, args: base, source: 'CHROMIUM_PATH' };
    const system = SYSTEM_BROWSERS.find((path) => existsSync(path));
    if (system) return { executablePath: system, args: base, source: 'system' };
  }
  // An ES module with a CommonJS build; `require` keeps ts-jest's CommonJS output simple.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const packaged: typeof import('@sparticuz/chromium').default = require('@sparticuz/chromium');
  const args = packaged.args.filter((flag) => !NOT_FOR_TESTS.has(flag));
  return { executablePath: await packaged.executablePath(), args: [...new Set([...args, ...base])], source: '@sparticuz/chromium' };
}

/** A headless Chromium for the e2e tests; close it in afterAll. */
export async function launchBrowser(): Promise<Browser> {
  const choice = await chooseBrowser();
  return chromium.launch({ executablePath: choice.executablePath, headless: true, args: choice.args });
}

/** Our confirmation page after a provider's sign-in: the admin confirms (nothing is saved before). */
export async function confirmConsent(page: import('playwright-core').Page): Promise<void> {
  await page.getByRole('button', { name: 'Confirm and connect' }).click();
}
