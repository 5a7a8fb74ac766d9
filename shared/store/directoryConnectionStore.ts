/**
 * Directory connections in Table `directoryconnections`: PK = orgId, RK = connection id
 * (shared/model/directory.ts). Updates are conditioned on the ETag read before them (optimistic
 * concurrency), so a consent callback racing a sync marking the connection `needs_attention` cannot
 * silently overwrite it: the stale writer gets CONCURRENT_UPDATE and re-reads.
 *
 * The row holds Key Vault secret NAMES only (`secretRefs`), never values. Nested fields are JSON
 * string columns; the column list is checked against `DirectoryConnection` by the compiler.
 */
import { odata, TableClient, TableEntityResult } from '@azure/data-tables';
import { MailerError } from '../errors';
import type { DirectoryConnection } from '../model/directory';
import { TABLES } from './names';
import type { StorageClients } from './storageClients';
import { storageErrorCode, storageFailure, storageStatus } from './storageErrors';

export interface StoredConnection {
  connection: DirectoryConnection;
  etag: string;
}

export interface DirectoryConnectionStore {
  get(orgId: string, id: string): Promise<StoredConnection | undefined>;
  /** The org's connections, oldest first (one partition query). */
  listOrg(orgId: string): Promise<StoredConnection[]>;
  /** Every connection with status `active`, across orgs (the sync timer's work list). */
  listActive(): Promise<StoredConnection[]>;
  /** CONCURRENT_UPDATE when the id exists already. */
  create(connection: DirectoryConnection): Promise<StoredConnection>;
  /** Replaces the row if its ETag is still `etag`; else CONCURRENT_UPDATE (DIRECTORY_CONNECTION_NOT_FOUND when gone). */
  replace(connection: DirectoryConnection, etag: string): Promise<StoredConnection>;
  /** Deletes the row (only if unchanged since `etag`, when given). Missing is not an error. */
  delete(orgId: string, id: string, etag?: string): Promise<void>;
}

type Column = 'string' | 'json';

const COLUMNS: { [K in Exclude<keyof DirectoryConnection, 'orgId' | 'id'>]-?: Column } = {
  name: 'string',
  provider: 'string',
  mode: 'string',
  status: 'string',
  tenantId: 'string',
  domain: 'string',
  adminEmail: 'string',
  consentedBy: 'json',
  secretRefs: 'json',
  createdAt: 'string',
  updatedAt: 'string',
  lastError: 'json',
};

type Entity = { partitionKey: string; rowKey: string } & Record<string, string>;

export function toConnectionEntity(connection: DirectoryConnection): Entity {
  const entity: Entity = { partitionKey: connection.orgId, rowKey: connection.id };
  for (const [field, column] of Object.entries(COLUMNS) as Array<[keyof typeof COLUMNS, Column]>) {
    const value = connection[field];
    if (value === undefined) continue;
    entity[field] = column === 'json' ? JSON.stringify(value) : String(value);
  }
  return entity;
}

export function fromConnectionEntity(entity: Record<string, unknown>): DirectoryConnection {
  const connection: Record<string, unknown> = { orgId: entity.partitionKey, id: entity.rowKey };
  for (const [field, column] of Object.entries(COLUMNS) as Array<[string, Column]>) {
    const value = entity[field];
    if (value === undefined || value === null) continue;
    connection[field] = column === 'json' ? JSON.parse(String(value)) : value;
  }
  return connection as unknown as DirectoryConnection;
}

const conflict = (orgId: string, id: string, cause: unknown) =>
  new MailerError('CONCURRENT_UPDATE', `The directory connection ${id} of ${orgId} was changed by someone else in the meantime.`, {
    cause,
  });

export function createDirectoryConnectionStore(storage: StorageClients): DirectoryConnectionStore {
  const table = (): Promise<TableClient> => storage.table(TABLES.directoryConnections);

  async function query(filter: string, what: string): Promise<StoredConnection[]> {
    const client = await table();
    try {
      const found: StoredConnection[] = [];
      for await (const entity of client.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
        found.push({ connection: fromConnectionEntity(entity), etag: entity.etag });
      }
      return found.sort((a, b) => a.connection.createdAt.localeCompare(b.connection.createdAt));
    } catch (error) {
      throw storageFailure(error, what);
    }
  }

  return {
    async get(orgId, id) {
      const client = await table();
      try {
        const entity: TableEntityResult<Record<string, unknown>> = await client.getEntity(orgId, id);
        return { connection: fromConnectionEntity(entity), etag: entity.etag };
      } catch (error) {
        if (storageStatus(error) === 404) return undefined;
        throw storageFailure(error, `read directory connection ${orgId}`);
      }
    },

    listOrg: (orgId) => query(odata`PartitionKey eq ${orgId}`, `list directory connections of ${orgId}`),

    listActive: () => query(odata`status eq ${'active'}`, 'list active directory connections'),

    async create(connection) {
      const client = await table();
      try {
        const { etag } = await client.createEntity(toConnectionEntity(connection));
        return { connection, etag: etag! };
      } catch (error) {
        if (storageStatus(error) === 409) throw conflict(connection.orgId, connection.id, error);
        throw storageFailure(error, `create directory connection ${connection.orgId}`);
      }
    },

    async replace(connection, etag) {
      const client = await table();
      try {
        // Replace (not Merge): columns of fields now absent (a cleared lastError) must disappear.
        const result = await client.updateEntity(toConnectionEntity(connection), 'Replace', { etag });
        return { connection, etag: result.etag! };
      } catch (error) {
        if (storageStatus(error) === 412 || storageErrorCode(error) === 'UpdateConditionNotSatisfied')
          throw conflict(connection.orgId, connection.id, error);
        if (storageStatus(error) === 404) {
          throw new MailerError(
            'DIRECTORY_CONNECTION_NOT_FOUND',
            `The directory connection ${connection.id} was deleted in the meantime.`,
            { cause: error },
          );
        }
        throw storageFailure(error, `update directory connection ${connection.orgId}`);
      }
    },

    async delete(orgId, id, etag) {
      const client = await table();
      try {
        await client.deleteEntity(orgId, id, etag ? { etag } : undefined);
      } catch (error) {
        if (storageStatus(error) === 404) return;
        if (storageStatus(error) === 412) throw conflict(orgId, id, error);
        throw storageFailure(error, `delete directory connection ${orgId}`);
      }
    },
  };
}
