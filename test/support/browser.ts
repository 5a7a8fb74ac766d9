/**
 * One way for browser tests to start Chromium: the system's (Debian's `chromium`, or CHROMIUM_PATH)
 * through playwright-core, headless, with nothing that reaches out to Google's update or sync
 * services (the build network is closed). Tests open their own contexts on the browser.
 */
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}
