/**
 * The directory sync service: who may sync when (the lease), and one run from lease to saved state.
 *
 * - `request` (POST .../sync and the timer) takes the connection's lease at once, so a second request
 *   while one is pending or running answers 409 DIRECTORY_SYNC_RUNNING with the holder's start time,
 *   and puts a message on queue `directory-sync`; the queue trigger `run`s it under that same lease.
 *   A sync runs in a queue invocation rather than behind the HTTP answer: the host gives a queue
 *   invocation its full functionTimeout and re-delivers the message if the instance dies.
 * - The lease lives in the sync row (directorySyncRow.ts), renewed between pages; a lease not renewed
 *   for LEASE_MS (a crashed instance) is taken over by the next request.
 * - A failure on the connection's credentials or permissions marks the connection needs_attention
 *   with the classified code and hint; any other failure is recorded on the sync row only.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ErrorCode, isMailerError, MailerError } from '../../errors';
import type { PlatformEventSink } from '../../events/types';
import type { DirectoryStore } from '../../store/directoryStore';
import type { DirectorySyncRowStore } from '../../store/directorySyncRow';
import type { QueueStore } from '../../store/outboxQueue';
import type { ConnectionsForSync, DirectoryConnection, DirectoryError, DirectoryProvider, DirectorySyncState } from '../model';
import { CopyWriter } from './copyWriter';
import { SOURCES } from './sources';
import type { DirectorySource, SyncEndpoints } from './types';

/** A lease not renewed for this long belongs to a sync that died; the next request takes it over. */
export const LEASE_MS = 10 * 60_000;

/** The 409 of a second sync: the running one's start time in the hint and as `runningSince`. */
export class SyncRunningError extends MailerError {
  constructor(readonly runningSince: string) {
    super('DIRECTORY_SYNC_RUNNING', `A sync of this directory connection is already running (since ${runningSince}).`, {
      hint: `A sync of this connection has been running since ${runningSince}; only one runs at a time. Wait for it to finish.`,
    });
  }
  override toJSON() {
    return { ...super.toJSON(), runningSince: this.runningSince };
  }
}

export interface DirectorySyncDeps {
  store: DirectoryStore;
  rows: DirectorySyncRowStore;
  connections: ConnectionsForSync;
  events: PlatformEventSink;
  /** Queue `directory-sync`. */
  queue: QueueStore;
  endpoints: SyncEndpoints;
  intervalMs: number;
  sources?: Readonly<Record<DirectoryProvider, DirectorySource>>;
  clock?: () => Date;
  log?: (line: string) => void;
}

export interface SyncOutcome {
  outcome: 'ok' | 'failed' | 'skipped';
  kind?: 'full' | 'delta';
  counts?: { users: number; groups: number };
  error?: DirectoryError;
  /** Table operations the copy's writes took (the bench's figure). */
  operations?: number;
}

export interface DirectorySyncService {
  /** Takes the lease and queues the sync; SyncRunningError (409) while one holds it. */
  request(orgId: string, connectionId: string): Promise<{ sync: { startedAt: string; kind: 'full' | 'delta' } }>;
  /** The queue trigger: runs the sync a `request` queued. */
  run(message: unknown): Promise<SyncOutcome>;
  /** Takes the lease and runs here and now (tests, the bench); SyncRunningError while one holds it. */
  runNow(orgId: string, connectionId: string): Promise<SyncOutcome>;
  /** The timer: requests a sync of every active connection whose last sync is older than the interval. */
  tick(): Promise<number>;
  status(orgId: string, connectionId: string): Promise<DirectorySyncState>;
  /** The connection was deleted: its synced rows and sync row go. */
  removeCopy(orgId: string, connectionId: string): Promise<void>;
}

const messageSchema = z.object({ orgId: z.string().min(1), connectionId: z.string().min(1), owner: z.string().min(1) });

/** Codes that an admin must fix on the connection (consent, admin rights, API switched off, sign-in). */
const ATTENTION_CATEGORIES = new Set(['auth', 'permission']);
const ATTENTION_CODES = new Set<ErrorCode>(['DIRECTORY_API_DISABLED']);

