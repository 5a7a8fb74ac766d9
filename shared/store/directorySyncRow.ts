/**
 * The per-connection sync row (table `directory`, RK `sync`): the `DirectorySyncState` and the lease
 * that keeps one sync per connection across instances. Every write is conditional on the row's ETag
 * (https://learn.microsoft.com/rest/api/storageservices/update-entity2, If-Match): taking the lease
 * succeeds for one writer only, and a holder whose ETag went stale (another instance took an expired
 * lease over) learns it at its next write instead of overwriting the newer sync's state.
 */
import type { DirectorySyncState } from '../model/directory';
import { MailerError } from '../errors';
import { partitionOf, SYNC_ROW_KEY } from './directoryRows';
import { TABLES } from './names';
import type { StorageClients } from './storageClients';
import { storageFailure, storageStatus } from './storageErrors';

export interface SyncRow {
  state: DirectorySyncState;
  /** Absent when the row does not exist yet. */
  etag?: string;
}

export type LeaseResult = { taken: true; row: Required<SyncRow> } | { taken: false; lease: NonNullable<DirectorySyncState['lease']> };

export interface DirectorySyncRowStore {
  read(orgId: string, connectionId: string): Promise<SyncRow>;
  /** Takes the lease unless another owner holds one that has not expired. */
  takeLease(orgId: string, connectionId: string, owner: string, ttlMs: number, now?: Date): Promise<LeaseResult>;
  /** Writes the state if the row is still at `etag`; CONCURRENT_UPDATE when the lease was lost. Returns the new ETag. */
  write(orgId: string, connectionId: string, state: DirectorySyncState, etag: string): Promise<string>;
  delete(orgId: string, connectionId: string): Promise<void>;
}

const JSON_FIELDS = ['lease', 'counts', 'deltaLinks', 'lastError', 'progress'] as const;

function toEntity(pk: string, state: DirectorySyncState): Record<string, string | number> & { partitionKey: string; rowKey: string } {
  const entity: Record<string, string | number> & { partitionKey: string; rowKey: string } = { partitionKey: pk, rowKey: SYNC_ROW_KEY };
  for (const [key, value] of Object.entries(state)) {
    if (value === undefined) continue;
    entity[key] = (JSON_FIELDS as readonly string[]).includes(key) ? JSON.stringify(value) : (value as string | number);
  }
  return entity;
}

function fromEntity(entity: Record<string, unknown>): DirectorySyncState {
  const state: Record<string, unknown> = {};
  for (const key of ['lastSyncAt', 'lastSyncOutcome', 'lastSyncKind', 'generation'] as const)
    if (entity[key] !== undefined && entity[key] !== null) state[key] = entity[key];
  for (const key of JSON_FIELDS) if (typeof entity[key] === 'string' && entity[key]) state[key] = JSON.parse(String(entity[key]));
  return state as DirectorySyncState;
}

const lost = (connectionId: string) =>
  new MailerError('CONCURRENT_UPDATE', `The sync of directory connection ${connectionId} lost its lease to another instance.`);

export function createDirectorySyncRowStore(storage: StorageClients): DirectorySyncRowStore {
  const table = () => storage.table(TABLES.directory);
  const store: DirectorySyncRowStore = {
    async read(orgId, connectionId) {
      const client = await table();
      try {
        const entity = await client.getEntity<Record<string, unknown>>(partitionOf(orgId, connectionId), SYNC_ROW_KEY);
        return { state: fromEntity(entity), etag: entity.etag as string };
      } catch (error) {
        if (storageStatus(error) === 404) return { state: {} };
        throw storageFailure(error, `read the sync state of ${connectionId}`);
      }
    },
    async takeLease(orgId, connectionId, owner, ttlMs, now = new Date()) {
      const { state, etag } = await store.read(orgId, connectionId);
      if (state.lease && state.lease.owner !== owner && Date.parse(state.lease.expiresAt) > now.getTime())
        return { taken: false, lease: state.lease };
      const next: DirectorySyncState = {
        ...state,
        lease: { owner, startedAt: now.toISOString(), expiresAt: new Date(now.getTime() + ttlMs).toISOString() },
      };
      const client = await table();
      const pk = partitionOf(orgId, connectionId);
      try {
        const written = etag
          ? await client.updateEntity(toEntity(pk, next), 'Replace', { etag })
          : await client.createEntity(toEntity(pk, next));
        return { taken: true, row: { state: next, etag: written.etag as string } };
      } catch (error) {
        const status = storageStatus(error);
        // 412: someone wrote the row since we read it; 409: someone created it first. Either way they hold it now.
        if (status === 412 || status === 409) {
          const current = await store.read(orgId, connectionId);
          if (current.state.lease) return { taken: false, lease: current.state.lease };
        }
        throw storageFailure(error, `take the sync lease of ${connectionId}`);
      }
    },
    async write(orgId, connectionId, state, etag) {
      const client = await table();
      try {
        const written = await client.updateEntity(toEntity(partitionOf(orgId, connectionId), state), 'Replace', { etag });
        return written.etag as string;
      } catch (error) {
        if (storageStatus(error) === 412 || storageStatus(error) === 404) throw lost(connectionId);
        throw storageFailure(error, `write the sync state of ${connectionId}`);
      }
    },
    async delete(orgId, connectionId) {
      const client = await table();
      try {
        await client.deleteEntity(partitionOf(orgId, connectionId), SYNC_ROW_KEY);
      } catch (error) {
        if (storageStatus(error) !== 404) throw storageFailure(error, `delete the sync state of ${connectionId}`);
      }
    },
  };
  return store;
}
