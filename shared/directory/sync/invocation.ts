/**
 * One invocation of a sync: from a claimed sync row to the next saved page, a hand-off, the end, or
 * a recorded failure.
 * - Pages are read from the saved position; after each one the position is saved (conditional on the
 *   row's ETag: an invocation that lost the row stops at its next save) and the budget is asked.
 * - Budget spent: the next step's message is sent first, then the row says that step continues; a
 *   death in between leaves both messages, and `admit` (progress.ts) lets only one run.
 * - The end: a full listing's sweep (what no page listed is gone), the counts from the copy, the
 *   final state (next generation, no lease, no position), then the seen log is cleared.
 * - A lasting failure ends the sync (recorded on the row; credential and permission failures mark
 *   the connection); an unexpected one, or in a queue invocation a passing one (retryable: Storage or
 *   a provider unavailable, throttling beyond the bound), releases the position and is thrown, so the
 *   host redelivers the message (up to maxDequeueCount, host.json) and the sync resumes from its last saved page.
 */
import { isMailerError, MailerError, type ErrorCode } from '../../errors';
import type { DirectoryConnection, DirectoryError, DirectorySyncState, SyncProgress } from '../../model/directory';
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

type InvocationDeps = DirectorySyncDeps & {
  clock: () => Date;
  log: (line: string) => void;
  sources: Readonly<Record<string, DirectorySource>>;
};

/** One invocation's hold on the sync row: its ETag, the state it claimed, and the position saved last. */
class Invocation {
  private readonly orgId: string;
  private readonly connectionId: string;
  private readonly base: DirectorySyncState;
  private etag: string;
  private progress: SyncProgress;

  /** `redeliverable`: a queue invocation, whose message the host delivers again when it throws. */
  constructor(
    private readonly deps: InvocationDeps,
    private readonly connection: DirectoryConnection,
    row: ClaimedRow,
    private readonly redeliverable: boolean,
  ) {
    this.orgId = connection.orgId;
    this.connectionId = connection.id;
    this.base = row.state;
    this.etag = row.etag;
    this.progress = row.state.progress;
  }

  private async write(state: DirectorySyncState): Promise<void> {
    this.etag = await this.deps.rows.write(this.orgId, this.connectionId, state, this.etag);
  }

  /** The position after a page, with the lease renewed. */
  private async save(next: SyncProgress): Promise<void> {
    this.progress = next;
    await this.write({
      ...this.base,
      lease: { ...this.base.lease!, expiresAt: new Date(this.deps.clock().getTime() + LEASE_MS).toISOString() },
      progress: next,
    });
  }

  private openWriter = async (at: SyncProgress) =>
    new CopyWriter({
      store: this.deps.store,
      events: this.deps.events,
      scope: { orgId: this.orgId, connectionId: this.connectionId, generation: at.generation, at: this.deps.clock().toISOString() },
      mode: at.kind,
      // The first sync of a connection announces nobody (docs/directory.md, "Directory sync").
      emit: at.generation > 1,
      logListed: (page, keys) => this.deps.seen.append(this.orgId, this.connectionId, at.generation, page, keys),
    });

  private context(budget: SyncBudget): SyncContext {
    const { deps, orgId, connectionId } = this;
    return {
      orgId,
      connectionId,
      access: deps.connections.access(this.connection),
      endpoints: deps.endpoints,
      progress: this.progress,
      deltaLinks: this.base.deltaLinks,
      openWriter: this.openWriter,
      saved: async (next) => {
        await this.save(next);
        return budget.spent();
      },
      listedGroups: async (at) =>
        (await deps.seen.read(orgId, connectionId, at.generation, 'groups')).filter((k) => k.startsWith('g')).map((k) => k.slice(1)),
      forgetListed: () => deps.seen.clear(orgId, connectionId),
    };
  }

