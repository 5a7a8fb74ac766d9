/**
 * The per-mailbox "next free slot" rows (Table `mailboxslots`, PK = the mailbox key, RK = "next"),
 * shared by every instance: a reservation reads the row, moves `nextFreeAt` on and writes it back
 * with the ETag it read, so two instances never hand out the same slot. The last row seen is kept
 * in memory, so an instance that is the only writer spends one request per reservation.
 */
import type { TableClient } from '@azure/data-tables';
import { boundedCache } from '../cache/bounded';
import { TABLES } from './names';
import type { StorageClients } from './storageClients';
import { storageFailure, storageStatus } from './storageErrors';

export interface MailboxSlotStore {
  /**
   * Moves mailbox `key`'s next free slot from `nextFreeAt` (0 for a new mailbox) to what `step`
   * returns, atomically across instances; `step` may run more than once (after a lost race).
   */
  advance<T>(key: string, step: (nextFreeAt: number) => { nextFreeAt: number; result: T }): Promise<T>;
}

const ROW = 'next';
/** Give up after this many lost races in a row (each one means another instance made progress). */
const MAX_CONFLICTS = 20;

/** Mailbox keys hold addresses, whose local part may contain `/ # ?`, which PartitionKey forbids. */
const partitionKey = (key: string) => encodeURIComponent(key);

export function createMailboxSlotStore(storage: StorageClients): MailboxSlotStore {
  const table = (): Promise<TableClient> => storage.table(TABLES.mailboxSlots);
  // The last row written per mailbox saves a read; bounded (an evicted or stale one costs one read or one 412).
  const known = boundedCache<string, { nextFreeAt: number; etag?: string }>({ max: 10_000, ttlMs: 60 * 60_000 });

  async function read(client: TableClient, key: string): Promise<{ nextFreeAt: number; etag?: string }> {
    try {
      const row = await client.getEntity<{ nextFreeAt: number }>(partitionKey(key), ROW);
      return { nextFreeAt: Number(row.nextFreeAt) || 0, etag: row.etag };
    } catch (error) {
      if (storageStatus(error) === 404) return { nextFreeAt: 0 };
      throw storageFailure(error, `read mailbox slot ${key}`);
    }
  }

  return {
    async advance(key, step) {
      const client = await table();
      let current = known.get(key) ?? (await read(client, key));
      for (let conflicts = 0; ; conflicts++) {
        const { nextFreeAt, result } = step(current.nextFreeAt);
        const entity = { partitionKey: partitionKey(key), rowKey: ROW, nextFreeAt };
        try {
          const written = current.etag
            ? await client.updateEntity(entity, 'Replace', { etag: current.etag })
            : await client.createEntity(entity);
          known.set(key, { nextFreeAt, etag: written.etag });
          return result;
        } catch (error) {
          const status = storageStatus(error);
          // 412: another instance moved the row on; 409: it created the row first. Read and retry.
          if ((status !== 412 && status !== 409) || conflicts >= MAX_CONFLICTS) {
            known.delete(key);
            throw storageFailure(error, `reserve mailbox slot ${key}`);
          }
          current = await read(client, key);
        }
      }
    },
  };
}
