/**
 * The delivery status the API shows (`GET /api/orgs/{orgId}/messages/{id}` and the list): what
 * happened, through which sender and why, without lease internals. Never the message body.
 */
import { ErrorCode, MailerError } from '../errors';
import { DELIVERY_STATUSES, DeliveryRecord, DeliveryStatus } from '../model/delivery';
import type { DeliveryStore } from './deliveries';
import { MESSAGE_ID_PATTERN } from './schema';

/** The row without lease internals; the failure as one `error` object. */
export type DeliveryView = Omit<DeliveryRecord, 'leaseOwner' | 'leaseUntil' | 'etag' | 'code' | 'message' | 'hint' | 'contentHash'> & {
  /** The last failure (while `retrying`) or the final one (`failed`). */
  error?: { code: ErrorCode; message?: string; hint?: string };
};

export function toView(record: DeliveryRecord): DeliveryView {
  // The content hash stays internal: a hash of a short body could be guessed back.
  const { leaseOwner: _owner, leaseUntil: _until, etag: _etag, contentHash: _hash, code, message, hint, ...shown } = record;
  const view: DeliveryView = { ...shown };
  if (code && record.status !== 'sent') view.error = { code, message, hint };
  return view;
}

/** The list's query parameters as the caller sent them (`null` = absent, as `URLSearchParams.get`). */
export interface ListQuery {
  status: string | null;
  limit: string | null;
  cursor: string | null;
}

export const MAX_PAGE_SIZE = 200;

/** Validates the list's parameters: BAD_REQUEST (400) with `fields` for an unknown status or a bad page size. */
export function parseListQuery(query: ListQuery): { status?: DeliveryStatus; cursor?: string; limit?: number } {
  const status = query.status ?? undefined;
  if (status !== undefined && !DELIVERY_STATUSES.includes(status as DeliveryStatus)) {
    throw new MailerError('BAD_REQUEST', 'Unknown status filter.', { fields: { status: `one of ${DELIVERY_STATUSES.join(', ')}` } });
  }
  const limit = query.limit === null ? undefined : Number(query.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= MAX_PAGE_SIZE)) {
    throw new MailerError('BAD_REQUEST', 'Invalid page size.', { fields: { limit: `a whole number from 1 to ${MAX_PAGE_SIZE}` } });
  }
  return { status: status as DeliveryStatus | undefined, cursor: query.cursor ?? undefined, limit };
}

export interface StatusReader {
  /** One delivery's status; NOT_FOUND (404) when the org has no message with this id. */
  get(orgId: string, id: string): Promise<DeliveryView>;
  /** Recent deliveries, newest first, paged; BAD_REQUEST for bad parameters. */
  list(orgId: string, query: ListQuery): Promise<{ items: DeliveryView[]; cursor?: string }>;
}

export function createStatusReader(deliveries: Pick<DeliveryStore, 'get' | 'list'>): StatusReader {
  return {
    async get(orgId, id) {
      // Only real ids: the partition also holds the list's index rows (RowKey "~...").
      const record = MESSAGE_ID_PATTERN.test(id) ? await deliveries.get(orgId, id) : undefined;
      if (!record) throw new MailerError('NOT_FOUND', 'No message with this id for this organization.');
      return toView(record);
    },
    async list(orgId, query) {
      const page = await deliveries.list(orgId, parseListQuery(query));
      return { items: page.items.map(toView), ...(page.cursor ? { cursor: page.cursor } : {}) };
    },
  };
}
