/**
 * The messages API (design.md section 5), function-key protected: enqueue one message, read one
 * delivery status, list recent deliveries. Thin: the logic is in `shared/delivery/`.
 */
import type { HttpRequest } from '@azure/functions';
import { MailerError } from '../shared/errors';
import { MAX_MESSAGE_BYTES, MESSAGE_ID_PATTERN } from '../shared/delivery/schema';
import { toView } from '../shared/delivery/status';
import { DELIVERY_STATUSES, DeliveryStatus } from '../shared/store/deliveryStore';
import { getServices } from '../shared/services';
import { handle, json, orgIdFrom, readJson } from './http';
import { defineHttp } from './registry';

const delivery = () => getServices().delivery;

function listQuery(request: HttpRequest): { status?: DeliveryStatus; cursor?: string; limit?: number } {
  const status = request.query.get('status') ?? undefined;
  if (status !== undefined && !DELIVERY_STATUSES.includes(status as DeliveryStatus)) {
    throw new MailerError('BAD_REQUEST', 'Unknown status filter.', { fields: { status: `one of ${DELIVERY_STATUSES.join(', ')}` } });
  }
  const limitText = request.query.get('limit');
  const limit = limitText === null ? undefined : Number(limitText);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 200)) {
    throw new MailerError('BAD_REQUEST', 'Invalid page size.', { fields: { limit: 'a whole number from 1 to 200' } });
  }
  return { status: status as DeliveryStatus | undefined, cursor: request.query.get('cursor') ?? undefined, limit };
}

defineHttp({
  name: 'messages',
  route: 'orgs/{orgId}/messages',
  methods: ['POST', 'GET'],
  authLevel: 'function',
  handler: handle(async (request) => {
    const orgId = orgIdFrom(request);
    if (request.method === 'GET') {
      const page = await delivery().deliveries.list(orgId, listQuery(request));
      return json(200, { items: page.items.map(toView), ...(page.cursor ? { cursor: page.cursor } : {}) });
    }
    // A body a little over the message limit still parses, so the answer names the size, not "too large".
    const result = await delivery().enqueuer.enqueue(orgId, await readJson(request, MAX_MESSAGE_BYTES + 64 * 1024));
    return json(
      202,
      { id: result.id, status: result.status, ...(result.created ? {} : { duplicate: true }) },
      { Location: `/api/orgs/${orgId}/messages/${encodeURIComponent(result.id)}` },
    );
  }),
});

defineHttp({
  name: 'message',
  route: 'orgs/{orgId}/messages/{id}',
  methods: ['GET'],
  authLevel: 'function',
  handler: handle(async (request) => {
    const orgId = orgIdFrom(request);
    const id = request.params.id ?? '';
    // Only real ids: the partition also holds the list's index rows (RowKey "~...").
    const record = MESSAGE_ID_PATTERN.test(id) ? await delivery().deliveries.get(orgId, id) : undefined;
    if (!record) throw new MailerError('NOT_FOUND', 'No message with this id for this organization.');
    return json(200, toView(record));
  }),
});
