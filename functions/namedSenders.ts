/**
 * Several senders per org, function-key protected: `/orgs/{orgId}/senders[/{senderKey}...]`
 * and `/orgs/{orgId}/routing[/explain]`. Thin: each route reads its input and calls the named-sender
 * service (shared/senders/named.ts), which is the sender service with a key.
 */
import type { HttpHandler, HttpRequest, HttpResponseInit } from '@azure/functions';
import { senderKeyFrom } from '@shared/senders/named';
import { getServices } from '@shared/services';
import { handle, json, orgIdFrom, readJson } from './http';
import { defineHttp } from './registry';

const named = () => getServices().senders.named;
const keyFrom = (request: HttpRequest) => senderKeyFrom(request.params.senderKey);

export const senderList: HttpHandler = handle(async (request) => {
  const orgId = orgIdFrom(request);
  if (request.method === 'POST') return json(201, await named().create(orgId, await readJson(request)));
  return json(200, await named().list(orgId));
});

defineHttp({ name: 'senderList', route: 'orgs/{orgId}/senders', methods: ['GET', 'POST'], authLevel: 'function', handler: senderList });

/** GET / PUT / DELETE of one named sender; the org route and its settings-page twin (adminNamedSenders.ts) both answer with it. */
export async function answerNamedSender(orgId: string, request: HttpRequest): Promise<HttpResponseInit> {
  const key = keyFrom(request);
  if (request.method === 'PUT') return json(200, await named().save(orgId, key, await readJson(request)));
  if (request.method === 'DELETE') {
    await named().remove(orgId, key);
    return { status: 204 };
  }
  return json(200, await named().get(orgId, key));
}

export const namedSender: HttpHandler = handle(async (request) => answerNamedSender(orgIdFrom(request), request));

defineHttp({
  name: 'namedSender',
  route: 'orgs/{orgId}/senders/{senderKey}',
  methods: ['GET', 'PUT', 'DELETE'],
  authLevel: 'function',
  handler: namedSender,
});

export const namedSenderConsentLink: HttpHandler = handle(async (request) =>
  json(200, await named().consentLink(orgIdFrom(request), keyFrom(request), await readJson(request))),
);

defineHttp({
  name: 'namedSenderConsentLink',
  route: 'orgs/{orgId}/senders/{senderKey}/consent-link',
  methods: ['POST'],
  authLevel: 'function',
  handler: namedSenderConsentLink,
});

export const namedSenderVerify: HttpHandler = handle(async (request) =>
  json(200, await named().verify(orgIdFrom(request), keyFrom(request))),
);

defineHttp({
  name: 'namedSenderVerify',
  route: 'orgs/{orgId}/senders/{senderKey}/verify',
  methods: ['POST'],
  authLevel: 'function',
  handler: namedSenderVerify,
});

export const namedSenderTest: HttpHandler = handle(async (request) =>
  json(200, await named().test(orgIdFrom(request), keyFrom(request), await readJson(request))),
);

defineHttp({
  name: 'namedSenderTest',
  route: 'orgs/{orgId}/senders/{senderKey}/test',
  methods: ['POST'],
  authLevel: 'function',
  handler: namedSenderTest,
});

export const namedSenderReset: HttpHandler = handle(async (request) =>
  json(200, await named().reset(orgIdFrom(request), keyFrom(request))),
);

defineHttp({
  name: 'namedSenderReset',
  route: 'orgs/{orgId}/senders/{senderKey}/reset',
  methods: ['POST'],
  authLevel: 'function',
  handler: namedSenderReset,
});

export const routing: HttpHandler = handle(async (request) => {
  const orgId = orgIdFrom(request);
  if (request.method === 'PUT') return json(200, await named().putRouting(orgId, await readJson(request)));
  return json(200, await named().routing(orgId));
});

defineHttp({ name: 'routing', route: 'orgs/{orgId}/routing', methods: ['GET', 'PUT'], authLevel: 'function', handler: routing });

export const routingExplain: HttpHandler = handle(async (request) =>
  json(200, await named().explain(orgIdFrom(request), await readJson(request))),
);

defineHttp({
  name: 'routingExplain',
  route: 'orgs/{orgId}/routing/explain',
  methods: ['POST'],
  authLevel: 'function',
  handler: routingExplain,
});
