/**
 * The synced directory copy's services, built once by the composition root (shared/services.ts): the
 * store, the sync rows, the reader (reading API and group sends) and the sync service (POST sync,
 * the timer and the `directory-sync` queue trigger).
 */
import type { Config } from '../config';
import type { PlatformEventSink } from '../events/types';
import { DIRECTORY_THROTTLE_BOUND } from '../providers/throttleWait';
import { createDirectoryStore, type DirectoryStore } from '../store/directoryStore';
import { createDirectorySeenLog } from '../store/directorySeenLog';
import { createDirectorySyncRowStore, type DirectorySyncRowStore } from '../store/directorySyncRow';
import { QUEUES } from '../store/names';
import type { QueueStore } from '../store/outboxQueue';
import type { StorageClients } from '../store/storageClients';
import { createCursorCodec } from './cursor';
import type { ConnectionsForSync } from './model';
import { createDirectoryReader, type DirectoryReadService } from './reader';
import { createDirectorySyncService, type DirectorySyncService } from './sync/engine';
import type { SyncEndpoints } from './sync/types';

/** Objects per provider page: Graph delta answers up to 999 per page on request, the Admin SDK 500 (members 200). */
export const SYNC_PAGE_SIZE = 500;

export interface DirectoryCopyServices {
  directoryStore: DirectoryStore;
  directorySyncRows: DirectorySyncRowStore;
  directoryReader: DirectoryReadService;
  directorySync: DirectorySyncService;
}

export interface DirectoryCopyInputs {
  config: Readonly<Config>;
  storage: StorageClients;
  events: PlatformEventSink;
  queue: (name: string) => QueueStore;
  connections: ConnectionsForSync;
  countOperations?: (n: number) => void;
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
  const { config, storage } = inputs;
  const directoryStore = createDirectoryStore(storage, { countOperations: inputs.countOperations });
  const directorySyncRows = createDirectorySyncRowStore(storage);
  return {
    directoryStore,
    directorySyncRows,
    directoryReader: createDirectoryReader(directoryStore, createCursorCodec(config.stateSigningKey)),
    directorySync: createDirectorySyncService({
      store: directoryStore,
      rows: directorySyncRows,
      connections: inputs.connections,
      events: inputs.events,
      seen: createDirectorySeenLog(storage),
      queue: inputs.queue(QUEUES.directorySync),
      endpoints: syncEndpoints(config),
      intervalMs: config.directorySyncIntervalMs,
      budgetMs: config.directorySyncBudgetMs,
    }),
  };
}
