/**
 * The per-recipient copies of a group message, read back for the rollup (delivery/groupFanout.ts).
 * Copies live in the parent's partition of `deliveries` with RowKeys that share a prefix, so one
 * RowKey range query finds them (Table storage's efficient "range query" within a partition:
 * https://learn.microsoft.com/azure/storage/tables/table-storage-design-for-query); the `parent`
 * column picks this parent's among others whose ids share the first 64 characters.
 */
import { odata } from '@azure/data-tables';
import { DeliveryRecord, fromEntity } from './deliveryStore';
import { TABLES } from './names';
import type { StorageClients } from './storageClients';
import { storageFailure } from './storageErrors';

export interface GroupChildren {
  /** Every copy of `parentId` (RowKeys starting with `prefix`), in RowKey order. */
  list(orgId: string, parentId: string, prefix: string): Promise<DeliveryRecord[]>;
}

export function createGroupChildren(storage: StorageClients): GroupChildren {
  return {
    async list(orgId, parentId, prefix) {
      const client = await storage.table(TABLES.deliveries);
      // The character after `=` in code order ends the range: every id with the prefix sorts below it.
      const end = `${prefix.slice(0, -1)}${String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)}`;
      const filter = odata`PartitionKey eq ${orgId} and RowKey ge ${prefix} and RowKey lt ${end} and parent eq ${parentId}`;
      try {
        const rows: DeliveryRecord[] = [];
        for await (const entity of client.listEntities<Record<string, unknown>>({ queryOptions: { filter } }))
          rows.push(fromEntity(entity));
        return rows;
      } catch (error) {
        throw storageFailure(error, `list the copies of ${orgId}/${parentId}`);
      }
    },
  };
}
