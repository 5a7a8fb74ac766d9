/**
 * The synced copy of a directory connection (table `directory`; rows in shared/store/directoryRows.ts),
 * written by the sync and read by the reader. Writes go in Table batch transactions: at most 100
 * operations, all in one partition, each entity once per batch
 * (https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions).
 * A batch is all-or-nothing, so one delete of a row that is already gone (404) would fail the other 99:
 * such a batch is replayed one operation at a time with 404s ignored.
 *
 * The sync row (RK `sync`) and its lease are in directorySyncRow.ts.
 */
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { DirectoryGroup, DirectoryMember, DirectoryUser } from '../model/directory';
import {
  connectionOf,
  groupEntity,
  groupFrom,
  memberEntity,
  memberFrom,
  memberPrefix,
  memberRowKey,
  objectRowKey,
  partitionOf,
  prefixEnd,
  ROW_PREFIX,
  RowKind,
  userEntity,
  userFrom,
} from './directoryRows';
import { TABLES } from './names';
import type { StorageClients } from './storageClients';
import { storageFailure, storageStatus } from './storageErrors';

export type DirectoryWrite =
  | { op: 'putUser'; user: DirectoryUser; hash: string }
  | { op: 'putGroup'; group: DirectoryGroup; hash: string }
  | { op: 'putMember'; groupId: string; member: DirectoryMember }
  | { op: 'delete'; kind: RowKind; id: string }
  | { op: 'deleteMember'; groupId: string; memberId: string };

export interface StoredObject<T> {
  connectionId: string;
  /** Where a listing continues after this row. */
  position: { pk: string; rk: string };
  value: T;
}

export interface DirectoryStore {
  /** Applies the writes of one connection in batch transactions; returns the Table operations made. */
  apply(orgId: string, connectionId: string, writes: DirectoryWrite[]): Promise<number>;
  getUser(orgId: string, connectionId: string, id: string): Promise<DirectoryUser | undefined>;
  getGroup(orgId: string, connectionId: string, id: string): Promise<DirectoryGroup | undefined>;
  hasMember(orgId: string, connectionId: string, groupId: string, memberId: string): Promise<boolean>;
  /** id -> content hash of every user or group of the connection: the compact state a full sync diffs against. */
  hashes(orgId: string, connectionId: string, kind: RowKind): Promise<Map<string, string>>;
  /** Every membership of the connection as `groupId \u0000 memberId` (compact, for the full sync's sweep). */
  memberships(orgId: string, connectionId: string): Promise<Set<string>>;
  /** How many users or groups the copy holds (the counts a finished sync saves). */
  count(orgId: string, connectionId: string, kind: RowKind): Promise<number>;
  /** Direct members of a group. */
  members(orgId: string, connectionId: string, groupId: string): Promise<DirectoryMember[]>;
  /**
   * Users or groups of the org (every connection, or one), in key order, from after `after`.
   * A generator: the caller stops when it has a page, so only one Table page is held at a time.
   */
  scan<K extends RowKind>(
    orgId: string,
    kind: K,
    options?: { after?: { pk: string; rk: string }; connectionId?: string },
  ): AsyncIterable<StoredObject<K extends 'user' ? DirectoryUser : DirectoryGroup>>;
  /** The connections of the org that hold the object (a group id's lookup across connections). */
  findObject(orgId: string, kind: RowKind, id: string): Promise<string[]>;
  /** Deletes every row of the connection's partition (the connection was deleted). */
  deletePartition(orgId: string, connectionId: string): Promise<number>;
}

export const MEMBER_KEY_SEPARATOR = '\u0000';
const BATCH_LIMIT = 100;
const BATCHES_IN_FLIGHT = 4;

export interface DirectoryStoreOptions {
  /** Called with the number of Table operations of each call (the bench's count). */
  countOperations?: (n: number) => void;
}

type Action = TransactionAction;

