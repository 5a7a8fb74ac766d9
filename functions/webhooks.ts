/**
 * The webhooks API (function key) and the dispatcher's two queue triggers. Thin: the logic is in
 * `shared/webhooks/`. Calls about one endpoint name its scope with `?orgId=` (absent: the all-orgs
 * scope), so an endpoint of another org answers 404.
 */
import type { HttpRequest, InvocationContext } from '@azure/functions';
import { getServices } from '@shared/services';
import { QUEUES } from '@shared/store/names';
import { handle, json, readJson } from './http';
import { defineHttp, defineQueue } from './registry';

const webhooks = () => getServices().webhooks.endpoints;
const orgOf = (request: HttpRequest) => request.query.get('orgId');
const idOf = (request: HttpRequest) => request.params.webhookId ?? '';

export const webhooksHandler = handle(async (request) => {
  if (request.method === 'GET') return json(200, await webhooks().list(orgOf(request)));
  const created = await webhooks().create(await readJson(request));
  return json(201, created, { Location: `/api/webhooks/${created.id}${created.orgId ? `?orgId=${created.orgId}` : ''}` });
});

export const webhookHandler = handle(async (request) => {
  if (request.method === 'PATCH') return json(200, await webhooks().update(orgOf(request), idOf(request), await readJson(request)));
  if (request.method === 'DELETE') {
    await webhooks().remove(orgOf(request), idOf(request));
    return { status: 204 };
  }
  return json(200, await webhooks().get(orgOf(request), idOf(request)));
});

export const webhookRotateSecretHandler = handle(async (request) =>
  json(200, await webhooks().rotateSecret(orgOf(request), idOf(request))),
);
export const webhookTestHandler = handle(async (request) => json(202, await webhooks().sendTest(orgOf(request), idOf(request))));
export const webhookAttemptsHandler = handle(async (request) => json(200, await webhooks().attempts(orgOf(request), idOf(request))));
export const webhookReplayHandler = handle(async (request) =>
  json(202, await webhooks().replay(orgOf(request), idOf(request), await readJson(request))),
);

defineHttp({ name: 'webhooks', route: 'webhooks', methods: ['POST', 'GET'], authLevel: 'function', handler: webhooksHandler });
defineHttp({
  name: 'webhook',
  route: 'webhooks/{webhookId}',
  methods: ['GET', 'PATCH', 'DELETE'],
  authLevel: 'function',
  handler: webhookHandler,
});
defineHttp({
  name: 'webhookRotateSecret',
  route: 'webhooks/{webhookId}/rotate-secret',
  methods: ['POST'],
  authLevel: 'function',
  handler: webhookRotateSecretHandler,
});
defineHttp({
  name: 'webhookTest',
  route: 'webhooks/{webhookId}/test',
  methods: ['POST'],
  authLevel: 'function',
  handler: webhookTestHandler,
});
defineHttp({
  name: 'webhookAttempts',
  route: 'webhooks/{webhookId}/attempts',
  methods: ['GET'],
  authLevel: 'function',
  handler: webhookAttemptsHandler,
});
defineHttp({
  name: 'webhookReplay',
  route: 'webhooks/{webhookId}/replay',
  methods: ['POST'],
  authLevel: 'function',
  handler: webhookReplayHandler,
});

function logOf(context: InvocationContext) {
  // The dequeue count shows that failing receivers never make the host retry a message.
  const dequeue = context.triggerMetadata?.dequeueCount;
  return {
    info: (message: string) => context.log(`${message} (dequeue ${dequeue ?? '?'})`),
    warn: (message: string) => context.warn(`${message} (dequeue ${dequeue ?? '?'})`),
  };
}

export async function webhookFanOutHandler(entry: unknown, context: InvocationContext): Promise<void> {
  await getServices().webhooks.dispatcher.fanOut(entry, logOf(context));
}

export async function webhookDeliveryHandler(entry: unknown, context: InvocationContext): Promise<void> {
  await getServices().webhooks.dispatcher.deliver(entry, logOf(context));
}

defineQueue({ name: 'webhookFanOut', queueName: QUEUES.webhookEvents, handler: webhookFanOutHandler });
defineQueue({ name: 'webhookDelivery', queueName: QUEUES.webhookDeliveries, handler: webhookDeliveryHandler });
