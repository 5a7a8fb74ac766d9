/**
 * `GET /api/oauth/{provider}/callback`: where Microsoft and Google send the admin back after consent.
 * Anonymous (the browser carries no function key); the signed single-use state is what makes it
 * safe. Answers a redirect to the allowed return URL, or a plain HTML result page.
 */
import { consentAnswer } from '../shared/consent/resultPage';
import { getServices } from '../shared/services';
import { handle } from './http';
import { defineHttp } from './registry';

defineHttp({
  name: 'oauthCallback',
  route: 'oauth/{provider}/callback',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: handle(async (request) => {
    const provider = request.params.provider ?? '';
    const result = await getServices().senderService.completeConsent(provider, new URLSearchParams(request.query));
    const answer = consentAnswer({
      provider,
      orgId: result.orgId,
      mode: result.mode,
      returnUrl: result.returnUrl,
      senderEmail: result.sender?.senderEmail,
      accountEmail: result.sender?.accountEmail,
      tenantId: result.sender?.tenantId,
      error: result.error,
    });
    const noStore = { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' };
    if (answer.kind === 'redirect') return { status: 302, headers: { ...noStore, Location: answer.location } };
    return { status: answer.status, headers: { ...noStore, 'Content-Type': 'text/html; charset=utf-8' }, body: answer.html };
  }),
});
