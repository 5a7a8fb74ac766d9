/**
 * The settings page's script (`GET /api/settings/app.js`). Its source is the TypeScript in
 * ./client/ (type-checked for the browser with ./client/tsconfig.json); dev/build.mjs bundles it
 * with esbuild into one IIFE and puts the text into every bundle that serves the page as
 * `__SETTINGS_PAGE_JS__`, so dist/main.js carries it (the deployment has no source folders).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

declare const __SETTINGS_PAGE_JS__: string | undefined;

let unbundled: string | undefined;

export function settingsScript(): string {
  if (typeof __SETTINGS_PAGE_JS__ === 'string') return __SETTINGS_PAGE_JS__;
  // Run from the sources (ts-jest): the copy dev/build.mjs wrote (npm test builds before it runs).
  unbundled ??= readFileSync(resolve(__dirname, '../../../dist/settings/app.js'), 'utf8');
  return unbundled;
}
