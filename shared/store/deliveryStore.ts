/**
 * Delivery rows in Table `deliveries` (PK = orgId, RK = message id): get, insert, replace-if-match
 * (the ETag read) and list. The store keeps rows; which status may follow which, and the lease
 * rule, are the delivery state machine's (delivery/states.ts, put together in delivery/deliveries.ts).
 *
 * Listing newest first: Table Storage returns a partition in RowKey order, and the RowKey is the
 * client's id. So each delivery also has an index row in the same partition, RowKey
 * `~<inverted created time>~<id>` (`~` sorts after every id's first character), written in the same
 * entity-group transaction as the main row, so the two never disagree
 * (https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions).
 */
import { odata, TableClient, TableEntityResult, TransactionAction } from '@azure/data-tables';
import { TABLES } from './names';
import type { StorageClients } from './storageClients';
import { decodeCursor, encodeCursor } from './deliveryCursor';
import type { DeliveryRecord, DeliveryStatus, NewDelivery } from './deliveryRecord';
import { queuedRecord } from './deliveryRecord';

export * from './deliveryRecord';
import { storageErrorCode, storageFailure, storageStatus } from './storageErrors';

export interface ListOptions {
  status?: DeliveryStatus;
  /** The `cursor` of the previous page. */
  cursor?: string;
  limit?: number;
}

/** Why a conditional write was refused: the row changed since it was read, or it is gone. */
export type RowRefusal = 'stale' | 'missing';

export interface DeliveryRows {
  get(orgId: string, id: string): Promise<DeliveryRecord | undefined>;
  /** Creates the row as `queued` unless it exists; either way returns the row. */
  create(init: NewDelivery & { now?: number }): Promise<{ created: boolean; record: DeliveryRecord }>;
  /** Inserts `row` as it is; `exists` when a row with its key is there already. */
  insert(row: DeliveryRecord): Promise<{ etag: string } | { refused: 'exists' }>;
  /** Replaces the row read as `current` (its ETag) by `next`. */
  replaceIfMatch(current: DeliveryRecord, next: DeliveryRecord): Promise<{ etag: string } | { refused: RowRefusal }>;
  /** Removes a row `create` just wrote (its ETag), when the enqueue around it failed. */
  remove(record: Pick<DeliveryRecord, 'orgId' | 'id' | 'createdAt' | 'etag'>): Promise<void>;
  /** Newest first. */
  list(orgId: string, options?: ListOptions): Promise<{ items: DeliveryRecord[]; cursor?: string }>;
}

const MAX_TIME = 9_999_999_999_999;
export const indexKey = (createdAt: string, id: string) => `~${String(MAX_TIME - Date.parse(createdAt)).padStart(13, '0')}~${id}`;

const FIELDS = [
  'status',
  'attempts',
  'createdAt',
  'updatedAt',
  'category',
  'recipients',
  'via',
  'viaReason',
  'provider',
  'sender',
  'code',
  'message',
  'hint',
  'leaseOwner',
  'leaseUntil',
  'nextAttemptAt',
  'sentAt',
  'failedAt',
  'providerMessageId',
  'contentHash',
  'uncertainAt',
  'senderKey',
  'workspace',
  'parent',
  'member',
] as const;
const JSON_FIELDS = ['hops', 'group'] as const; // entities hold flat values only

function toEntity(
  record: Omit<DeliveryRecord, 'etag'>,
  rowKey: string,
): Record<string, unknown> & { partitionKey: string; rowKey: string } {
  const entity: Record<string, unknown> & { partitionKey: string; rowKey: string } = { partitionKey: record.orgId, rowKey, id: record.id };
  for (const field of FIELDS) if (record[field] !== undefined) entity[field] = record[field];
  if (record.hops?.length) entity.hops = JSON.stringify(record.hops);
  if (record.group) entity.group = JSON.stringify(record.group);
  return entity;
}

export function fromEntity(entity: TableEntityResult<Record<string, unknown>>): DeliveryRecord {
  const record: Record<string, unknown> = { orgId: entity.partitionKey, id: entity.id ?? entity.rowKey, etag: entity.etag };
  for (const field of FIELDS) if (entity[field] !== undefined && entity[field] !== null) record[field] = entity[field];
  for (const field of JSON_FIELDS) if (typeof entity[field] === 'string') record[field] = JSON.parse(entity[field]);
  return record as unknown as DeliveryRecord;
}

