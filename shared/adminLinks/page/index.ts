/**
 * Serves the settings page: `GET /api/settings` (HTML) and its two assets. The page is static and
 * the same for every org (the token in the fragment selects the org), so it can be cached briefly.
 *
 * Headers: a strict Content-Security-Policy (only our own script, style and API: an injected
 * string could not run or phone home), `frame-ancestors` limited to the return-URL allowlist so the
 * SaaS may embed the page but nobody else can frame it (clickjacking), and no Referer, ever.
 * https://developer.mozilla.org/docs/Web/HTTP/Headers/Content-Security-Policy/frame-ancestors
 */
import type { Config } from '../../config';
import { MailerError } from '../../errors';
import { SETTINGS_CSS } from './css';
import { SETTINGS_HTML } from './html';
import { settingsScript } from './script';

const ASSETS: Record<string, { contentType: string; body: string }> = {
  '': { contentType: 'text/html; charset=utf-8', body: SETTINGS_HTML },
  'app.js': {
    contentType: 'text/javascript; charset=utf-8',
    get body() {
      return settingsScript();
    },
  },
  'app.css': { contentType: 'text/css; charset=utf-8', body: SETTINGS_CSS },
};

export interface PageResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function contentSecurityPolicy(config: Readonly<Config>): string {
  const ancestors = ["'self'", ...config.returnUrlAllowlist].join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${ancestors}`,
  ].join('; ');
}

/** `asset` is the route's optional `{asset}`: absent for the page itself. Unknown -> NOT_FOUND. */
export function settingsPageResponse(asset: string | undefined, config: Readonly<Config>): PageResponse {
  const found = Object.prototype.hasOwnProperty.call(ASSETS, asset ?? '') ? ASSETS[asset ?? ''] : undefined;
  if (!found) throw new MailerError('NOT_FOUND', 'The settings page has no such file.');
  return {
    status: 200,
    headers: {
      'Content-Type': found.contentType,
      // Static text, but a deploy must show up within minutes: revalidate after 5 minutes.
      'Cache-Control': 'public, max-age=300',
      'Content-Security-Policy': contentSecurityPolicy(config),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    },
    body: found.body,
  };
}
