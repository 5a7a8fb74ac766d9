/**
 * Webhook storage in Tables: endpoints (PK scope = orgId or `*`, RK endpoint id), the attempts log
 * (PK endpoint id, RK inverted time, so a partition reads newest first; trimmed to the last 100),
 * and the events handed to webhooks (PK event id, for replay).
 *
 * Updates of an endpoint are whole-row Replace without an ETag: the API and the dispatcher touch
 * different fields, and the dispatcher's writes (failure bookkeeping) are idempotent enough that
 * last-writer-wins is acceptable. Nested fields are JSON string columns.
 */
import type { TableClient } from '@azure/data-tables';
import { randomBytes } from 'node:crypto';
import type { PlatformEvent } from '../model/events';
import type { WebhookAttempt, WebhookEndpoint } from '../webhooks/model';
import { TABLES } from './names';
import type { StorageClients } from './storageClients';
import { storageFailure, storageStatus } from './storageErrors';

type Entity = { partitionKey: string; rowKey: string } & Record<string, string | number | boolean>;

const JSON_FIELDS = new Set(['events', 'notice']);

function toEntity(e: WebhookEndpoint): Entity {
  const entity: Entity = { partitionKey: e.scope, rowKey: e.id };
  for (const [key, value] of Object.entries(e)) {
    if (key === 'scope' || key === 'id' || value === undefined) continue;
    entity[key] = JSON_FIELDS.has(key) ? JSON.stringify(value) : (value as string | boolean);
  }
  return entity;
}

function fromEntity(entity: Record<string, unknown>): WebhookEndpoint {
  const out: Record<string, unknown> = { scope: entity.partitionKey, id: entity.rowKey };
  for (const [key, value] of Object.entries(entity)) {
    // '' is how `merge` clears a column (Merge cannot remove one).
    if (
      ['partitionKey', 'rowKey', 'etag', 'timestamp', 'odata.metadata'].includes(key) ||
      value === null ||
      value === undefined ||
      value === ''
    )
      continue;
    out[key] = JSON_FIELDS.has(key) ? JSON.parse(String(value)) : value;
  }
  return out as unknown as WebhookEndpoint;
}

export interface WebhookEndpointStore {
  get(scope: string, id: string): Promise<WebhookEndpoint | undefined>;
  list(scope: string): Promise<WebhookEndpoint[]>;
  put(endpoint: WebhookEndpoint): Promise<void>;
  /** Merges only these fields (the dispatcher's bookkeeping, so it never reverts an API change); `null` clears one. Missing row: no-op. */
  merge(
    scope: string,
    id: string,
    fields: { [K in 'enabled' | 'failingSince' | 'disabledAt' | 'notice' | 'updatedAt']?: WebhookEndpoint[K] | null },
  ): Promise<void>;
  delete(scope: string, id: string): Promise<void>;
}

export interface WebhookAttemptStore {
  /** Records one attempt and drops the oldest beyond `keep`. */
  add(endpointId: string, attempt: WebhookAttempt, keep: number): Promise<void>;
  /** Newest first. */
  list(endpointId: string, limit: number): Promise<WebhookAttempt[]>;
  deleteAll(endpointId: string): Promise<void>;
}

export interface WebhookEventStore {
  put(event: PlatformEvent): Promise<void>;
  get(eventId: string): Promise<PlatformEvent | undefined>;
}

async function listPartition(client: TableClient, partitionKey: string): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = [];
  const escaped = partitionKey.replace(/'/g, "''");
  for await (const row of client.listEntities<Record<string, unknown>>({ queryOptions: { filter: `PartitionKey eq '${escaped}'` } }))
    rows.push(row);
  return rows;
}

