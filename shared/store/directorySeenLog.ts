/**
 * The seen log of a full sync: which users, groups and memberships the provider listed, page by page,
 * in rows of the connection's own partition (RowKey `x~<generation>~<phase>~<page>~<chunk>`, after
 * every copy row's prefix, so the reader's ranges never meet them). A full sync that runs over several
 * queue invocations cannot keep "what was listed" in memory; at its end the sweep reads this log and
 * removes whatever the copy holds that was not listed.
 *
 * A page's keys are JSON arrays cut into chunks of at most CHUNK_CHARS characters: a string property
 * holds at most 64 KiB (32 K UTF-16 characters), an entity 1 MiB, a batch 100 entities and 4 MiB
 * (https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model#property-types,
 * .../performing-entity-group-transactions). Chunk 0 records how many chunks the page has, so a
 * page written again with fewer chunks (a redone page) leaves no stale chunk that counts.
 */
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { partitionOf, prefixEnd } from './directoryRows';
import { TABLES } from './names';
import type { StorageClients } from './storageClients';
import { storageFailure, storageStatus } from './storageErrors';

const CHUNK_CHARS = 30_000;
const BATCH_LIMIT = 100;
const SEEN_PREFIX = 'x~';

export interface DirectorySeenLog {
  /** Records the keys one page listed (a page written again replaces its record). */
  append(orgId: string, connectionId: string, generation: number, page: string, keys: readonly string[]): Promise<void>;
  /** The keys logged for the generation (one phase, or all), in page order. */
  read(orgId: string, connectionId: string, generation: number, phase?: string): Promise<string[]>;
  /** Removes every logged page of the connection (a new sync starts, or a sync ended). */
  clear(orgId: string, connectionId: string): Promise<void>;
}

const pagePrefix = (generation: number, phase?: string) => `${SEEN_PREFIX}${generation}~${phase ? `${phase}~` : ''}`;

function chunks(keys: readonly string[]): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let size = 2;
  for (const key of keys) {
    const cost = JSON.stringify(key).length + 1;
    if (current.length && size + cost > CHUNK_CHARS) {
      out.push(JSON.stringify(current));
      current = [];
      size = 2;
    }
    current.push(key);
    size += cost;
  }
  out.push(JSON.stringify(current));
  return out;
}

async function inBatches(client: TableClient, actions: TransactionAction[]): Promise<void> {
  for (let i = 0; i < actions.length; i += BATCH_LIMIT) await client.submitTransaction(actions.slice(i, i + BATCH_LIMIT));
}

export function createDirectorySeenLog(storage: StorageClients): DirectorySeenLog {
  const table = () => storage.table(TABLES.directory);
  async function* range(pk: string, prefix: string, select?: string[]): AsyncGenerator<Record<string, unknown>> {
    const client = await table();
    const filter = odata`PartitionKey eq ${pk} and RowKey ge ${prefix} and RowKey lt ${prefixEnd(prefix)}`;
    yield* client.listEntities<Record<string, unknown>>({ queryOptions: { filter, ...(select ? { select } : {}) } });
  }
  return {
    async append(orgId, connectionId, generation, page, keys) {
      const pk = partitionOf(orgId, connectionId);
      const parts = chunks(keys);
      const actions: TransactionAction[] = parts.map((k, i) => [
        'upsert',
        {
          partitionKey: pk,
          rowKey: `${pagePrefix(generation)}${page}~${String(i).padStart(4, '0')}`,
          k,
          ...(i === 0 ? { n: parts.length } : {}),
        },
        'Replace',
      ]);
      try {
        await inBatches(await table(), actions);
      } catch (error) {
        throw storageFailure(error, `log the listed page of ${connectionId}`);
      }
    },
    async read(orgId, connectionId, generation, phase) {
      const out: string[] = [];
      let wanted = 0;
      try {
        for await (const row of range(partitionOf(orgId, connectionId), pagePrefix(generation, phase), ['RowKey', 'k', 'n'])) {
          const chunk = Number(String(row.rowKey).slice(-4));
          if (chunk === 0) wanted = Number(row.n ?? 1);
          if (chunk < wanted) out.push(...(JSON.parse(String(row.k)) as string[]));
        }
      } catch (error) {
        throw storageFailure(error, `read the listed pages of ${connectionId}`);
      }
      return out;
    },
    async clear(orgId, connectionId) {
      const pk = partitionOf(orgId, connectionId);
      try {
        const actions: TransactionAction[] = [];
        for await (const row of range(pk, SEEN_PREFIX, ['RowKey']))
          actions.push(['delete', { partitionKey: pk, rowKey: String(row.rowKey) }]);
        await inBatches(await table(), actions).catch(async (error: unknown) => {
          // Another clear took some rows first (a batch is all-or-nothing): delete one by one, gone rows ignored.
          if (storageStatus(error) !== 404) throw error;
          const client = await table();
          for (const [, entity] of actions)
            await client.deleteEntity(entity.partitionKey, entity.rowKey).catch((e: unknown) => {
              if (storageStatus(e) !== 404) throw e;
            });
        });
      } catch (error) {
        throw storageFailure(error, `clear the listed pages of ${connectionId}`);
      }
    },
  };
}
