/**
 * The messages API (docs/api.md), function-key protected: enqueue one message, read one
 * delivery status, list recent deliveries. Thin: the logic is in `shared/delivery/`.
 */
import type { HttpHandler } from '@azure/functions';
import { MAX_MESSAGE_BYTES } from '@shared/delivery/schema';
import { getServices } from '@shared/services';
import { handle, json, orgIdFrom, readJson } from './http';
import { defineHttp } from './registry';

const delivery = () => getServices().delivery;

export const messages: HttpHandler = handle(async (request) => {
  const orgId = orgIdFrom(request);
  if (request.method === 'GET') {
    const { query } = request;
    return json(
      200,
      await delivery().statuses.list(orgId, { status: query.get('status'), limit: query.get('limit'), cursor: query.get('cursor') }),
    );
  }
  // A body a little over the message limit still parses, so the answer names the size, not "too large".
  const result = await delivery().enqueuer.enqueue(orgId, await readJson(request, MAX_MESSAGE_BYTES + 64 * 1024));
  return json(
    202,
    { id: result.id, status: result.status, ...(result.created ? {} : { duplicate: true }) },
    { Location: `/api/orgs/${orgId}/messages/${encodeURIComponent(result.id)}` },
  );
});

defineHttp({
  name: 'messages',
  route: 'orgs/{orgId}/messages',
  methods: ['POST', 'GET'],
  authLevel: 'function',
  handler: messages,
});

export const message: HttpHandler = handle(async (request) =>
  json(200, await delivery().statuses.get(orgIdFrom(request), request.params.id ?? '')),
);

defineHttp({
  name: 'message',
  route: 'orgs/{orgId}/messages/{id}',
  methods: ['GET'],
  authLevel: 'function',
  handler: message,
});