  async run(budget: SyncBudget): Promise<SyncOutcome> {
    try {
      if (this.progress.phase !== 'sweep') {
        const result = await this.deps.sources[this.connection.provider].advance(this.context(budget));
        if (!result.done) return await this.handOn(result.progress);
        await this.save(result.progress);
      }
      return await this.finish();
    } catch (failure) {
      return this.failed(failure);
    }
  }

  /** The next step's message first, then the row names that step: a death in between leaves two messages, and `admit` lets one run. */
  private async handOn(at: SyncProgress): Promise<SyncOutcome> {
    const { orgId, connectionId } = this;
    await this.deps.queue.send({ orgId, connectionId, owner: at.owner, step: at.step + 1 });
    await this.save(handedOn(at));
    this.deps.log(`directory sync ${orgId}/${connectionId}: handed on at ${at.phase} page ${at.page}`);
    return { outcome: 'continued', kind: at.kind };
  }

  /** Every page read: a full listing's sweep, the counts from the copy, the final state, the seen log cleared. */
  private async finish(): Promise<SyncOutcome> {
    const { deps, orgId, connectionId, progress } = this;
    const writer = await this.openWriter(progress);
    if (progress.kind === 'full')
      await writer.sweep(
        new Set(await deps.seen.read(orgId, connectionId, progress.generation)),
        deps.sources[this.connection.provider].sweepsMemberships,
      );
    const [users, groups] = await Promise.all([
      deps.store.count(orgId, connectionId, 'user'),
      deps.store.count(orgId, connectionId, 'group'),
    ]);
    const counts = { users, groups };
    const deltaLinks = progress.deltaLinks ?? this.base.deltaLinks;
    await this.write({
      generation: progress.generation,
      lastSyncAt: deps.clock().toISOString(),
      lastSyncOutcome: 'ok',
      lastSyncKind: progress.kind,
      counts,
      ...(deltaLinks ? { deltaLinks } : {}),
    });
    await deps.seen.clear(orgId, connectionId).catch(() => undefined); // the next sync clears it too
    if (this.connection.status !== 'active') await deps.connections.markActive(orgId, connectionId);
    deps.log(
      `directory sync ${orgId}/${connectionId}: ok ${progress.kind} users=${users} groups=${groups} invocations=${progress.invocations}`,
    );
    return { outcome: 'ok', kind: progress.kind, counts, operations: writer.operations, invocations: progress.invocations };
  }

  private async failed(failure: unknown): Promise<SyncOutcome> {
    const { deps, orgId, connectionId } = this;
    const error = isMailerError(failure)
      ? failure
      : new MailerError('INTERNAL', 'The directory sync failed unexpectedly.', { cause: failure });
    const lastError: DirectoryError = { code: error.code, message: error.message, hint: error.hint, at: deps.clock().toISOString() };
    deps.log(`directory sync ${orgId}/${connectionId}: failed ${error.code}`);
    // Lost lease: the newer holder owns the row now; write nothing.
    if (error.code === 'CONCURRENT_UPDATE') return { outcome: 'failed', error: lastError };
    // Unexpected, or passing (Storage, a provider's outage) in a queue invocation: keep the position and
    // let the host redeliver the message, which resumes from the last saved page.
    if (error.code === 'INTERNAL' || (this.redeliverable && error.retryable)) {
      await this.save(released(this.progress)).catch(() => undefined);
      throw failure;
    }
    const { lease: _released, progress: _dropped, ...kept } = this.base;
    await this.write({ ...kept, lastSyncAt: lastError.at, lastSyncOutcome: 'failed', lastError }).catch(() => undefined);
    if (ATTENTION_CATEGORIES.has(error.category) || ATTENTION_CODES.has(error.code))
      await deps.connections.markNeedsAttention(orgId, connectionId, lastError);
    return { outcome: 'failed', error: lastError };
  }
}

export function createInvocation(deps: InvocationDeps) {
  return (connection: DirectoryConnection, row: ClaimedRow, budget: SyncBudget, redeliverable: boolean): Promise<SyncOutcome> =>
    new Invocation(deps, connection, row, redeliverable).run(budget);
}
