/**
 * Directory connections (an org links its Microsoft 365 or Google Workspace directory) and the
 * synced copy of that directory. The contract between the three parts of this folder:
 * - connections (connections.ts, service, API): who is linked, how, and the secrets' references;
 * - sync (sync/): reads the provider through a `DirectoryAccess` and writes the synced copy;
 * - reading (reader.ts): the users / groups / members APIs and group sends, from the synced copy only.
 *
 * Tables (shared/store/names.ts): `directoryconnections` (PK orgId, RK connection id) and
 * `directory` (PK `${orgId}~${connectionId}`: one partition per connection, so a page is written in
 * Table batch transactions of at most 100 entities, and deleting a connection's copy is a partition scan).
 */
import type { ErrorCode } from '../errors';

export type DirectoryProvider = 'microsoft' | 'google';
/** microsoft: `delegated` (an admin's refresh token) or `application` (admin consent of app roles); google: `oauth` or `service_account` (domain-wide delegation). */
export type DirectoryMode = 'delegated' | 'application' | 'oauth' | 'service_account';
export type ConnectionStatus = 'connecting' | 'active' | 'needs_attention';

export const DIRECTORY_MODES: Record<DirectoryProvider, readonly DirectoryMode[]> = {
  microsoft: ['delegated', 'application'],
  google: ['oauth', 'service_account'],
};

/** Connection ids are generated (`dc` + 10 lowercase base32 characters); a name is what people see. */
export const CONNECTION_ID_PATTERN = /^dc[a-z2-7]{10}$/;
/** 1-64 printable characters, no control characters (checked after trimming). */
export const CONNECTION_NAME_PATTERN = /^[^\p{Cc}\p{Cf}\u2028\u2029]{1,64}$/u;
export const MAX_CONNECTIONS_PER_ORG = 10;

export interface DirectoryError {
  code: ErrorCode;
  message: string;
  hint: string;
  at: string;
}

export interface DirectoryConnection {
  orgId: string;
  id: string;
  name: string;
  provider: DirectoryProvider;
  mode: DirectoryMode;
  status: ConnectionStatus;
  /** Microsoft: the tenant proven by a verified sign-in (never a query parameter). */
  tenantId?: string;
  /** Google: the Workspace domain; `service_account`: the admin it impersonates. */
  domain?: string;
  adminEmail?: string;
  consentedBy?: { oid?: string; username: string };
  /** purpose -> Key Vault secret NAME (never a value). */
  secretRefs: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  lastError?: DirectoryError;
}

/** Per-connection sync bookkeeping, a row of its own in `directory` (RK `sync`), written by the sync. */
export interface DirectorySyncState {
  /** A running sync's lease: who, since when, until when (ISO). Another sync while it holds answers 409. */
  lease?: { owner: string; startedAt: string; expiresAt: string };
  lastSyncAt?: string;
  lastSyncOutcome?: 'ok' | 'failed';
  lastSyncKind?: 'full' | 'delta';
  counts?: { users: number; groups: number };
  /**
   * Completed syncs so far. Event ids carry the generation the sync runs as, so a re-run of a sync that
   * failed midway gives its events the same ids (receivers de-duplicate) and a later sync new ones.
   */
  generation?: number;
  /** Microsoft: the saved `@odata.deltaLink` of each delta query. */
  deltaLinks?: { users?: string; groups?: string };
  lastError?: DirectoryError;
  /** A sync under way: where it stands after its last saved page (shared/directory/sync/progress.ts). */
  progress?: SyncProgress;
}

/** The phases of a sync, in order: Microsoft reads users then groups; Google users, groups, then members; a full listing ends with the sweep. */
export type SyncPhase = 'users' | 'groups' | 'members' | 'sweep';

/**
 * The position of a sync that runs over several queue invocations, saved in the sync row after each
 * page, so a crash or a redelivery resumes from the last saved page.
 */