export function createWebhookEndpointStore(storage: StorageClients): WebhookEndpointStore {
  const table = () => storage.table(TABLES.webhookEndpoints);
  return {
    async get(scope, id) {
      const client = await table();
      try {
        return fromEntity(await client.getEntity(scope, id));
      } catch (error) {
        if (storageStatus(error) === 404) return undefined;
        throw storageFailure(error, `read webhook endpoint ${id}`);
      }
    },
    async list(scope) {
      const client = await table();
      try {
        return (await listPartition(client, scope)).map(fromEntity).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      } catch (error) {
        throw storageFailure(error, 'list webhook endpoints');
      }
    },
    async put(endpoint) {
      const client = await table();
      try {
        await client.upsertEntity(toEntity(endpoint), 'Replace');
      } catch (error) {
        throw storageFailure(error, `write webhook endpoint ${endpoint.id}`);
      }
    },
    async merge(scope, id, fields) {
      const client = await table();
      const entity: Entity = { partitionKey: scope, rowKey: id };
      for (const [key, value] of Object.entries(fields)) {
        if (value === undefined) continue;
        entity[key] = value === null ? '' : JSON_FIELDS.has(key) ? JSON.stringify(value) : (value as string | boolean);
      }
      try {
        // `If-Match: *`: only an existing row is merged (a deleted endpoint stays deleted).
        await client.updateEntity(entity, 'Merge', { etag: '*' });
      } catch (error) {
        if (storageStatus(error) === 404) return;
        throw storageFailure(error, `update webhook endpoint ${id}`);
      }
    },
    async delete(scope, id) {
      const client = await table();
      try {
        await client.deleteEntity(scope, id);
      } catch (error) {
        if (storageStatus(error) === 404) return;
        throw storageFailure(error, `delete webhook endpoint ${id}`);
      }
    },
  };
}

/** Inverted milliseconds: later attempts sort first in the partition. */
const rowKeyOf = (at: string) => `${String(9_999_999_999_999 - Date.parse(at)).padStart(13, '0')}-${randomBytes(4).toString('hex')}`;

export function createWebhookAttemptStore(storage: StorageClients): WebhookAttemptStore {
  const table = () => storage.table(TABLES.webhookAttempts);
  const toAttempt = (row: Record<string, unknown>): WebhookAttempt => ({
    eventId: String(row.eventId),
    eventType: String(row.eventType),
    at: String(row.at),
    attempt: Number(row.attempt),
    delivered: row.delivered === true,
    ...(typeof row.statusCode === 'number' ? { statusCode: row.statusCode } : {}),
    ...(typeof row.error === 'string' ? { error: row.error } : {}),
    durationMs: Number(row.durationMs),
  });
  return {
    async add(endpointId, attempt, keep) {
      const client = await table();
      try {
        const entity: Entity = { partitionKey: endpointId, rowKey: rowKeyOf(attempt.at) };
        for (const [key, value] of Object.entries(attempt)) if (value !== undefined) entity[key] = value as string | number | boolean;
        await client.createEntity(entity);
        const rows = (await listPartition(client, endpointId)).sort((a, b) => String(a.rowKey).localeCompare(String(b.rowKey)));
        for (const row of rows.slice(keep)) await client.deleteEntity(endpointId, String(row.rowKey)).catch(() => undefined);
      } catch (error) {
        throw storageFailure(error, `record webhook attempt of ${endpointId}`);
      }
    },
    async list(endpointId, limit) {
      const client = await table();
      try {
        const rows = (await listPartition(client, endpointId)).sort((a, b) => String(a.rowKey).localeCompare(String(b.rowKey)));
        return rows.slice(0, limit).map(toAttempt);
      } catch (error) {
        throw storageFailure(error, `read webhook attempts of ${endpointId}`);
      }
    },
    async deleteAll(endpointId) {
      const client = await table();
      try {
        for (const row of await listPartition(client, endpointId))
          await client.deleteEntity(endpointId, String(row.rowKey)).catch(() => undefined);
      } catch (error) {
        throw storageFailure(error, `delete webhook attempts of ${endpointId}`);
      }
    },
  };
}

export function createWebhookEventStore(storage: StorageClients): WebhookEventStore {
  const table = () => storage.table(TABLES.webhookEvents);
  return {
    async put(event) {
      const client = await table();
      try {
        await client.upsertEntity(
          { partitionKey: event.id, rowKey: 'event', orgId: event.orgId, type: event.type, event: JSON.stringify(event) },
          'Replace',
        );
      } catch (error) {
        throw storageFailure(error, `keep event ${event.id}`);
      }
    },
    async get(eventId) {
      const client = await table();
      try {
        const row = await client.getEntity<Record<string, unknown>>(eventId, 'event');
        return JSON.parse(String(row.event)) as PlatformEvent;
      } catch (error) {
        if (storageStatus(error) === 404) return undefined;
        throw storageFailure(error, `read event ${eventId}`);
      }
    },
  };
}
