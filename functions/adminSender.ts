/**
 * The settings page's API: `/api/manage/*`, anonymous at the host (a browser must never hold the
 * function key) and guarded by the admin token of the page's link (`Authorization: Bearer`). Every
 * route acts on the token's org only (there is no orgId in these paths to tamper with) and calls the
 * same sender service as the management routes in senders.ts.
 */
import type { HttpHandler, HttpRequest, HttpResponseInit } from '@azure/functions';
import { AdminSession, pageConsentRequest } from '@shared/adminLinks';
import { getServices } from '@shared/services';
import { handle, json, readJson } from './http';
import { defineHttp } from './registry';

const senders = () => getServices().senders.service;

function bearer(request: HttpRequest): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '')?.[1];
}

/** Wraps a page route: no valid token -> 401 ADMIN_LINK_INVALID before anything else runs. */
export function asAdmin(action: (session: AdminSession, request: HttpRequest) => Promise<HttpResponseInit>) {
  return handle(async (request) => action(await getServices().adminLinks.session(bearer(request)), request));
}

export const adminSession: HttpHandler = asAdmin(async (session) => json(200, session));

defineHttp({
  name: 'adminSession',
  route: 'manage/session',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: adminSession,
});

export const adminSender: HttpHandler = asAdmin(async ({ orgId }, request) =>
  json(200, request.method === 'PUT' ? await senders().save(orgId, await readJson(request)) : await senders().get(orgId)),
);

defineHttp({
  name: 'adminSender',
  route: 'manage/sender',
  methods: ['GET', 'PUT'],
  authLevel: 'anonymous',
  handler: adminSender,
});

export const adminSenderConsentLink: HttpHandler = asAdmin(async (session, request) =>
  json(200, await senders().consentLink(session.orgId, pageConsentRequest(await readJson(request), getServices().config, session))),
);

defineHttp({
  name: 'adminSenderConsentLink',
  route: 'manage/sender/consent-link',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: adminSenderConsentLink,
});

export const adminSenderVerify: HttpHandler = asAdmin(async ({ orgId }) => json(200, await senders().verify(orgId)));

defineHttp({
  name: 'adminSenderVerify',
  route: 'manage/sender/verify',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: adminSenderVerify,
});

export const adminSenderTest: HttpHandler = asAdmin(async ({ orgId }, request) =>
  json(200, await senders().test(orgId, await readJson(request))),
);

defineHttp({
  name: 'adminSenderTest',
  route: 'manage/sender/test',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: adminSenderTest,
});

export const adminSenderReset: HttpHandler = asAdmin(async ({ orgId }) => json(200, await senders().reset(orgId)));

defineHttp({
  name: 'adminSenderReset',
  route: 'manage/sender/reset',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: adminSenderReset,
});
