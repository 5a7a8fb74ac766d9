/**
 * The directory sync service: who may sync when (the lease), and which queue message runs it.
 *
 * - `request` (POST .../sync and the timer) takes the connection's lease at once, so a second request
 *   while one is pending or running answers 409 DIRECTORY_SYNC_RUNNING with the holder's start time,
 *   and puts a message on queue `directory-sync`; the queue trigger `run`s it under that same lease.
 *   A sync runs in queue invocations rather than behind the HTTP answer: the host gives a queue
 *   invocation its full functionTimeout and re-delivers the message if the instance dies.
 * - A sync runs page by page over as many invocations as it needs (invocation.ts): each one stops
 *   when DIRECTORY_SYNC_BUDGET_SECONDS is spent and hands on to a new message; the position is in the
 *   sync row (progress.ts). A message is claimed by one conditional write of the row (its ETag), so
 *   two deliveries never run the same sync at once.
 * - The lease lives in the sync row (directorySyncRow.ts), renewed with each saved page; a lease not
 *   renewed for LEASE_MS (a crashed instance) is taken over by the next request, which resumes.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { isMailerError, MailerError } from '../../errors';
import type { DirectoryConnection, DirectorySyncState } from '../../model/directory';
import { SOURCES } from './sources';
import { createInvocation, LEASE_MS, type ClaimedRow } from './invocation';
import { admit, claim, startProgress, timeBudget, UNLIMITED_BUDGET, type SyncMessage } from './progress';
import type { DirectorySyncDeps, SyncOutcome } from './deps';

export type { DirectorySyncDeps, SyncOutcome };

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

export interface DirectorySyncService {
  /** Takes the lease and queues the sync; SyncRunningError (409) while one holds it. */
  request(orgId: string, connectionId: string): Promise<{ sync: { startedAt: string; kind: 'full' | 'delta' } }>;
  /** The queue trigger: runs the sync a `request` queued, from its saved position, until done or the budget is spent. */
  run(message: unknown): Promise<SyncOutcome>;
  /** Takes the lease and runs the whole sync here and now (tests, the bench); SyncRunningError while one holds it. */
  runNow(orgId: string, connectionId: string): Promise<SyncOutcome>;
  /** The timer: requests a sync of every active connection whose last sync is older than the interval. */
  tick(): Promise<number>;
  status(orgId: string, connectionId: string): Promise<DirectorySyncState>;
}

const messageSchema = z.object({
  orgId: z.string().min(1),
  connectionId: z.string().min(1),
  owner: z.string().min(1),
  step: z.number().int().min(0).default(0),
});

export function createDirectorySyncService(deps: DirectorySyncDeps): DirectorySyncService {
  const { clock } = deps;
  const log = deps.log ?? (() => undefined);
  const execute = createInvocation({ ...deps, clock, log, sources: deps.sources ?? SOURCES });
  const budget = deps.budget ?? (() => timeBudget(deps.budgetMs, clock));

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

  /**
   * The message's claim on the sync, in one write conditional on the row's ETag: a second delivery
   * that read the same row loses with CONCURRENT_UPDATE. Undefined: the message has nothing to run.
   */
  async function claimRow(message: SyncMessage, row: { state: DirectorySyncState; etag?: string }): Promise<ClaimedRow | undefined> {
    const now = clock();
    const { lease } = row.state;
    if (!row.etag || !lease || (lease.owner !== message.owner && Date.parse(lease.expiresAt) > now.getTime())) return undefined;
    const progress = claim(row.state.progress ?? startProgress(row.state, message.owner, message.step), message, randomUUID(), now);
    const state = {
      ...row.state,
      lease: { ...lease, owner: message.owner, expiresAt: new Date(now.getTime() + LEASE_MS).toISOString() },
      progress,
    };
    let etag: string;
    try {
      etag = await deps.rows.write(message.orgId, message.connectionId, state, row.etag);
    } catch (error) {
      if (isMailerError(error) && error.code === 'CONCURRENT_UPDATE') return undefined;
      throw error;
    }
    // A new sync: what an earlier, abandoned one logged must not count as listed. Only after the claim
    // is won, so a losing duplicate never touches the winner's log.
    if (!row.state.progress) await deps.seen.clear(message.orgId, message.connectionId);
    return { state, etag };
  }

  const service: DirectorySyncService = {
    async request(orgId, connectionId) {
      const connection = await connectionOf(orgId, connectionId);
      // Before its consent completes a connection holds no credential: a sync could only fail later.
      if (connection.status === 'connecting') {
        throw new MailerError(
          'DIRECTORY_CONNECTION_NOT_READY',
          `Directory connection ${connectionId} is still waiting for its consent; there is nothing to sync yet.`,
        );
      }
      const owner = randomUUID();
      const row = await take(orgId, connectionId, owner);
      await deps.queue.send({ orgId, connectionId, owner, step: 0 });
      return { sync: { startedAt: row.state.lease!.startedAt, kind: row.state.deltaLinks?.users ? 'delta' : 'full' } };
    },
    async run(input) {
      const parsed = messageSchema.safeParse(input);
      if (!parsed.success) return { outcome: 'skipped' };
      const message = parsed.data;
      const connection = await deps.connections.get(message.orgId, message.connectionId);
      if (!connection) return { outcome: 'skipped' };
      const row = await deps.rows.read(message.orgId, message.connectionId);
      const admission = admit(row.state.progress, message, clock());
      if (admission.action === 'stale') return { outcome: 'skipped' };
      if (admission.action === 'wait') {
        // Another invocation holds it (or died holding it): look again once its time is up.
        await deps.queue.send(message, { visibilityDelaySeconds: Math.ceil((admission.until.getTime() - clock().getTime()) / 1000) });
        return { outcome: 'deferred' };
      }
      const claimed = await claimRow(message, row);
      return claimed ? execute(connection, claimed, budget(), true) : { outcome: 'skipped' };
    },
    async runNow(orgId, connectionId) {
      const connection = await connectionOf(orgId, connectionId);
      const owner = randomUUID();
      const claimed = await claimRow({ orgId, connectionId, owner, step: 0 }, await take(orgId, connectionId, owner));
      if (!claimed)
        throw new MailerError('CONCURRENT_UPDATE', `The sync of directory connection ${connectionId} was taken by another instance.`);
      return execute(connection, claimed, UNLIMITED_BUDGET, false);
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
  };
  return service;
}
