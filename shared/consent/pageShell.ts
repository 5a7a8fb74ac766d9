/**
 * The frame of the consent pages we render ourselves (result, confirmation): one inline style sheet
 * allowed by its hash and nothing else (no script at all), never framed, no Referer. Every value
 * shown goes through `escapeHtml`: org names and identities are text, never markup.
 * https://developer.mozilla.org/docs/Web/HTTP/Headers/Content-Security-Policy
 */
import { createHash } from 'node:crypto';

export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** System fonts, one column, readable from 360 px up, large tap targets. */
const STYLE = [
  'body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1b1f24;background:#f6f8fa;line-height:1.5;margin:0}',
  'main{max-width:40rem;margin:0 auto;padding:1.25rem 1rem}',
  'h1{font-size:1.35rem;margin:.25rem 0 1rem;overflow-wrap:anywhere}',
  '.eyebrow{color:#57606a;font-size:.875rem;margin:0}',
  '.panel{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:1rem;margin:0 0 1rem}',
  'dl{margin:0;display:grid;grid-template-columns:minmax(6rem,max-content) 1fr;gap:.35rem .75rem}',
  'dt{color:#57606a}dd{margin:0;font-weight:600;overflow-wrap:anywhere}',
  'code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;overflow-wrap:anywhere}',
  '.warn{background:#fff4d6;color:#7a4b00;border-radius:8px;padding:.75rem 1rem;margin:0 0 1rem}',
  '.actions{display:flex;flex-wrap:wrap;gap:.75rem}',
  'button{font:inherit;font-weight:600;padding:.75rem 1.25rem;border-radius:6px;border:1px solid #0b5cad;min-height:44px;flex:1 1 10rem;cursor:pointer}',
  '.confirm{background:#0b5cad;color:#fff}.cancel{background:#fff;color:#0b5cad}',
].join('\n');

const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

export interface RenderedPage {
  html: string;
  headers: Record<string, string>;
}

/** `formOrigins`: where the page's form may post and be redirected to (none: the page has no form). */
export function renderPage(title: string, body: string, formOrigins: readonly string[] = []): RenderedPage {
  const csp = [
    "default-src 'none'",
    `style-src ${STYLE_HASH}`,
    "base-uri 'none'",
    // Chromium also applies form-action to the redirect that answers the POST.
    `form-action ${formOrigins.length ? formOrigins.join(' ') : "'none'"}`,
    "frame-ancestors 'none'",
  ].join('; ');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
  return {
    html,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': csp,
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
    },
  };
}
