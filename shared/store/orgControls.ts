/**
 * Small per-org control rows that every instance must agree on, kept in Table `senders` next to the
 * org's config (same PartitionKey = orgId, their own RowKeys, so `senderStore.list` skips them):
 * - `adminlinks`: the generation of the org's admin links (shared/adminLinks), moved on by a revoke
 *   or a Reset;
 * - `testsends`: when the org's recent test sends happened (shared/senders/testSendLimit.ts);
 * - `verifies`: when the org's recent connection tests (verify) happened (same file).
 *
 * An update reads the row, lets `step` decide, and writes back conditioned on the ETag it read
 * (Table optimistic concurrency, https://learn.microsoft.com/rest/api/storageservices/update-entity2),
 * so two instances can never both take the last test send or lose a generation bump: the loser
 * reads again and `step` runs again on the fresh row.
 */
import type { TableClient } from '@azure/data-tables';
import { TABLES } from './names';
import type { StorageClients } from './storageClients';
import { storageFailure, storageStatus } from './storageErrors';

export const CONTROL_ROWS = { adminLinks: 'adminlinks', testSends: 'testsends', verifies: 'verifies' } as const;
export type ControlRow = (typeof CONTROL_ROWS)[keyof typeof CONTROL_ROWS];

export type ControlValues = Record<string, string | number | boolean>;

/** What `step` decided: new values to write (or none, to leave the row as it is), and the answer. */
export interface ControlStep<T> {
  write?: ControlValues;
  result: T;
}

export interface OrgControlStore {
  /** The row's values, or undefined when it was never written. */
  read(orgId: string, row: ControlRow): Promise<ControlValues | undefined>;
  /** Read-decide-write, atomic across instances; `step` may run more than once (after a lost race). */
  update<T>(orgId: string, row: ControlRow, step: (current: ControlValues | undefined) => ControlStep<T>): Promise<T>;
}

/** Give up after this many lost races in a row (each one means another instance made progress). */
const MAX_CONFLICTS = 20;
const OWN_FIELDS = new Set(['partitionKey', 'rowKey', 'etag', 'timestamp', 'odata.metadata']);

export function createOrgControlStore(storage: StorageClients): OrgControlStore {
  const table = (): Promise<TableClient> => storage.table(TABLES.senders);

  async function readRow(client: TableClient, orgId: string, row: ControlRow): Promise<{ values?: ControlValues; etag?: string }> {
    try {
      const entity = await client.getEntity<ControlValues>(orgId, row);
      const values: ControlValues = {};
      for (const [key, value] of Object.entries(entity))
        if (!OWN_FIELDS.has(key) && value !== null && value !== undefined) values[key] = value;
      return { values, etag: entity.etag };
    } catch (error) {
      if (storageStatus(error) === 404) return {};
      throw storageFailure(error, `read ${row} of ${orgId}`);
    }
  }

  return {
    async read(orgId, row) {
      return (await readRow(await table(), orgId, row)).values;
    },

    async update(orgId, row, step) {
      const client = await table();
      let current = await readRow(client, orgId, row);
      for (let conflicts = 0; ; conflicts++) {
        const { write, result } = step(current.values);
        if (!write) return result;
        const entity = { partitionKey: orgId, rowKey: row, ...write };
        try {
          if (current.etag) await client.updateEntity(entity, 'Replace', { etag: current.etag });
          else await client.createEntity(entity);
          return result;
        } catch (error) {
          const status = storageStatus(error);
          // 412: another instance changed the row; 409: it created the row first. Read and decide again.
          if ((status !== 412 && status !== 409) || conflicts >= MAX_CONFLICTS) throw storageFailure(error, `update ${row} of ${orgId}`);
          current = await readRow(client, orgId, row);
        }
      }
    },
  };
}