export interface SyncProgress {
  /** The generation this sync runs as (its events' ids carry it). */
  generation: number;
  kind: 'full' | 'delta';
  phase: SyncPhase;
  /** Pages saved so far in this phase (names the page's seen-log row). */
  page: number;
  /** Graph: the nextLink (or first URL) to read next; Google: the users/groups pageToken. Absent: start the phase. */
  next?: string;
  /** Google members: the groups (in the order the groups listing gave them) whose members are done. */
  groupsDone?: number;
  /** Microsoft: the deltaLink of each resource whose round has ended. */
  deltaLinks?: { users?: string; groups?: string };
  /** The lease owner (the request) and how many hand-offs it has made: a message of an earlier step is stale. */
  owner: string;
  step: number;
  /** The invocation running it now and until when it may (the host's functionTimeout ends it by then). */
  runner?: string;
  runUntil?: string;
  /** Queue invocations this sync has taken so far (the bench's figure). */
  invocations: number;
}

export interface DirectoryUser {
  id: string;
  mail?: string;
  displayName: string;
  jobTitle?: string;
  department?: string;
  enabled: boolean;
}

export interface DirectoryGroup {
  id: string;
  mail?: string;
  name: string;
}

/** A direct member of a group: a user or a group (nested). */
export interface DirectoryMember {
  id: string;
  kind: 'user' | 'group';
}

/**
 * How the sync reaches one connection's directory. Built by the connection service from the
 * connection's mode and secrets; the sync never sees a secret, only tokens, and never branches on mode.
 */
export interface DirectoryAccess {
  provider: DirectoryProvider;
  /** A bearer token for Graph (microsoft) or the Admin SDK (google). Throws a classified MailerError. */
  accessToken(signal?: AbortSignal): Promise<string>;
  /** Google: the `customer` to list (`my_customer` for the admin's own account). */
  customer?: string;
  /** Google: whose Cloud project the Admin SDK calls go through (oauth: the platform's; service_account: the customer's), so an error names who can fix it. */
  googleProject?: 'platform' | 'customer';
}

/** What the sync needs from the connections part. */
export interface ConnectionsForSync {
  get(orgId: string, id: string): Promise<DirectoryConnection | undefined>;
  /** Every `active` connection of every org (the timer's work list). */
  listActive(): Promise<DirectoryConnection[]>;
  access(connection: DirectoryConnection): DirectoryAccess;
  /** A sync failed on the connection's credentials or permissions: status -> needs_attention with the error. */
  markNeedsAttention(orgId: string, id: string, error: DirectoryError): Promise<void>;
  /** A sync succeeded after needs_attention / connecting: status -> active, error cleared. */
  markActive(orgId: string, id: string): Promise<void>;
}

/**
 * What the connections need from a connection's synced copy: its sync state (shown with the
 * connection) and its removal (with the connection). Built from the copy's tables, below both the
 * connections and the sync, so neither has to reach the other.
 */
export interface SyncedCopy {
  /** The sync's bookkeeping row of a connection (dirsync); empty until its first sync. */
  syncState(orgId: string, connectionId: string): Promise<DirectorySyncState>;
  /** Deletes the connection's synced rows and its sync row. */
  remove(orgId: string, connectionId: string): Promise<void>;
}

/** What group sends and the reading API need from the synced copy. */
export interface DirectoryReader {
  /** A group by id or mail (case-insensitive) in the named connection, or in any of the org's connections. */
  findGroup(orgId: string, ref: string, connectionId?: string): Promise<{ connectionId: string; group: DirectoryGroup } | undefined>;
  /**
   * Every user reachable from the group through nested groups, each once; cycles are safe.
   * Stops with DIRECTORY_GROUP_TOO_LARGE past `limit` users.
   */
  transitiveUsers(orgId: string, connectionId: string, groupId: string, limit: number): Promise<DirectoryUser[]>;
}

/**
 * The Admin SDK `customer` of a Google connection: `my_customer`, the customer of the admin the
 * token acts for (https://developers.google.com/workspace/admin/directory/reference/rest/v1/users/list).
 */
export const MY_CUSTOMER = 'my_customer';
