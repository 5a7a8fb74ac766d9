/**
 * The one interface every directory provider's sync implements, and what the engine hands it. The
 * engine (engine.ts) picks the implementation from a table by provider (sources.ts): no provider
 * test anywhere else.
 */
import type { ThrottleBound } from '../../providers/throttleWait';
import type { DirectoryAccess, SyncProgress } from '../../model/directory';
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
  endpoints: SyncEndpoints;
  /** Where the sync stands (saved after the last page); the source advances from it. */
  progress: SyncProgress;
  /** Microsoft: the delta links the previous sync saved (a delta round starts from them). */
  deltaLinks?: { users?: string; groups?: string };
  /** This invocation's writer of the synced copy, for `progress.kind` (`full` diffs, logs what was listed, and is swept at the end). */
  openWriter(progress: SyncProgress): Promise<CopyWriter>;
  /** Saves `progress` after a page (renewing the lease; fails if another instance took it). True: the budget is spent, hand on. */
  saved(progress: SyncProgress): Promise<boolean>;
  /** The group ids the groups phase listed, in listing order (Google's members phase). */
  listedGroups(progress: SyncProgress): Promise<string[]>;
  /** Forgets what a full listing logged so far (a restarted round). */
  forgetListed(): Promise<void>;
}

/** Where the source stopped: `done` (every page read; Microsoft: the new delta links in `progress`), or not yet (hand on). */
export interface StepResult {
  done: boolean;
  progress: SyncProgress;
}

export interface DirectorySource {
  /** Reads pages from `context.progress` on, until the end or the budget. */
  advance(context: SyncContext): Promise<StepResult>;
  /** A full round's memberships come with their groups (Graph `members@delta`), swept by the seen log; Google diffs each group's members instead. */
  sweepsMemberships: boolean;
}

/** The seen-log page name of the page after `progress` (stable, so a redone page replaces its record). */
export const pageKey = (progress: SyncProgress) => `${progress.phase}~${String(progress.page).padStart(6, '0')}`;
