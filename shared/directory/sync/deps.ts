/** What the sync service and each of its invocations are built from, and what a run reports. */
import type { PlatformEventSink } from '../../events/types';
import type { DirectoryStore } from '../../store/directoryStore';
import type { DirectorySyncRowStore } from '../../store/directorySyncRow';
import type { QueueStore } from '../../store/outboxQueue';
import type { DirectorySeenLog } from '../../store/directorySeenLog';
import type { ConnectionsForSync, DirectoryError, DirectoryProvider } from '../../model/directory';
import type { SyncBudget } from './progress';
import type { DirectorySource, SyncEndpoints } from './types';

export interface DirectorySyncDeps {
  store: DirectoryStore;
  rows: DirectorySyncRowStore;
  connections: ConnectionsForSync;
  events: PlatformEventSink;
  /** The seen log of full listings (shared/store/directorySeenLog.ts). */
  seen: DirectorySeenLog;
  /** Queue `directory-sync`. */
  queue: QueueStore;
  /** DIRECTORY_SYNC_BUDGET_SECONDS: how long one invocation reads pages before it hands on. */
  budgetMs: number;
  /** Replaces the time budget (tests: a page count). */
  budget?: () => SyncBudget;
  endpoints: SyncEndpoints;
  intervalMs: number;
  sources?: Readonly<Record<DirectoryProvider, DirectorySource>>;
  /** The composition root's clock (tests: their own). */
  clock: () => Date;
  log?: (line: string) => void;
}

export interface SyncOutcome {
  /** `continued`: handed on to a new message; `deferred`: another invocation runs it, the message comes back later. */
  outcome: 'ok' | 'failed' | 'skipped' | 'continued' | 'deferred';
  kind?: 'full' | 'delta';
  counts?: { users: number; groups: number };
  error?: DirectoryError;
  /** Table operations the last invocation's writes took. */
  operations?: number;
  /** Queue invocations the whole sync took (the bench's figure). */
  invocations?: number;
}
