/**
 * The sender API (docs/api.md), function-key protected. Thin: each route reads its input,
 * calls the sender service (shared/senders/service.ts) and answers JSON.
 */
import type { HttpHandler, HttpRequest } from '@azure/functions';
import { DEFAULT_SENDER_KEY } from '@shared/model/sender';
import { getServices } from '@shared/services';
import { handle, json, orgIdFrom, readJson } from './http';
import { defineHttp } from './registry';

const senders = () => getServices().senders.service;

export const sender: HttpHandler = handle(async (request: HttpRequest) => {
  const orgId = orgIdFrom(request);
  if (request.method === 'PUT') return json(200, await senders().save(orgId, await readJson(request)));
  if (request.method === 'DELETE') {
    // The `default` sender: refused (409) while a routing rule names it, like any named sender.
    await getServices().senders.named.remove(orgId, DEFAULT_SENDER_KEY);
    return { status: 204 };
  }
  return json(200, await senders().get(orgId));
});

defineHttp({
  name: 'sender',
  route: 'orgs/{orgId}/sender',
  methods: ['GET', 'PUT', 'DELETE'],
  authLevel: 'function',
  handler: sender,
});

export const senderConsentLink: HttpHandler = handle(async (request) =>
  json(200, await senders().consentLink(orgIdFrom(request), await readJson(request))),
);

defineHttp({
  name: 'senderConsentLink',
  route: 'orgs/{orgId}/sender/consent-link',
  methods: ['POST'],
  authLevel: 'function',
  handler: senderConsentLink,
});

export const senderVerify: HttpHandler = handle(async (request) => json(200, await senders().verify(orgIdFrom(request))));

defineHttp({
  name: 'senderVerify',
  route: 'orgs/{orgId}/sender/verify',
  methods: ['POST'],
  authLevel: 'function',
  handler: senderVerify,
});

export const senderTest: HttpHandler = handle(async (request) =>
  json(200, await senders().test(orgIdFrom(request), await readJson(request))),
);

defineHttp({
  name: 'senderTest',
  route: 'orgs/{orgId}/sender/test',
  methods: ['POST'],
  authLevel: 'function',
  handler: senderTest,
});

export const senderReset: HttpHandler = handle(async (request) => json(200, await senders().reset(orgIdFrom(request))));

defineHttp({
  name: 'senderReset',
  route: 'orgs/{orgId}/sender/reset',
  methods: ['POST'],
  authLevel: 'function',
  handler: senderReset,
});
