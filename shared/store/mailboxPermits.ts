/**
 * The per-mailbox PERMIT rows that hold Graph's concurrency limit across instances (Table
 * `mailboxslots`, beside the slot row: PK = the mailbox key, RK `permit-<n>` for n below
 * MAILBOX_CONCURRENCY). A row says which instance holds it and until when (`holder`, `leaseUntil`
 * in ms). Every write is conditional on the ETag read (or a create, which fails on an existing
 * row), so two instances never both take one permit: Table storage answers 412 / 409 to the loser
 * (https://learn.microsoft.com/rest/api/storageservices/update-entity2#remarks).
 * The lease logic is `shared/delivery/permitLeases.ts`.
 */
import { odata, TableClient } from '@azure/data-tables';
import { TABLES } from './names';
import type { StorageClients } from './storageClients';
import { storageFailure, storageStatus } from './storageErrors';

export interface PermitRow {
  index: number;
  /** The instance that holds it; '' once given back. */
  holder: string;
  /** Ms since epoch; 0 once given back. */
  leaseUntil: number;
  etag: string;
}

export interface MailboxPermitStore {
  /** Every permit row of the mailbox, in one query. */
  list(key: string): Promise<PermitRow[]>;
  /**
   * Writes permit `index`: creates it (no `etag`), or replaces the row read or written with that ETag.
   * The new ETag, or undefined when another write came first (409 / 412).
   */
  put(key: string, index: number, row: { holder: string; leaseUntil: number }, etag?: string): Promise<string | undefined>;
}

/** Every permit call has this deadline: a slow Storage only defers the message (the worker re-queues it). */
export const PERMIT_CALL_TIMEOUT_MS = 5_000;

const PREFIX = 'permit-';
/** As in mailboxSlots.ts: a mailbox key may hold characters PartitionKey forbids. */
const partitionKey = (key: string) => encodeURIComponent(key);
const rowKey = (index: number) => `${PREFIX}${String(index).padStart(2, '0')}`;
const deadline = () => ({ abortSignal: AbortSignal.timeout(PERMIT_CALL_TIMEOUT_MS) });

export function createMailboxPermitStore(storage: StorageClients): MailboxPermitStore {
  const table = (): Promise<TableClient> => storage.table(TABLES.mailboxSlots);
  return {
    async list(key) {
      const client = await table();
      // `permit-` < RowKey < `permit.`: the permit rows only, not the slot row `next`.
      const filter = odata`PartitionKey eq ${partitionKey(key)} and RowKey gt ${PREFIX} and RowKey lt ${'permit.'}`;
      const rows: PermitRow[] = [];
      try {
        const pages = client.listEntities<Record<string, unknown>>({ queryOptions: { filter }, ...deadline() }).byPage({ maxPageSize: 32 });
        const first = await pages.next();
        for (const e of first.done ? [] : first.value) {
          rows.push({
            index: Number(String(e.rowKey).slice(PREFIX.length)),
            holder: String(e.holder ?? ''),
            leaseUntil: Number(e.leaseUntil) || 0,
            etag: String(e.etag),
          });
        }
      } catch (error) {
        throw storageFailure(error, `list mailbox permits ${key}`);
      }
      return rows;
    },

    async put(key, index, row, etag) {
      const client = await table();
      const entity = {
        partitionKey: partitionKey(key),
        rowKey: rowKey(index),
        holder: row.holder,
        leaseUntil: row.leaseUntil,
      };
      try {
        const written = etag
          ? await client.updateEntity(entity, 'Replace', { etag, ...deadline() })
          : await client.createEntity(entity, deadline());
        return written.etag;
      } catch (error) {
        const status = storageStatus(error);
        if (status === 409 || status === 412) return undefined;
        throw storageFailure(error, `write mailbox permit ${key}`);
      }
    },
  };
}
