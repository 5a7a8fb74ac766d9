/**
 * Sender configs in Table `senders`: PK = orgId, RK = "sender" for the org's `default` sender (the
 * row key it always had, so no migration) and "sender.<key>" for each named sender; the org's routing
 * rules are the row RK = "routing" of the same partition, so one partition query reads everything
 * routing needs (`.` is allowed in a RowKey; `/ \\ # ?` are not:
 * https://learn.microsoft.com/en-us/rest/api/storageservices/understanding-the-table-service-data-model). Updates are conditioned on the
 * ETag read before them (optimistic concurrency), so two admins saving at once, or a save racing a
 * delivery marking the sender `needs_attention`, cannot silently overwrite each other: the stale
 * writer gets CONCURRENT_UPDATE and must re-read.
 *
 * Nested fields are JSON string columns (Table entities hold only flat typed properties); the
 * column list below is checked against `SenderConfig` by the compiler, so a field added to the
 * model cannot be forgotten here.
 */
import { odata, TableClient, TableEntityResult } from '@azure/data-tables';
import { MailerError } from '../errors';
import { DEFAULT_SENDER_KEY, senderKeyOf, SenderConfig } from '../model/sender';
import { TABLES } from './names';
import type { StorageClients } from './storageClients';
import { storageErrorCode, storageFailure, storageStatus } from './storageErrors';

export interface StoredSender {
  config: SenderConfig;
  /** Pass back to `replace`/`delete` to make them conditional on nothing having changed since. */
  etag: string;
}

export interface StoredRouting<R = unknown> {
  rules: R[];
  etag: string;
}

export interface SenderStore {
  /** The org's config (its `default` sender, or the sender `senderKey`), or undefined when it has none. */
  get(orgId: string, senderKey?: string): Promise<StoredSender | undefined>;
  /** Creates the row; CONCURRENT_UPDATE when the org already has one. */
  create(config: SenderConfig): Promise<StoredSender>;
  /** Replaces the whole row if its ETag is still `etag`; else CONCURRENT_UPDATE (SENDER_NOT_FOUND when it is gone). */
  replace(config: SenderConfig, etag: string): Promise<StoredSender>;
  /** Deletes the row (only if unchanged since `etag`, when given). Missing is not an error. */
  delete(orgId: string, etag?: string, senderKey?: string): Promise<void>;
  /**
   * Merges bookkeeping fields into the row WITHOUT an ETag condition, and without changing what the
   * config means (no `version` move): last use, domain findings, notices sent. Missing row: no-op.
   */
  patch(orgId: string, fields: SenderPatch, senderKey?: string): Promise<void>;
  /** Every sender of the org (default first) and its routing rules, in one partition query. */
  listOrg(orgId: string): Promise<{ senders: StoredSender[]; routing?: StoredRouting }>;
  /** `listOrg`, possibly a few seconds old (delivery's routing; shared/senders/listingMemory.ts). */
  listOrgRecent?(orgId: string): Promise<{ senders: StoredSender[]; routing?: StoredRouting }>;
  /** Writes the routing rules: conditional on `etag` when given, else only if there are none yet (CONCURRENT_UPDATE otherwise). */
  putRouting(orgId: string, rules: unknown[], etag?: string): Promise<StoredRouting>;
  /** One page of all sender rows (the daily health check); pass `continuationToken` back for the next. */
  list(options?: { continuationToken?: string; pageSize?: number }): Promise<SenderPage>;
}

export type SenderPatch = Partial<Pick<SenderConfig, 'lastUsedAt' | 'domainCheck' | 'secretExpiryNotified'>>;

export interface SenderPage {
  items: StoredSender[];
  /** Absent on the last page. Opaque: only for passing back to `list`. */
  continuationToken?: string;
}

const ROW_KEY = 'sender';
const NAMED_PREFIX = 'sender.';
const ROUTING_ROW_KEY = 'routing';

/** Row key of a sender: today's key for `default`, its own for every named sender. */
export function senderRowKey(senderKey: string = DEFAULT_SENDER_KEY): string {
  return senderKey === DEFAULT_SENDER_KEY ? ROW_KEY : `${NAMED_PREFIX}${senderKey}`;
}

