/**
 * The settings page's twins of the several-senders routes: `/api/manage/senders[/{senderKey}...]`
 * and `/api/manage/routing[/explain]`, guarded by the admin link's token like every `/api/manage/*`
 * route (adminSender.ts) and acting on the token's org only. Each calls the same named-sender
 * service as the function-key routes in namedSenders.ts.
 */
import type { HttpHandler, HttpRequest } from '@azure/functions';
import { pageConsentRequest } from '@shared/adminLinks';
import { senderKeyFrom } from '@shared/senders/named';
import { getServices } from '@shared/services';
import { asAdmin } from './adminSender';
import { json, readJson } from './http';
import { answerNamedSender } from './namedSenders';
import { defineHttp } from './registry';

const named = () => getServices().senders.named;
const keyFrom = (request: HttpRequest) => senderKeyFrom(request.params.senderKey);

export const adminSenders: HttpHandler = asAdmin(async ({ orgId }, request) => {
  if (request.method === 'POST') return json(201, await named().create(orgId, await readJson(request)));
  return json(200, await named().list(orgId));
});

defineHttp({ name: 'adminSenders', route: 'manage/senders', methods: ['GET', 'POST'], authLevel: 'anonymous', handler: adminSenders });

export const adminNamedSender: HttpHandler = asAdmin(async ({ orgId }, request) => answerNamedSender(orgId, request));

defineHttp({
  name: 'adminNamedSender',
  route: 'manage/senders/{senderKey}',
  methods: ['GET', 'PUT', 'DELETE'],
  authLevel: 'anonymous',
  handler: adminNamedSender,
});

/** Consent from the page comes back to the page, whatever `returnUrl` the body names. */
export const adminNamedSenderConsentLink: HttpHandler = asAdmin(async (session, request) =>
  json(
    200,
    await named().consentLink(session.orgId, keyFrom(request), pageConsentRequest(await readJson(request), getServices().config, session)),
  ),
);

defineHttp({
  name: 'adminNamedSenderConsentLink',
  route: 'manage/senders/{senderKey}/consent-link',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: adminNamedSenderConsentLink,
});

export const adminNamedSenderVerify: HttpHandler = asAdmin(async ({ orgId }, request) =>
  json(200, await named().verify(orgId, keyFrom(request))),
);

defineHttp({
  name: 'adminNamedSenderVerify',
  route: 'manage/senders/{senderKey}/verify',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: adminNamedSenderVerify,
});

export const adminNamedSenderTest: HttpHandler = asAdmin(async ({ orgId }, request) =>
  json(200, await named().test(orgId, keyFrom(request), await readJson(request))),
);

defineHttp({
  name: 'adminNamedSenderTest',
  route: 'manage/senders/{senderKey}/test',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: adminNamedSenderTest,
});

export const adminNamedSenderReset: HttpHandler = asAdmin(async ({ orgId }, request) =>
  json(200, await named().reset(orgId, keyFrom(request))),
);

defineHttp({
  name: 'adminNamedSenderReset',
  route: 'manage/senders/{senderKey}/reset',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: adminNamedSenderReset,
});

export const adminRouting: HttpHandler = asAdmin(async ({ orgId }, request) => {
  if (request.method === 'PUT') return json(200, await named().putRouting(orgId, await readJson(request)));
  return json(200, await named().routing(orgId));
});

defineHttp({ name: 'adminRouting', route: 'manage/routing', methods: ['GET', 'PUT'], authLevel: 'anonymous', handler: adminRouting });

export const adminRoutingExplain: HttpHandler = asAdmin(async ({ orgId }, request) =>
  json(200, await named().explain(orgId, await readJson(request))),
);

defineHttp({
  name: 'adminRoutingExplain',
  route: 'manage/routing/explain',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: adminRoutingExplain,
});
