/**
 * The synced directory copy, in two layers so nothing reaches back: its tables (the copy and the
 * sync rows) come first, since the connections stand on them too (a connection shows its copy's sync
 * state and deletes its copy); the reader (reading API and group sends) and the sync service (POST
 * sync, the timer and the `directory-sync` queue trigger) come after the connections they read.
 */
import type { Config } from '../config';
import type { PlatformEventSink } from '../events/types';
import { DIRECTORY_THROTTLE_BOUND } from '../providers/throttleWait';
import { createDirectoryStore, type DirectoryStore } from '../store/directoryStore';
import { createDirectorySeenLog } from '../store/directorySeenLog';
import { createDirectorySyncRowStore, type DirectorySyncRowStore } from '../store/directorySyncRow';
import type { QueueStore } from '../store/outboxQueue';
import type { StorageClients } from '../store/storageClients';
import { createCursorCodec } from './cursor';
import type { ConnectionsForSync, SyncedCopy } from '../model/directory';
import { createDirectoryReader, type DirectoryReadService } from './reader';
import { createDirectorySyncService, type DirectorySyncService } from './sync/engine';
import type { SyncEndpoints } from './sync/types';

/** Objects per provider page: Graph delta answers up to 999 per page on request, the Admin SDK 500 (members 200). */
export const SYNC_PAGE_SIZE = 500;

/** The synced copy's tables: the rows (one partition per connection) and each connection's sync row in it. */
export interface DirectoryCopyTables {
  store: DirectoryStore;
  syncRows: DirectorySyncRowStore;
}

export function createDirectoryCopyTables(storage: StorageClients): DirectoryCopyTables {
  return { store: createDirectoryStore(storage), syncRows: createDirectorySyncRowStore(storage) };
}

/** The connections' view of a copy: the sync row lives in the connection's partition, so one partition delete removes both. */
export function syncedCopyOf(tables: DirectoryCopyTables): SyncedCopy {
  return {
    syncState: async (orgId, connectionId) => (await tables.syncRows.read(orgId, connectionId)).state,
    remove: async (orgId, connectionId) => void (await tables.store.deletePartition(orgId, connectionId)),
  };
}

export interface DirectoryCopyServices {
  reader: DirectoryReadService;
  sync: DirectorySyncService;
}

export interface DirectoryCopyInputs {
  config: Readonly<Config>;
  storage: StorageClients;
  tables: DirectoryCopyTables;
  events: PlatformEventSink;
  /** Queue `directory-sync`. */
  syncQueue: QueueStore;
  connections: ConnectionsForSync;
  clock: () => Date;
}

export function syncEndpoints(config: Readonly<Config>): SyncEndpoints {
  return {
    graphUrl: config.microsoft.graphUrl,
    googleAdminUrl: config.google.adminApiUrl,
    timeoutMs: config.providerCallTimeoutMs,
    throttle: DIRECTORY_THROTTLE_BOUND,
    pageSize: SYNC_PAGE_SIZE,
  };
}

export function createDirectoryCopyServices(inputs: DirectoryCopyInputs): DirectoryCopyServices {
  const { config, tables } = inputs;
  return {
    reader: createDirectoryReader(tables.store, createCursorCodec(config.stateSigningKey)),
    sync: createDirectorySyncService({
      store: tables.store,
      rows: tables.syncRows,
      connections: inputs.connections,
      events: inputs.events,
      seen: createDirectorySeenLog(inputs.storage),
      queue: inputs.syncQueue,
      endpoints: syncEndpoints(config),
      intervalMs: config.directorySyncIntervalMs,
      budgetMs: config.directorySyncBudgetMs,
      clock: inputs.clock,
    }),
  };
}
