/**
 * Builds the directory connections' services (API logic, the sync's ConnectionsForSync) from the
 * stores; the directory capability (shared/directory/services.ts) calls this once per process.
 */
import type { ConsentService } from '../../consent/service';
import { loadProviderModule } from '../../providers';
import type { ProviderContext } from '../../providers/module';
import type { DirectoryConnectionStore } from '../../store/directoryConnectionStore';
import type { ConnectionsForSync, SyncedCopy } from '../../model/directory';
import { createConnectionsForSync } from './forSync';
import { createDirectoryConnectionService, DirectoryConnectionService } from './service';

export type { ConnectionView } from './view';
export type { DirectoryConnectionService } from './service';

export interface DirectoryConnectionServices {
  /** The API's logic: create, list, get, delete, consent links and the consent callback's applier. */
  connections: DirectoryConnectionService;
  /** What the sync reads and marks (shared/model/directory.ts). */
  forSync: ConnectionsForSync;
}

export interface DirectoryConnectionServicesDeps {
  store: DirectoryConnectionStore;
  consent: ConsentService;
  context: ProviderContext;
  /** The synced copy's tables, built before the connections (shared/directory/copyServices.ts). */
  copy: SyncedCopy;
  /** The composition root's clock. */
  now: () => Date;
}

export function createDirectoryConnectionServices(deps: DirectoryConnectionServicesDeps): DirectoryConnectionServices {
  return {
    connections: createDirectoryConnectionService({ ...deps, loadModule: loadProviderModule }),
    forSync: createConnectionsForSync(deps.store, deps.context, deps.now),
  };
}
