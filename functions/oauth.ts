/**
 * The consent routes (docs/security.md), all anonymous (the browser carries no function key):
 *
 * - `GET /api/oauth/start?state=...`: the URL consent links hand out. Binds the consent to this
 *   browser (cookie, shared/consent/browser.ts) and sends it on to the provider with a 303.
 * - `GET|POST /api/oauth/{provider}/callback`: where Microsoft and Google send the browser back.
 *   GET carries the answer in the query string (Google, Microsoft admin consent). POST is the
 *   `response_mode=form_post` answer of a Microsoft sign-in: Entra's page auto-submits code and
 *   state as a form body, so the one-time code stays out of URLs and request logs
 *   (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow, "response_mode").
 *   A finished sign-in answers the confirmation page; nothing is stored yet.
 * - `POST /api/oauth/confirm`: the confirmation page's Confirm or Cancel.
 *
 * Every answer is a redirect (to the provider, or to the allowed return URL) or a page of ours that
 * cannot be framed: consent runs top-level only (RFC 9700 section 4.7's clickjacking advice).
 */
import type { HttpHandler, HttpRequest, HttpResponseInit } from '@azure/functions';
import { MailerError } from '@shared/errors';
import { browserCookie, browserSecretOf, newBrowserSecret } from '@shared/consent/browser';
import type { ConsentResult } from '@shared/consent/callback';
import { confirmPage } from '@shared/consent/confirmPage';
import { parseConfirmation } from '@shared/consent/confirmForm';
import { consentAnswer } from '@shared/consent/resultPage';
import { getServices } from '@shared/services';
import { logEvent } from '@shared/telemetry/log';
import { handle, readText } from './http';
import { defineHttp } from './registry';

/** A form_post answer is code + state (+ session_state, or error + error_description): a few KB at most. */
const MAX_FORM_BYTES = 16 * 1024;
const NO_STORE = { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' };
/** `Sec-Fetch-Dest` of a request for a frame (https://developer.mozilla.org/docs/Web/HTTP/Headers/Sec-Fetch-Dest). */
const FRAMED_DESTINATIONS = new Set(['iframe', 'frame', 'embed', 'object', 'fencedframe']);

const cookieOf = (request: HttpRequest) => browserSecretOf(request.headers.get('cookie'));

/** A form body (the provider's form_post, or our confirmation form), read with the 16 KB limit. */
async function formParams(request: HttpRequest): Promise<URLSearchParams> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new MailerError('BAD_REQUEST', 'A consent answer by POST must be a form (application/x-www-form-urlencoded).');
  }
  return new URLSearchParams(await readText(request, MAX_FORM_BYTES));
}

/** The result as the browser gets it: our page, or a 303 to the provider or the return URL. */
function answerOf(result: ConsentResult, event: string): HttpResponseInit {
  const { config } = getServices();
  logEvent(result.error ? 'consent.failed' : event, {
    orgId: result.orgId,
    provider: result.provider,
    mode: result.mode,
    code: result.error?.code,
  });
  if (result.confirmation && !result.error) {
    const page = confirmPage({
      confirmation: result.confirmation,
      provider: result.provider,
      mode: result.mode,
      purpose: result.purpose,
      platform: new URL(config.publicBaseUrl).host,
      formOrigins: config.returnUrlAllowlist,
    });
    return { status: 200, headers: page.headers, body: page.html };
  }
  const answer = consentAnswer({ ...result, ...result.applied });
  // 303: the browser follows with a GET and never re-posts a spent code or form on reload.
  if (answer.kind === 'redirect') return { status: 303, headers: { ...NO_STORE, Location: answer.location } };
  return { status: answer.status, headers: answer.headers, body: answer.html };
}

export const oauthStart: HttpHandler = handle(async (request) => {
  const failed = (error: MailerError) => answerOf({ provider: '', error }, 'consent.failed');
  if (FRAMED_DESTINATIONS.has(request.headers.get('sec-fetch-dest') ?? ''))
    return failed(new MailerError('CONSENT_FRAMED', 'Consent cannot run inside a frame.'));
  const secret = cookieOf(request) ?? newBrowserSecret();
  try {
    const location = await getServices().consent.service.start(request.query.get('state'), secret);
    return { status: 303, headers: { ...NO_STORE, Location: location, 'Set-Cookie': browserCookie(secret) } };
  } catch (error) {
    if (error instanceof MailerError && error.code !== 'INTERNAL') return failed(error);
    throw error;
  }
});

export const oauthCallback: HttpHandler = handle(async (request) => {
  const provider = request.params.provider ?? '';
  const params = request.method === 'POST' ? await formParams(request) : new URLSearchParams(request.query);
  const result = await getServices().consent.callback.complete(provider, params, cookieOf(request));
  return answerOf(result, result.next ? 'consent.continued' : 'consent.signed_in');
});

export const oauthConfirm: HttpHandler = handle(async (request) => {
  const answer = parseConfirmation(await formParams(request));
  const result = await getServices().consent.callback.confirm(answer, cookieOf(request));
  return answerOf(result, result.cancelled ? 'consent.cancelled' : 'consent.completed');
});

defineHttp({ name: 'oauthStart', route: 'oauth/start', methods: ['GET'], authLevel: 'anonymous', handler: oauthStart });
defineHttp({
  name: 'oauthCallback',
  route: 'oauth/{provider}/callback',
  methods: ['GET', 'POST'],
  authLevel: 'anonymous',
  handler: oauthCallback,
});
defineHttp({ name: 'oauthConfirm', route: 'oauth/confirm', methods: ['POST'], authLevel: 'anonymous', handler: oauthConfirm });
