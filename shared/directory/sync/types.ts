/**
 * The one interface every directory provider's sync implements, and what the engine hands it. The
 * engine (engine.ts) picks the implementation from a table by provider (sources.ts): no provider
 * test anywhere else.
 */
import type { ThrottleBound } from '../../providers/throttleWait';
import type { DirectoryAccess, DirectorySyncState } from '../model';
import type { CopyWriter } from './copyWriter';

export interface SyncEndpoints {
  graphUrl: string;
  googleAdminUrl: string;
  timeoutMs: number;
  throttle: ThrottleBound;
  /** Objects asked per page (Graph `odata.maxpagesize`, Admin SDK `maxResults`). */
  pageSize: number;
}

export interface SyncContext {
  orgId: string;
  connectionId: string;
  access: DirectoryAccess;
  /** The sync row as it was when the lease was taken (saved delta links, counts). */
  state: DirectorySyncState;
  endpoints: SyncEndpoints;
  /** A writer of the synced copy: `full` diffs against the stored copy and sweeps, `delta` applies changes. */
  openWriter(mode: 'full' | 'delta'): Promise<CopyWriter>;
  /** Called between pages: renews the lease (and fails the sync if another instance took it). */
  heartbeat(): Promise<void>;
}

export interface SyncResult {
  kind: 'full' | 'delta';
  /** The writer that holds the counts; the engine sweeps it (full) and saves the state. */
  writer: CopyWriter;
  /** Microsoft: the delta links to save for the next sync. */
  deltaLinks?: DirectorySyncState['deltaLinks'];
}

export interface DirectorySource {
  sync(context: SyncContext): Promise<SyncResult>;
}