export function createDirectorySyncService(deps: DirectorySyncDeps): DirectorySyncService {
  const clock = deps.clock ?? (() => new Date());
  const sources = deps.sources ?? SOURCES;
  const log = deps.log ?? (() => undefined);

  async function take(orgId: string, connectionId: string, owner: string) {
    const lease = await deps.rows.takeLease(orgId, connectionId, owner, LEASE_MS, clock());
    if (!lease.taken) throw new SyncRunningError(lease.lease.startedAt);
    return lease.row;
  }

  async function connectionOf(orgId: string, connectionId: string): Promise<DirectoryConnection> {
    const connection = await deps.connections.get(orgId, connectionId);
    if (!connection) throw new MailerError('DIRECTORY_CONNECTION_NOT_FOUND', `No directory connection ${connectionId} in ${orgId}.`);
    return connection;
  }

  async function execute(connection: DirectoryConnection, row: { state: DirectorySyncState; etag: string }): Promise<SyncOutcome> {
    const { orgId, id: connectionId } = connection;
    let { etag } = row;
    const start = row.state;
    const generation = (start.generation ?? 0) + 1;
    const renew = async (state: DirectorySyncState) => {
      etag = await deps.rows.write(orgId, connectionId, state, etag);
    };
    const heartbeat = () => renew({ ...start, lease: { ...start.lease!, expiresAt: new Date(clock().getTime() + LEASE_MS).toISOString() } });
    try {
      const result = await sources[connection.provider].sync({
        orgId,
        connectionId,
        access: deps.connections.access(connection),
        state: start,
        endpoints: deps.endpoints,
        heartbeat,
        openWriter: (mode) =>
          CopyWriter.open({
            store: deps.store,
            events: deps.events,
            scope: { orgId, connectionId, generation, at: clock().toISOString() },
            mode,
            // The first sync of a connection announces nobody (README "Directory sync").
            emit: (start.generation ?? 0) > 0,
            counts: start.counts,
          }),
      });
      await result.writer.sweep();
      const counts = result.writer.totals;
      await renew({ generation, lastSyncAt: clock().toISOString(), lastSyncOutcome: 'ok', lastSyncKind: result.kind, counts, ...(result.deltaLinks ? { deltaLinks: result.deltaLinks } : {}) });
      if (connection.status !== 'active') await deps.connections.markActive(orgId, connectionId);
      log(`directory sync ${orgId}/${connectionId}: ok ${result.kind} users=${counts.users} groups=${counts.groups}`);
      return { outcome: 'ok', kind: result.kind, counts, operations: result.writer.operations };
    } catch (failure) {
      const error = isMailerError(failure) ? failure : new MailerError('INTERNAL', 'The directory sync failed unexpectedly.', { cause: failure });
      const lastError: DirectoryError = { code: error.code, message: error.message, hint: error.hint, at: clock().toISOString() };
      log(`directory sync ${orgId}/${connectionId}: failed ${error.code}`);
      // Lost lease: the newer holder owns the row now; write nothing.
      if (error.code === 'CONCURRENT_UPDATE') return { outcome: 'failed', error: lastError };
      const { lease: _released, ...kept } = start;
      await renew({ ...kept, lastSyncAt: lastError.at, lastSyncOutcome: 'failed', lastError }).catch(() => undefined);
      if (ATTENTION_CATEGORIES.has(error.category) || ATTENTION_CODES.has(error.code)) await deps.connections.markNeedsAttention(orgId, connectionId, lastError);
      if (error.code === 'INTERNAL') throw failure;
      return { outcome: 'failed', error: lastError };
    }
  }

  const service: DirectorySyncService = {
    async request(orgId, connectionId) {
      await connectionOf(orgId, connectionId);
      const owner = randomUUID();
      const row = await take(orgId, connectionId, owner);
      await deps.queue.send({ orgId, connectionId, owner });
      return { sync: { startedAt: row.state.lease!.startedAt, kind: row.state.deltaLinks?.users ? 'delta' : 'full' } };
    },
    async run(message) {
      const parsed = messageSchema.safeParse(message);
      if (!parsed.success) return { outcome: 'skipped' };
      const { orgId, connectionId, owner } = parsed.data;
      const connection = await deps.connections.get(orgId, connectionId);
      if (!connection) return { outcome: 'skipped' };
      try {
        return await execute(connection, await take(orgId, connectionId, owner));
      } catch (error) {
        // Another request's lease: that one runs; this message is done.
        if (error instanceof SyncRunningError) return { outcome: 'skipped' };
        throw error;
      }
    },
    async runNow(orgId, connectionId) {
      const connection = await connectionOf(orgId, connectionId);
      return execute(connection, await take(orgId, connectionId, randomUUID()));
    },
    async tick() {
      const now = clock().getTime();
      let requested = 0;
      for (const connection of await deps.connections.listActive()) {
        const { state } = await deps.rows.read(connection.orgId, connection.id);
        if (state.lastSyncAt && now - Date.parse(state.lastSyncAt) < deps.intervalMs) continue;
        try {
          await service.request(connection.orgId, connection.id);
          requested++;
        } catch (error) {
          if (!(error instanceof SyncRunningError)) throw error;
        }
      }
      return requested;
    },
    async status(orgId, connectionId) {
      return (await deps.rows.read(orgId, connectionId)).state;
    },
    async removeCopy(orgId, connectionId) {
      await deps.store.deletePartition(orgId, connectionId);
    },
  };
  return service;
}