function actionOf(pk: string, write: DirectoryWrite): Action {
  switch (write.op) {
    case 'putUser':
      return ['upsert', userEntity(pk, write.user, write.hash), 'Replace'];
    case 'putGroup':
      return ['upsert', groupEntity(pk, write.group, write.hash), 'Replace'];
    case 'putMember':
      return ['upsert', memberEntity(pk, write.groupId, write.member), 'Replace'];
    case 'delete':
      return ['delete', { partitionKey: pk, rowKey: objectRowKey(write.kind, write.id) }];
    case 'deleteMember':
      return ['delete', { partitionKey: pk, rowKey: memberRowKey(write.groupId, write.memberId) }];
  }
}

const rangeFilter = (pk: string, prefix: string) => odata`PartitionKey eq ${pk} and RowKey ge ${prefix} and RowKey lt ${prefixEnd(prefix)}`;

export function createDirectoryStore(storage: StorageClients, options: DirectoryStoreOptions = {}): DirectoryStore {
  const table = () => storage.table(TABLES.directory);
  const count = (n: number) => options.countOperations?.(n);

  async function submit(client: TableClient, pk: string, actions: Action[]): Promise<number> {
    try {
      await client.submitTransaction(actions);
      return 1;
    } catch (error) {
      if (storageStatus(error) !== 404) throw storageFailure(error, `write directory rows of ${pk}`);
    }
    // A delete met a row already gone: replay one by one, 404 ignored.
    for (const [kind, entity] of actions) {
      try {
        if (kind === 'delete') await client.deleteEntity(entity.partitionKey, entity.rowKey);
        else await client.upsertEntity(entity, 'Replace');
      } catch (error) {
        if (storageStatus(error) !== 404) throw storageFailure(error, `write directory rows of ${pk}`);
      }
    }
    return 1 + actions.length;
  }

  async function* rows(filter: string, select?: string[]): AsyncGenerator<Record<string, unknown>> {
    const client = await table();
    try {
      const pages = client
        .listEntities<Record<string, unknown>>({ queryOptions: { filter, ...(select ? { select } : {}) } })
        .byPage({ maxPageSize: 1000 });
      for await (const page of pages) {
        count(1);
        for (const row of page) yield row;
      }
    } catch (error) {
      throw storageFailure(error, 'read the directory copy');
    }
  }

  async function getRow(pk: string, rk: string): Promise<Record<string, unknown> | undefined> {
    const client = await table();
    count(1);
    try {
      return await client.getEntity<Record<string, unknown>>(pk, rk);
    } catch (error) {
      if (storageStatus(error) === 404) return undefined;
      throw storageFailure(error, `read directory row of ${pk}`);
    }
  }

  return {
    async apply(orgId, connectionId, writes) {
      if (writes.length === 0) return 0;
      const pk = partitionOf(orgId, connectionId);
      // One entity at most once per batch: the last write of a row wins.
      const byRow = new Map<string, Action>();
      for (const write of writes) {
        const action = actionOf(pk, write);
        byRow.delete(action[1].rowKey);
        byRow.set(action[1].rowKey, action);
      }
      const client = await table();
      const actions = [...byRow.values()];
      const batches: Action[][] = [];
      for (let i = 0; i < actions.length; i += BATCH_LIMIT) batches.push(actions.slice(i, i + BATCH_LIMIT));
      // A few batches in flight at once: each is its own transaction (no order between them is needed,
      // every row appears in one batch only), and one at a time leaves the connection idle on round trips.
      let operations = 0;
      let next = 0;
      const worker = async () => {
        while (next < batches.length) {
          const spent = await submit(client, pk, batches[next++]);
          operations += spent;
        }
      };
      await Promise.all(Array.from({ length: Math.min(BATCHES_IN_FLIGHT, batches.length) }, worker));
      count(operations);
      return operations;
    },
    async getUser(orgId, connectionId, id) {
      const row = await getRow(partitionOf(orgId, connectionId), objectRowKey('user', id));
      return row ? userFrom(row) : undefined;
    },
    async getGroup(orgId, connectionId, id) {
      const row = await getRow(partitionOf(orgId, connectionId), objectRowKey('group', id));
      return row ? groupFrom(row) : undefined;
    },
    async hasMember(orgId, connectionId, groupId, memberId) {
      return (await getRow(partitionOf(orgId, connectionId), memberRowKey(groupId, memberId))) !== undefined;
    },
    async hashes(orgId, connectionId, kind) {
      const out = new Map<string, string>();
      for await (const row of rows(rangeFilter(partitionOf(orgId, connectionId), ROW_PREFIX[kind]), ['id', 'h']))
        out.set(String(row.id), String(row.h ?? ''));
      return out;
    },
    async memberships(orgId, connectionId) {
      const out = new Set<string>();
      for await (const row of rows(rangeFilter(partitionOf(orgId, connectionId), 'm~'), ['groupId', 'memberId']))
        out.add(`${row.groupId}${MEMBER_KEY_SEPARATOR}${row.memberId}`);
      return out;
    },
    async count(orgId, connectionId, kind) {
      let n = 0;
      for await (const _row of rows(rangeFilter(partitionOf(orgId, connectionId), ROW_PREFIX[kind]), ['RowKey'])) n++;
      return n;
    },
    async members(orgId, connectionId, groupId) {
      const out: DirectoryMember[] = [];
      for await (const row of rows(rangeFilter(partitionOf(orgId, connectionId), memberPrefix(groupId)))) {
        const { id, kind } = memberFrom(row);
        out.push({ id, kind });
      }
      return out;
    },
    async *scan(orgId, kind, scanOptions = {}) {
      const prefix = ROW_PREFIX[kind];
      const low = scanOptions.connectionId ? partitionOf(orgId, scanOptions.connectionId) : `${orgId}~`;
      const high = scanOptions.connectionId ? low : `${orgId}~~`;
      const partitions = scanOptions.connectionId
        ? odata`PartitionKey eq ${low}`
        : odata`PartitionKey ge ${low} and PartitionKey lt ${high}`;
      const keys = odata`RowKey ge ${prefix} and RowKey lt ${prefixEnd(prefix)}`;
      const after = scanOptions.after;
      // Rows come sorted by PartitionKey then RowKey, so "after" is: later in the same partition, or a later partition.
      const resume = after
        ? ` and ((${odata`PartitionKey eq ${after.pk} and RowKey gt ${after.rk}`}) or ${odata`PartitionKey gt ${after.pk}`})`
        : '';
      const from = (row: Record<string, unknown>) => (kind === 'user' ? userFrom(row) : groupFrom(row));
      for await (const row of rows(`${partitions} and ${keys}${resume}`)) {
        const pk = String(row.partitionKey);
        yield { connectionId: connectionOf(pk), position: { pk, rk: String(row.rowKey) }, value: from(row) as never };
      }
    },
    async findObject(orgId, kind, id) {
      const found: string[] = [];
      for await (const row of rows(
        odata`PartitionKey ge ${`${orgId}~`} and PartitionKey lt ${`${orgId}~~`} and RowKey eq ${objectRowKey(kind, id)}`,
        ['PartitionKey'],
      )) {
        found.push(connectionOf(String(row.partitionKey)));
      }
      return found;
    },
    async deletePartition(orgId, connectionId) {
      const pk = partitionOf(orgId, connectionId);
      const client = await table();
      let operations = 0;
      let batch: Action[] = [];
      for await (const row of rows(odata`PartitionKey eq ${pk}`, ['RowKey'])) {
        batch.push(['delete', { partitionKey: pk, rowKey: String(row.rowKey) }]);
        if (batch.length === BATCH_LIMIT) {
          operations += await submit(client, pk, batch);
          batch = [];
        }
      }
      if (batch.length) operations += await submit(client, pk, batch);
      count(operations);
      return operations;
    },
  };
}
