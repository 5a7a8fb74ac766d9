/**
 * Delivery status in Table `deliveries` (PK = orgId, RK = message id), with conditional state
 * transitions (docs/delivery.md):
 *
 *   queued -> sending -> sent
 *                     -> retrying -> sending ...
 *                     -> failed
 *   (queued | retrying) -> retrying | failed   (a failure before the provider was called)
 *   sending -> sending                         (only when the previous worker's lease has run out)
 *   sending -> uncertain -> sent               (the outcome of an attempt is unknown; proven sent later)
 *   sending -> partly_failed                   (a message to a group: some copies sent, some not)
 *
 * `sent`, `failed`, `partly_failed` and `uncertain` are final for the worker: nothing sends an `uncertain` message
 * again; only proof of the provider's acceptance (delivery/worker.ts) may still move it to `sent`. Every write is conditioned on the ETag the caller read, and leaving
 * `sending` needs the lease owner: a refused transition throws `DeliveryTransitionError` with the
 * reason (`illegal`, `stale`, `leased`, `missing`), never overwrites.
 *
 * Listing newest first: Table Storage returns a partition in RowKey order, and the RowKey is the
 * client's id. So each delivery also has an index row in the same partition, RowKey
 * `~<inverted created time>~<id>` (`~` sorts after every id's first character), written in the same
 * entity-group transaction as the main row, so the two never disagree
 * (https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions).
 */
import { odata, TableClient, TableEntityResult, TransactionAction } from '@azure/data-tables';
import { MailerError } from '../errors';
import { TABLES } from './names';
import type { StorageClients } from './storageClients';
import { decodeCursor, encodeCursor } from './deliveryCursor';
import type { DeliveryRecord, DeliveryStatus, NewDelivery } from './deliveryRecord';
import { queuedRecord } from './deliveryRecord';

export * from './deliveryRecord';
import { storageErrorCode, storageFailure, storageStatus } from './storageErrors';

const NEXT: Record<DeliveryStatus, readonly DeliveryStatus[]> = {
  queued: ['sending', 'retrying', 'failed'],
  retrying: ['sending', 'retrying', 'failed'],
  sending: ['sending', 'sent', 'retrying', 'failed', 'uncertain', 'partly_failed'],
  sent: [],
  failed: [],
  uncertain: ['sent'],
  partly_failed: [],
};

export function isFinal(status: DeliveryStatus): boolean {
  return status === 'sent' || status === 'failed' || status === 'uncertain' || status === 'partly_failed';
}

export type TransitionRefusal = 'illegal' | 'stale' | 'leased' | 'missing';

/** A refused transition. `current` is the row as last read, when known. */
export class DeliveryTransitionError extends MailerError {
  constructor(
    readonly reason: TransitionRefusal,
    readonly from: DeliveryStatus | undefined,
    readonly to: DeliveryStatus,
    readonly current?: DeliveryRecord,
  ) {
    super('CONCURRENT_UPDATE', `Delivery transition ${from ?? '(none)'} -> ${to} refused (${reason}).`);
    this.name = 'DeliveryTransitionError';
  }
}

export type DeliveryChanges = Partial<Omit<DeliveryRecord, 'orgId' | 'id' | 'status' | 'createdAt' | 'etag'>>;

export interface TransitionOptions {
  /** The worker making the change; must hold the lease to leave `sending`. */
  owner?: string;
  /** The poison handler ends a message whatever its lease (the worker that held it is gone). */
  ignoreLease?: boolean;
  now?: number;
}

export interface ListOptions {
  status?: DeliveryStatus;
  /** The `cursor` of the previous page. */
  cursor?: string;
  limit?: number;
}

export interface DeliveryStore {
  get(orgId: string, id: string): Promise<DeliveryRecord | undefined>;
  /** Creates the row as `queued` unless it exists; either way returns the row. */
  create(init: NewDelivery & { now?: number }): Promise<{ created: boolean; record: DeliveryRecord }>;
  /** Removes a row `create` just wrote (its ETag), when the enqueue around it failed. */
  remove(record: Pick<DeliveryRecord, 'orgId' | 'id' | 'createdAt' | 'etag'>): Promise<void>;
  /** Moves `current` (as read, with its ETag) to `to`. */
  transition(current: DeliveryRecord, to: DeliveryStatus, changes?: DeliveryChanges, options?: TransitionOptions): Promise<DeliveryRecord>;
  /** `queued|retrying|sending-with-expired-lease -> sending`, attempts + 1, lease for `owner`. */
  claim(current: DeliveryRecord, owner: string, leaseMs: number, changes?: DeliveryChanges, now?: number): Promise<DeliveryRecord>;
  /**
   * Claims a message that has no row yet (the typed client's): inserts it straight as `sending`,
   * attempt 1, with the lease. The insert is the condition: a row that exists already refuses it
   * (`stale`), and the caller reads that row and decides again.
   */
  claimNew(init: NewDelivery, owner: string, leaseMs: number, changes?: DeliveryChanges, now?: number): Promise<DeliveryRecord>;
  /** Newest first. */
  list(orgId: string, options?: ListOptions): Promise<{ items: DeliveryRecord[]; cursor?: string }>;
}

