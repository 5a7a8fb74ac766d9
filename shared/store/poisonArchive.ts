/**
 * Outbox messages that cannot even be read (not Base64, not JSON, no id or orgId) have no delivery
 * row to mark `failed`, so they are kept here with their raw text (Table `poisonmessages`, PK = the
 * UTC day, RK = a random id) for an operator to inspect: nothing disappears.
 *
 * A string property holds at most 64 KiB (32K UTF-16 characters); longer texts are cut and say so.
 */
import { randomUUID } from 'node:crypto';
import { TABLES } from './names';
import type { StorageClients } from './storageClients';
import { storageFailure } from './storageErrors';

export const MAX_ARCHIVED_CHARS = 30_000;

export interface PoisonRecord {
  day: string;
  key: string;
  queue: string;
  reason: string;
  raw: string;
  rawLength: number;
  truncated: boolean;
  at: string;
}

export interface PoisonArchive {
  keep(input: { queue: string; raw: string; reason: string; now?: number }): Promise<PoisonRecord>;
  /** The records of one UTC day (`YYYY-MM-DD`), oldest first. */
  list(day: string): Promise<PoisonRecord[]>;
}

/** The record kept for a raw text: keyed by day and time, cut to MAX_ARCHIVED_CHARS (and saying so). */
export function archiveRecord({
  queue,
  raw,
  reason,
  now = Date.now(),
}: {
  queue: string;
  raw: string;
  reason: string;
  now?: number;
}): PoisonRecord {
  const at = new Date(now).toISOString();
  return {
    day: at.slice(0, 10),
    key: `${String(now).padStart(13, '0')}-${randomUUID()}`,
    queue,
    reason,
    raw: raw.slice(0, MAX_ARCHIVED_CHARS),
    rawLength: raw.length,
    truncated: raw.length > MAX_ARCHIVED_CHARS,
    at,
  };
}

export function createPoisonArchive(storage: StorageClients): PoisonArchive {
  const table = () => storage.table(TABLES.poisonMessages);
  return {
    async keep(input) {
      const record = archiveRecord(input);
      const { day, key, ...rest } = record;
      try {
        await (await table()).createEntity({ partitionKey: day, rowKey: key, ...rest });
      } catch (error) {
        throw storageFailure(error, `archive a ${input.queue} message`);
      }
      return record;
    },

    async list(day) {
      const rows: PoisonRecord[] = [];
      try {
        const client = await table();
        for await (const e of client.listEntities<Omit<PoisonRecord, 'day' | 'key'>>({
          queryOptions: { filter: `PartitionKey eq '${day.replace(/'/g, "''")}'` },
        })) {
          rows.push({
            day: e.partitionKey ?? day,
            key: e.rowKey ?? '',
            queue: e.queue,
            reason: e.reason,
            raw: e.raw,
            rawLength: e.rawLength,
            truncated: e.truncated,
            at: e.at,
          });
        }
      } catch (error) {
        throw storageFailure(error, 'list archived poison messages');
      }
      return rows;
    },
  };
}