export function createDeliveryRows(storage: StorageClients): DeliveryRows {
  const table = (): Promise<TableClient> => storage.table(TABLES.deliveries);

  /** Writes main + index rows in one transaction; returns the main row's new ETag. */
  async function write(actions: TransactionAction[], operation: string): Promise<string> {
    const client = await table();
    const response = await client.submitTransaction(actions).catch((error) => {
      throw error instanceof Error && (storageStatus(error) === 409 || storageStatus(error) === 412 || storageStatus(error) === 404)
        ? error
        : storageFailure(error, operation);
    });
    return response.subResponses[0]?.etag ?? '';
  }

  /** Inserts main + index rows (409 when the main row exists). */
  function insertRows(row: Omit<DeliveryRecord, 'etag'>): Promise<string> {
    return write(
      [
        ['create', toEntity(row, row.id)],
        ['upsert', toEntity(row, indexKey(row.createdAt, row.id)), 'Replace'],
      ],
      `create delivery ${row.orgId}/${row.id}`,
    );
  }

  async function get(orgId: string, id: string): Promise<DeliveryRecord | undefined> {
    const client = await table();
    try {
      return fromEntity(await client.getEntity(orgId, id));
    } catch (error) {
      if (storageStatus(error) === 404) return undefined;
      throw storageFailure(error, `read delivery ${orgId}/${id}`);
    }
  }

  async function replaceIfMatch(current: DeliveryRecord, next: DeliveryRecord): ReturnType<DeliveryRows['replaceIfMatch']> {
    try {
      // toEntity copies the stored fields only: `next.etag` (the one read) is not among them.
      const etag = await write(
        [
          ['update', toEntity(next, current.id), 'Replace', { etag: current.etag }],
          ['upsert', toEntity(next, indexKey(next.createdAt, next.id)), 'Replace'],
        ],
        `update delivery ${current.orgId}/${current.id}`,
      );
      return { etag };
    } catch (error) {
      if (storageStatus(error) === 412) return { refused: 'stale' };
      if (storageStatus(error) === 404) return { refused: 'missing' };
      throw storageFailure(error, `update delivery ${current.orgId}/${current.id}`);
    }
  }

  return {
    get,
    replaceIfMatch,

    async create({ now = Date.now(), ...init }) {
      const { orgId, id } = init;
      const { etag: _none, ...row } = queuedRecord(init, new Date(now).toISOString(), '');
      try {
        return { created: true, record: { ...row, etag: await insertRows(row) } };
      } catch (error) {
        if (storageStatus(error) !== 409 && storageErrorCode(error) !== 'EntityAlreadyExists')
          throw storageFailure(error, `create delivery ${orgId}/${id}`);
        const existing = await get(orgId, id);
        if (!existing) throw storageFailure(error, `create delivery ${orgId}/${id}`);
        return { created: false, record: existing };
      }
    },

    async remove(record) {
      const client = await table();
      try {
        // Conditioned on the ETag (a transaction's delete cannot be), then the index row.
        await client.deleteEntity(record.orgId, record.id, { etag: record.etag });
        await client.deleteEntity(record.orgId, indexKey(record.createdAt, record.id));
      } catch (error) {
        throw storageFailure(error, `remove delivery ${record.orgId}/${record.id}`);
      }
    },

    async insert(record) {
      const { etag: _none, ...row } = record;
      try {
        return { etag: await insertRows(row) };
      } catch (error) {
        if (storageStatus(error) === 409 || storageErrorCode(error) === 'EntityAlreadyExists') return { refused: 'exists' };
        throw storageFailure(error, `insert delivery ${record.orgId}/${record.id}`);
      }
    },

    async list(orgId, { status, cursor, limit = 50 } = {}) {
      const client = await table();
      const filter = status
        ? odata`PartitionKey eq ${orgId} and RowKey gt ${'~'} and status eq ${status}`
        : odata`PartitionKey eq ${orgId} and RowKey gt ${'~'}`;
      const continuationToken = cursor ? decodeCursor(cursor) : undefined;
      try {
        const pages = client
          .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
          .byPage({ maxPageSize: Math.max(1, Math.min(200, limit)), continuationToken });
        // A filtered query may answer a page with few or no rows and a continuation token: read on
        // a few pages so a status filter does not hand back empty pages.
        const items: DeliveryRecord[] = [];
        let pagesRead = 0;
        for await (const page of pages) {
          // Index rows carry a copy of the status, not the main row's ETag.
          items.push(...page.map((entity) => ({ ...fromEntity(entity), etag: '' })));
          pagesRead += 1;
          if (items.length > 0 || !page.continuationToken || pagesRead >= 5) {
            return { items, cursor: page.continuationToken ? encodeCursor(page.continuationToken) : undefined };
          }
        }
        return { items };
      } catch (error) {
        throw storageFailure(error, `list deliveries of ${orgId}`);
      }
    },
  };
}