/**
 * The row a transition writes, or the refusal (`illegal`, `leased`) that needs no Storage to decide;
 * `stale` and `missing` come from the ETag condition of the write. Shared with the in-memory store
 * of the unit tests (test/support/fakes.ts), so both follow one rule.
 */
export function nextRecord(current: DeliveryRecord, to: DeliveryStatus, changes: DeliveryChanges = {}, options: TransitionOptions = {}): DeliveryRecord {
  const from = current.status;
  if (!NEXT[from].includes(to)) throw new DeliveryTransitionError('illegal', from, to, current);
  const now = options.now ?? Date.now();
  if (from === 'sending' && !options.ignoreLease) {
    const leaseLive = current.leaseUntil !== undefined && Date.parse(current.leaseUntil) > now;
    const mine = options.owner !== undefined && current.leaseOwner === options.owner;
    // Another worker's live lease blocks every move, a takeover included; once it has run out,
    // the ETag condition alone decides (a takeover changes the ETag).
    if (leaseLive && !mine) throw new DeliveryTransitionError('leased', from, to, current);
  }
  const next: DeliveryRecord = { ...current, ...changes, status: to, updatedAt: new Date(now).toISOString() };
  if (to !== 'sending') {
    delete next.leaseOwner;
    delete next.leaseUntil;
  }
  if (to !== 'retrying') delete next.nextAttemptAt;
  return next;
}

const MAX_TIME = 9_999_999_999_999;
export const indexKey = (createdAt: string, id: string) => `~${String(MAX_TIME - Date.parse(createdAt)).padStart(13, '0')}~${id}`;

const FIELDS = [
  'status', 'attempts', 'createdAt', 'updatedAt', 'category', 'recipients', 'via', 'viaReason', 'provider', 'sender',
  'code', 'message', 'hint', 'leaseOwner', 'leaseUntil', 'nextAttemptAt', 'sentAt', 'failedAt', 'providerMessageId',
  'contentHash', 'uncertainAt', 'senderKey', 'workspace', 'parent', 'member',
] as const;
const JSON_FIELDS = ['hops', 'group'] as const; // entities hold flat values only

function toEntity(record: Omit<DeliveryRecord, 'etag'>, rowKey: string): Record<string, unknown> & { partitionKey: string; rowKey: string } {
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

export function createDeliveryStore(storage: StorageClients): DeliveryStore {
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
  function insert(row: Omit<DeliveryRecord, 'etag'>): Promise<string> {
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

  async function transition(current: DeliveryRecord, to: DeliveryStatus, changes: DeliveryChanges = {}, options: TransitionOptions = {}): Promise<DeliveryRecord> {
    const from = current.status;
    const next = nextRecord(current, to, changes, options);
    const { etag, ...row } = next;
    try {
      const newEtag = await write(
        [
          ['update', toEntity(row, current.id), 'Replace', { etag: current.etag }],
          ['upsert', toEntity(row, indexKey(row.createdAt, row.id)), 'Replace'],
        ],
        `update delivery ${current.orgId}/${current.id}`,
      );
      return { ...next, etag: newEtag };
    } catch (error) {
      if (storageStatus(error) === 412) throw new DeliveryTransitionError('stale', from, to, current);
      if (storageStatus(error) === 404) throw new DeliveryTransitionError('missing', from, to, current);
      throw storageFailure(error, `update delivery ${current.orgId}/${current.id}`);
    }
  }

  return {
    get,
    transition,

    async create({ now = Date.now(), ...init }) {
      const { orgId, id } = init;
      const { etag: _none, ...row } = queuedRecord(init, new Date(now).toISOString(), '');
      try {
        return { created: true, record: { ...row, etag: await insert(row) } };
      } catch (error) {
        if (storageStatus(error) !== 409 && storageErrorCode(error) !== 'EntityAlreadyExists') throw storageFailure(error, `create delivery ${orgId}/${id}`);
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

    async claimNew(init, owner, leaseMs, changes = {}, now = Date.now()) {
      const at = new Date(now).toISOString();
      const { etag: _none, ...queued } = queuedRecord(init, at, '');
      const row: Omit<DeliveryRecord, 'etag'> = { ...queued, ...changes, status: 'sending', attempts: 1, leaseOwner: owner, leaseUntil: new Date(now + leaseMs).toISOString() };
      try {
        return { ...row, etag: await insert(row) };
      } catch (error) {
        if (storageStatus(error) === 409 || storageErrorCode(error) === 'EntityAlreadyExists') throw new DeliveryTransitionError('stale', undefined, 'sending');
        throw storageFailure(error, `claim delivery ${init.orgId}/${init.id}`);
      }
    },

    async claim(current, owner, leaseMs, changes = {}, now = Date.now()) {
      return transition(
        current,
        'sending',
        { ...changes, attempts: current.attempts + 1, leaseOwner: owner, leaseUntil: new Date(now + leaseMs).toISOString() },
        { owner, now },
      );
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
