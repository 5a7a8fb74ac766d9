/**
 * Builds the directory connections' services (API logic, the sync's ConnectionsForSync) from the
 * stores; `shared/services.ts` calls this once per process.
 */
import type { ConsentService } from '../../consent/service';
import { loadProviderModule } from '../../providers';
import type { ProviderContext } from '../../providers/module';
import type { DirectoryConnectionStore } from '../../store/directoryConnectionStore';
import type { ConnectionsForSync, DirectorySyncState } from '../model';
import { createConnectionsForSync } from './forSync';
import { createDirectoryConnectionService, DirectoryConnectionService } from './service';

export type { ConnectionView } from './view';
export type { DirectoryConnectionService } from './service';

export interface DirectoryConnectionServices {
  directoryConnections: DirectoryConnectionService;
  connectionsForSync: ConnectionsForSync;
}

export interface DirectoryConnectionServicesDeps {
  store: DirectoryConnectionStore;
  consent: ConsentService;
  context: ProviderContext;
  readSyncState(orgId: string, id: string): Promise<DirectorySyncState | undefined>;
  deleteSyncedCopy(orgId: string, id: string): Promise<void>;
}

export function createDirectoryConnectionServices(deps: DirectoryConnectionServicesDeps): DirectoryConnectionServices {
  return {
    directoryConnections: createDirectoryConnectionService({ ...deps, loadModule: loadProviderModule }),
    connectionsForSync: createConnectionsForSync(deps.store, deps.context),
  };
}
