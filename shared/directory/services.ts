/**
 * The directory capability (docs/directory.md), built once by the composition root
 * (shared/services.ts) in the order its parts stand on each other: the synced copy's tables, the
 * connections (which show and delete a copy through those tables), then the reader and the sync
 * (which reads the connections). Each part gets what it needs handed down; none reaches back up.
 */
import type { Config } from '../config';
import type { ConsentService } from '../consent/service';
import type { PlatformEventSink } from '../events/types';
import type { ProviderContext } from '../providers/module';
import { createDirectoryConnectionStore } from '../store/directoryConnectionStore';
import type { QueueStore } from '../store/outboxQueue';
import type { StorageClients } from '../store/storageClients';
import { createDirectoryConnectionServices, type DirectoryConnectionServices } from './connections';
import {
  createDirectoryCopyServices,
  createDirectoryCopyTables,
  syncedCopyOf,
  type DirectoryCopyServices,
  type DirectoryCopyTables,
} from './copyServices';

export type DirectoryServices = DirectoryConnectionServices & DirectoryCopyTables & DirectoryCopyServices;

export interface DirectoryInputs {
  config: Readonly<Config>;
  storage: StorageClients;
  /** The provider context the connections' checks and the sync's access tokens use. */
  context: ProviderContext;
  consent: ConsentService;
  events: PlatformEventSink;
  /** Queue `directory-sync`. */
  syncQueue: QueueStore;
  /** The composition root's clock. */
  clock: () => number;
}

export function createDirectoryServices(inputs: DirectoryInputs): DirectoryServices {
  const { config, storage } = inputs;
  const now = () => new Date(inputs.clock());
  const tables = createDirectoryCopyTables(storage);
  const { connections, forSync } = createDirectoryConnectionServices({
    store: createDirectoryConnectionStore(storage),
    consent: inputs.consent,
    context: inputs.context,
    copy: syncedCopyOf(tables),
    now,
  });
  const { reader, sync } = createDirectoryCopyServices({
    config,
    storage,
    tables,
    events: inputs.events,
    syncQueue: inputs.syncQueue,
    connections: forSync,
    clock: now,
  });
  return { connections, forSync, store: tables.store, syncRows: tables.syncRows, reader, sync };
}