const isSenderRow = (rowKey: unknown) => rowKey === ROW_KEY || (typeof rowKey === 'string' && rowKey.startsWith(NAMED_PREFIX));

type Column = 'string' | 'boolean' | 'number' | 'json';

/** How each field is stored. `orgId` is the partition key, not a column. */
const COLUMNS: { [K in Exclude<keyof SenderConfig, 'orgId' | 'senderKey'>]-?: Column } = {
  provider: 'string',
  mode: 'string',
  senderEmail: 'string',
  senderName: 'string',
  replyTo: 'string',
  fallbackToDefault: 'boolean',
  saveToSentItems: 'boolean',
  status: 'string',
  locked: 'boolean',
  version: 'number',
  secretGeneration: 'number',
  tenantId: 'string',
  clientId: 'string',
  clientSecretExpiresOn: 'string',
  mailboxObjectId: 'string',
  accountEmail: 'string',
  refreshTokenIssuedAt: 'string',
  consentedAt: 'string',
  consentedBy: 'json',
  dkimSelector: 'string',
  secretRefs: 'json',
  secretHints: 'json',
  lastTest: 'json',
  lastError: 'json',
  lastUsedAt: 'string',
  domainCheck: 'json',
  secretExpiryNotified: 'json',
  createdAt: 'string',
  updatedAt: 'string',
};

type Entity = { partitionKey: string; rowKey: string } & Record<string, string | number | boolean>;

/** Exported for the unit test of the mapping; the store is the only caller. */
export function toEntity(config: SenderConfig): Entity {
  const entity: Entity = { partitionKey: config.orgId, rowKey: senderRowKey(senderKeyOf(config)) };
  for (const [field, column] of Object.entries(COLUMNS) as Array<[keyof typeof COLUMNS, Column]>) {
    const value = config[field];
    // An absent optional field is an absent column: Replace removes it, so it reads back absent.
    if (value === undefined) continue;
    entity[field] = column === 'json' ? JSON.stringify(value) : (value as string | number | boolean);
  }
  return entity;
}

export function fromEntity(entity: Record<string, unknown>): SenderConfig {
  const config: Record<string, unknown> = { orgId: entity.partitionKey };
  const rowKey = String(entity.rowKey ?? ROW_KEY);
  // Only named senders carry a key: a default config reads back without one, as the /sender routes expect.
  if (rowKey.startsWith(NAMED_PREFIX)) config.senderKey = rowKey.slice(NAMED_PREFIX.length);
  for (const [field, column] of Object.entries(COLUMNS) as Array<[string, Column]>) {
    const value = entity[field];
    if (value === undefined || value === null) continue;
    config[field] = column === 'json' ? JSON.parse(String(value)) : column === 'number' ? Number(value) : value;
  }
  return config as unknown as SenderConfig;
}

function conflict(orgId: string, cause: unknown): MailerError {
  return new MailerError('CONCURRENT_UPDATE', `The sender of ${orgId} was changed by someone else in the meantime.`, { cause });
}

