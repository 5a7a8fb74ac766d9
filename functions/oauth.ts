/**
 * `GET|POST /api/oauth/{provider}/callback`: where Microsoft and Google send the admin back after
 * consent. Anonymous (the browser carries no function key); the signed single-use state is what makes
 * it safe. Answers a redirect to the allowed return URL, or a plain HTML result page.
 *
 * GET carries the answer in the query string (Google, Microsoft admin consent). POST is the
 * `response_mode=form_post` answer of Microsoft delegated sign-in: Entra's page auto-submits code
 * and state as a form body, so the one-time code stays out of URLs and request logs
 * (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow, "response_mode").
 */
import type { HttpHandler, HttpRequest } from '@azure/functions';
import { MailerError } from '@shared/errors';
import { consentAnswer } from '@shared/consent/resultPage';
import { getServices } from '@shared/services';
import { logEvent } from '@shared/telemetry/log';
import { handle, readText } from './http';
import { defineHttp } from './registry';

/** A form_post answer is code + state (+ session_state, or error + error_description): a few KB at most. */
const MAX_FORM_BYTES = 16 * 1024;

/** The provider's answer parameters: the query string of a GET, the form body of a POST (never both). */
async function answerParams(request: HttpRequest): Promise<URLSearchParams> {
  if (request.method !== 'POST') return new URLSearchParams(request.query);
  const type = (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new MailerError('BAD_REQUEST', 'A consent answer by POST must be a form (application/x-www-form-urlencoded).');
  }
  return new URLSearchParams(await readText(request, MAX_FORM_BYTES));
}

export const oauthCallback: HttpHandler = handle(async (request) => {
  const provider = request.params.provider ?? '';
  const result = await getServices().consentCallback.complete(provider, await answerParams(request));
  const answer = consentAnswer({
    provider,
    orgId: result.orgId,
    mode: result.mode,
    purpose: result.purpose,
    returnUrl: result.returnUrl,
    senderEmail: result.applied?.senderEmail,
    accountEmail: result.applied?.accountEmail,
    tenantId: result.applied?.tenantId,
    error: result.error,
    next: result.next,
  });
  logEvent(result.error ? 'consent.failed' : result.next ? 'consent.continued' : 'consent.completed', {
    orgId: result.orgId,
    provider,
    mode: result.mode,
    code: result.error?.code,
  });
  const noStore = { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' };
  // 303 after a POST: the browser follows with a GET and never re-posts the (spent) code on reload.
  const redirectStatus = request.method === 'POST' ? 303 : 302;
  if (answer.kind === 'redirect') return { status: redirectStatus, headers: { ...noStore, Location: answer.location } };
  return { status: answer.status, headers: { ...noStore, 'Content-Type': 'text/html; charset=utf-8' }, body: answer.html };
});

defineHttp({
  name: 'oauthCallback',
  route: 'oauth/{provider}/callback',
  methods: ['GET', 'POST'],
  authLevel: 'anonymous',
  handler: oauthCallback,
});
