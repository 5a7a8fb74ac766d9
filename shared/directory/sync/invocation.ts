/**
 * One invocation of a sync: from a claimed sync row to the next saved page, a hand-off, the end, or
 * a recorded failure.
 * - Pages are read from the saved position; after each one the position is saved (conditional on the
 *   row's ETag: an invocation that lost the row stops at its next save) and the budget is asked.
 * - Budget spent: the next step's message is sent first, then the row says that step continues; a
 *   death in between leaves both messages, and `admit` (progress.ts) lets only one run.
 * - The end: a full listing's sweep (what no page listed is gone), the counts from the copy, the
 *   final state (next generation, no lease, no position), then the seen log is cleared.
 * - A classified failure ends the sync (recorded on the row; credential and permission failures mark
 *   the connection); an unexpected one releases the position and is thrown, so the host redelivers
 *   the message and the sync resumes from its last saved page.
 */
import { isMailerError, MailerError, type ErrorCode } from '../../errors';
import type { DirectoryConnection, DirectoryError, DirectorySyncState, SyncProgress } from '../model';
import { CopyWriter } from './copyWriter';
import { handedOn, released, type SyncBudget } from './progress';
import type { DirectorySyncDeps, SyncOutcome } from './deps';
import type { DirectorySource, SyncContext } from './types';

/** A lease not renewed for this long belongs to a sync that died; the next request takes it over. */
export const LEASE_MS = 10 * 60_000;

/** Codes that an admin must fix on the connection (consent, admin rights, API switched off, sign-in). */
const ATTENTION_CATEGORIES = new Set(['auth', 'permission']);
const ATTENTION_CODES = new Set<ErrorCode>(['DIRECTORY_API_DISABLED']);

export interface ClaimedRow {
  state: DirectorySyncState & { progress: SyncProgress };
  etag: string;
}

export function createInvocation(deps: DirectorySyncDeps & { clock: () => Date; log: (line: string) => void; sources: Readonly<Record<string, DirectorySource>> }) {
  const { clock, log } = deps;

  return async function execute(connection: DirectoryConnection, row: ClaimedRow, budget: SyncBudget): Promise<SyncOutcome> {
    const { orgId, id: connectionId } = connection;
    const base = row.state;
    let { etag } = row;
    let progress = row.state.progress;
    const write = async (state: DirectorySyncState) => {
      etag = await deps.rows.write(orgId, connectionId, state, etag);
    };
    const save = (next: SyncProgress) => write({ ...base, lease: { ...base.lease!, expiresAt: new Date(clock().getTime() + LEASE_MS).toISOString() }, progress: next });
    const source = deps.sources[connection.provider];
    const openWriter = async (at: SyncProgress) =>
      new CopyWriter({
        store: deps.store,
        events: deps.events,
        scope: { orgId, connectionId, generation: at.generation, at: clock().toISOString() },
        mode: at.kind,
        // The first sync of a connection announces nobody (README "Directory sync").
        emit: at.generation > 1,
        logListed: (page, keys) => deps.seen.append(orgId, connectionId, at.generation, page, keys),
      });
    const context: SyncContext = {
      orgId,
      connectionId,
      access: deps.connections.access(connection),
      endpoints: deps.endpoints,
      progress,
      deltaLinks: base.deltaLinks,
      openWriter,
      saved: async (next) => {
        progress = next;
        await save(next);
        return budget.spent();
      },
      listedGroups: async (at) => (await deps.seen.read(orgId, connectionId, at.generation, 'groups')).filter((k) => k.startsWith('g')).map((k) => k.slice(1)),
      forgetListed: () => deps.seen.clear(orgId, connectionId),
    };
    try {
      if (progress.phase !== 'sweep') {
        const result = await source.advance(context);
        progress = result.progress;
        if (!result.done) {
          await deps.queue.send({ orgId, connectionId, owner: progress.owner, step: progress.step + 1 });
          await save(handedOn(progress));
          log(`directory sync ${orgId}/${connectionId}: handed on at ${progress.phase} page ${progress.page}`);
          return { outcome: 'continued', kind: progress.kind };
        }
        await save(progress);
      }
      const writer = await openWriter(progress);
      if (progress.kind === 'full') await writer.sweep(new Set(await deps.seen.read(orgId, connectionId, progress.generation)), source.sweepsMemberships);
      const [users, groups] = await Promise.all([deps.store.count(orgId, connectionId, 'user'), deps.store.count(orgId, connectionId, 'group')]);
      const counts = { users, groups };
      const deltaLinks = progress.deltaLinks ?? base.deltaLinks;
      await write({ generation: progress.generation, lastSyncAt: clock().toISOString(), lastSyncOutcome: 'ok', lastSyncKind: progress.kind, counts, ...(deltaLinks ? { deltaLinks } : {}) });
      await deps.seen.clear(orgId, connectionId).catch(() => undefined); // the next sync clears it too
      if (connection.status !== 'active') await deps.connections.markActive(orgId, connectionId);
      log(`directory sync ${orgId}/${connectionId}: ok ${progress.kind} users=${users} groups=${groups} invocations=${progress.invocations}`);
      return { outcome: 'ok', kind: progress.kind, counts, operations: writer.operations, invocations: progress.invocations };
    } catch (failure) {
      return failed(failure);
    }

    async function failed(failure: unknown): Promise<SyncOutcome> {
      const error = isMailerError(failure) ? failure : new MailerError('INTERNAL', 'The directory sync failed unexpectedly.', { cause: failure });
      const lastError: DirectoryError = { code: error.code, message: error.message, hint: error.hint, at: clock().toISOString() };
      log(`directory sync ${orgId}/${connectionId}: failed ${error.code}`);
      // Lost lease: the newer holder owns the row now; write nothing.
      if (error.code === 'CONCURRENT_UPDATE') return { outcome: 'failed', error: lastError };
      if (error.code === 'INTERNAL') {
        await save(released(progress)).catch(() => undefined);
        throw failure;
      }
      const { lease: _released, progress: _dropped, ...kept } = base;
      await write({ ...kept, lastSyncAt: lastError.at, lastSyncOutcome: 'failed', lastError }).catch(() => undefined);
      if (ATTENTION_CATEGORIES.has(error.category) || ATTENTION_CODES.has(error.code)) await deps.connections.markNeedsAttention(orgId, connectionId, lastError);
      return { outcome: 'failed', error: lastError };
    }
  };
}