export function createSenderStore(storage: StorageClients): SenderStore {
  const table = (): Promise<TableClient> => storage.table(TABLES.senders);

  async function read(client: TableClient, orgId: string, senderKey?: string): Promise<StoredSender> {
    const entity: TableEntityResult<Record<string, unknown>> = await client.getEntity(orgId, senderRowKey(senderKey));
    return { config: fromEntity(entity), etag: entity.etag };
  }

  return {
    async get(orgId, senderKey) {
      const client = await table();
      try {
        return await read(client, orgId, senderKey);
      } catch (error) {
        if (storageStatus(error) === 404) return undefined;
        throw storageFailure(error, `read sender ${orgId}`);
      }
    },

    async create(config) {
      const client = await table();
      try {
        const { etag } = await client.createEntity(toEntity(config));
        return { config, etag: etag! };
      } catch (error) {
        if (storageStatus(error) === 409) throw conflict(config.orgId, error);
        throw storageFailure(error, `create sender ${config.orgId}`);
      }
    },

    async replace(config, etag) {
      const client = await table();
      try {
        // Replace (not Merge): columns of fields now absent must disappear.
        const result = await client.updateEntity(toEntity(config), 'Replace', { etag });
        return { config, etag: result.etag! };
      } catch (error) {
        // A stale ETag is 412 UpdateConditionNotSatisfied (the code sits in details.odataError).
        if (storageStatus(error) === 412 || storageErrorCode(error) === 'UpdateConditionNotSatisfied') throw conflict(config.orgId, error);
        if (storageStatus(error) === 404) {
          throw new MailerError('SENDER_NOT_FOUND', `The sender of ${config.orgId} was deleted in the meantime.`, { cause: error });
        }
        throw storageFailure(error, `update sender ${config.orgId}`);
      }
    },

    async patch(orgId, fields, senderKey) {
      const client = await table();
      const entity: Entity = { partitionKey: orgId, rowKey: senderRowKey(senderKey) };
      for (const [field, value] of Object.entries(fields)) {
        if (value !== undefined) entity[field] = COLUMNS[field as keyof SenderPatch] === 'json' ? JSON.stringify(value) : (value as string);
      }
      try {
        // Merge with If-Match * (no etag): 404 when the row is gone, never a new row.
        await client.updateEntity(entity, 'Merge');
      } catch (error) {
        if (storageStatus(error) === 404) return;
        throw storageFailure(error, `update sender ${orgId}`);
      }
    },

    async list({ continuationToken, pageSize = 100 } = {}) {
      const client = await table();
      try {
        // The Table service pages by itself (at most 1,000 rows, or 5 s of work, per answer): one answer per call.
        const pages = client.listEntities<Record<string, unknown>>().byPage({ maxPageSize: pageSize, continuationToken });
        for await (const page of pages) {
          const items = page
            .filter((entity) => isSenderRow(entity.rowKey))
            .map((entity) => ({ config: fromEntity(entity), etag: entity.etag }));
          return { items, ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}) };
        }
        return { items: [] };
      } catch (error) {
        throw storageFailure(error, 'list senders');
      }
    },

    async listOrg(orgId) {
      const client = await table();
      try {
        const senders: StoredSender[] = [];
        let routing: StoredRouting | undefined;
        const rows = client.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${orgId}` } });
        for await (const entity of rows) {
          if (entity.rowKey === ROUTING_ROW_KEY)
            routing = { rules: JSON.parse(String(entity.rules ?? '[]')) as unknown[], etag: entity.etag };
          else if (isSenderRow(entity.rowKey)) senders.push({ config: fromEntity(entity), etag: entity.etag });
        }
        senders.sort((a, b) =>
          a.config.senderKey === undefined
            ? -1
            : b.config.senderKey === undefined
              ? 1
              : senderKeyOf(a.config).localeCompare(senderKeyOf(b.config)),
        );
        return { senders, ...(routing ? { routing } : {}) };
      } catch (error) {
        throw storageFailure(error, `list senders of ${orgId}`);
      }
    },

    async putRouting(orgId, rules, etag) {
      const client = await table();
      const entity = { partitionKey: orgId, rowKey: ROUTING_ROW_KEY, rules: JSON.stringify(rules) };
      try {
        const result = etag ? await client.updateEntity(entity, 'Replace', { etag }) : await client.createEntity(entity);
        return { rules, etag: result.etag! };
      } catch (error) {
        const status = storageStatus(error);
        if (status === 409 || status === 412 || storageErrorCode(error) === 'UpdateConditionNotSatisfied') {
          throw new MailerError('CONCURRENT_UPDATE', `The routing rules of ${orgId} were changed by someone else in the meantime.`, {
            cause: error,
          });
        }
        throw storageFailure(error, `write routing rules of ${orgId}`);
      }
    },

    async delete(orgId, etag, senderKey) {
      const client = await table();
      try {
        await client.deleteEntity(orgId, senderRowKey(senderKey), etag ? { etag } : undefined);
      } catch (error) {
        if (storageStatus(error) === 404) return;
        if (storageStatus(error) === 412) throw conflict(orgId, error);
        throw storageFailure(error, `delete sender ${orgId}`);
      }
    },
  };
}
