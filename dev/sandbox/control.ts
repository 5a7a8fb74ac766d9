/**
 * The control API, answered under `/_sandbox/` on every sandbox origin: what was received, what was
 * accepted, fault injection, the clock, and reset. Tests and the outbox page use it; production code
 * never does.
 */
import type { Sandbox } from './server';
import { SERVICE_NAMES, ServiceName } from './server';

export function registerControl(sandbox: Sandbox): void {
  sandbox.route('*', 'GET', '/_sandbox/urls', () => ({ status: 200, body: sandbox.urls }));

  sandbox.route('*', 'GET', '/_sandbox/requests', (req) => {
    const service = req.url.searchParams.get('service');
    const path = req.url.searchParams.get('path');
    const pattern = path ? new RegExp(path) : undefined;
    const rows = sandbox.requests.filter((r) => (!service || r.service === service) && (!pattern || pattern.test(r.path)));
    return { status: 200, body: rows };
  });
  sandbox.route('*', 'DELETE', '/_sandbox/requests', () => {
    sandbox.requests.length = 0;
    return { status: 204 };
  });

  sandbox.route('*', 'GET', '/_sandbox/messages', (req) => {
    const provider = req.url.searchParams.get('provider');
    const mailbox = req.url.searchParams.get('mailbox')?.toLowerCase();
    const rows = sandbox.messages.filter(
      (m) => (!provider || m.provider === provider) && (!mailbox || m.mailbox.toLowerCase() === mailbox),
    );
    return { status: 200, body: rows };
  });
  sandbox.route('*', 'DELETE', '/_sandbox/messages', () => {
    sandbox.messages.length = 0;
    return { status: 204 };
  });
  sandbox.route('*', 'GET', '/_sandbox/outbox', () => ({
    status: 200,
    headers: { 'Content-Type': 'text/html; charset=utf-8' },
    body: outboxPage(sandbox),
  }));

  sandbox.route('*', 'GET', '/_sandbox/faults', () => ({ status: 200, body: sandbox.faults }));
  sandbox.route('*', 'POST', '/_sandbox/faults', (req) => {
    const input = req.json();
    if (!input || typeof input !== 'object') return { status: 400, body: { error: 'body must be a JSON fault' } };
    if (input.service && !SERVICE_NAMES.includes(input.service as ServiceName)) {
      return { status: 400, body: { error: `service must be one of ${SERVICE_NAMES.join(', ')}` } };
    }
    if (!input.status && !input.delayMs && !input.drop && !input.hang) {
      return { status: 400, body: { error: 'a fault needs status, delayMs, drop or hang' } };
    }
    return { status: 201, body: sandbox.addFault(input) };
  });
  sandbox.route('*', 'DELETE', '/_sandbox/faults', () => {
    sandbox.faults = [];
    return { status: 204 };
  });

  // Per-origin latency shaping (Sandbox.latencyMs): `{ "entra": 150, "keyVault": 30 }`; a POST
  // replaces the whole map, so `{}` turns shaping off.
  sandbox.route('*', 'GET', '/_sandbox/latency', () => ({ status: 200, body: sandbox.latencyMs }));
  sandbox.route('*', 'POST', '/_sandbox/latency', (req) => {
    const input = req.json();
    if (!input || typeof input !== 'object' || Array.isArray(input))
      return { status: 400, body: { error: 'body must be a JSON object of origin: milliseconds' } };
    for (const [service, ms] of Object.entries(input)) {
      if (!SERVICE_NAMES.includes(service as ServiceName))
        return { status: 400, body: { error: `origin must be one of ${SERVICE_NAMES.join(', ')}; got ${service}` } };
      if (!Number.isInteger(ms) || (ms as number) < 0 || (ms as number) > 60_000)
        return { status: 400, body: { error: `${service}: a whole number of milliseconds 0-60000` } };
    }
    sandbox.latencyMs = { ...input };
    return { status: 200, body: sandbox.latencyMs };
  });

  sandbox.route('*', 'GET', '/_sandbox/clock', () => ({
    status: 200,
    body: { now: new Date(sandbox.now()).toISOString(), offsetSeconds: sandbox.clockOffsetMs / 1000 },
  }));
  sandbox.route('*', 'POST', '/_sandbox/clock', (req) => {
    const seconds = Number(req.json()?.advanceSeconds);
    if (!Number.isFinite(seconds) || seconds < 0) return { status: 400, body: { error: 'advanceSeconds must be a number >= 0' } };
    sandbox.clockOffsetMs += seconds * 1000;
    return { status: 200, body: { now: new Date(sandbox.now()).toISOString(), offsetSeconds: sandbox.clockOffsetMs / 1000 } };
  });

  sandbox.route('*', 'POST', '/_sandbox/reset', () => {
    sandbox.reset();
    return { status: 204 };
  });
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The small outbox web page `npm start` links to: every accepted message, newest first. */
function outboxPage(sandbox: Sandbox): string {
  const rows = [...sandbox.messages]
    .reverse()
    .map(
      (m) =>
        `<tr><td>${escapeHtml(m.at)}</td><td>${m.provider}</td><td>${escapeHtml(m.mailbox)}</td>` +
        `<td>${escapeHtml(m.from.name ? `${m.from.name} <${m.from.address}>` : m.from.address)}</td>` +
        `<td>${escapeHtml(m.to.join(', '))}</td><td>${escapeHtml(m.subject)}</td>` +
        `<td><details><summary>${m.format}</summary><pre>${escapeHtml(m.raw.slice(0, 20000))}</pre></details></td></tr>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sandbox outbox</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}pre{white-space:pre-wrap;max-width:60rem}</style></head>
<body><h1>Sandbox outbox</h1><p>${sandbox.messages.length} message(s) accepted by the sandbox's Graph and Gmail.</p>
<table><thead><tr><th>At</th><th>Provider</th><th>Mailbox</th><th>From</th><th>To</th><th>Subject</th><th>Raw</th></tr></thead><tbody>${rows}</tbody></table></body></html>`;
}
