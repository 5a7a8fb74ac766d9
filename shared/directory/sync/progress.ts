/**
 * Pure decisions of a sync that runs page by page over several queue invocations:
 * - which message may run it (`admit`): the sync's own latest step, never an earlier (stale) one, and
 *   never while another invocation runs it;
 * - the position a new sync starts from (`startProgress`) and what an invocation records when it
 *   takes the sync over (`claim`) or hands it on (`handedOn`);
 * - the per-invocation budget (DIRECTORY_SYNC_BUDGET_SECONDS) that decides when to hand on.
 *
 * Why a runner mark besides the lease: every message of one sync carries the same lease owner, and a
 * queue message can be delivered twice (at-least-once,
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger#poison-messages);
 * the mark keeps a second delivery from running the same sync at the same time as the first.
 */
import type { DirectorySyncState, SyncProgress } from '../../model/directory';

/**
 * How long one invocation may hold the sync: host.json's functionTimeout (5 minutes) ends an
 * invocation by then (https://learn.microsoft.com/azure/azure-functions/functions-host-json#functiontimeout),
 * plus a margin. A mark older than this belongs to an invocation that died.
 */
export const RUN_LIMIT_MS = 5.5 * 60_000;

export interface SyncMessage {
  orgId: string;
  connectionId: string;
  owner: string;
  /** Hand-offs before this message (the request's message is step 0). */
  step: number;
}

export type Admission = { action: 'run' } | { action: 'stale' } | { action: 'wait'; until: Date };

export function admit(progress: SyncProgress | undefined, message: Pick<SyncMessage, 'owner' | 'step'>, now: Date): Admission {
  if (!progress) return { action: 'run' };
  // A later step already ran (or was handed on): this is a redelivered earlier message.
  if (progress.owner === message.owner && message.step < progress.step) return { action: 'stale' };
  if (progress.runner && progress.runUntil && Date.parse(progress.runUntil) > now.getTime())
    return { action: 'wait', until: new Date(progress.runUntil) };
  return { action: 'run' };
}

/** The first position of a sync: a delta round when both delta links are saved, else a full listing. */
export function startProgress(state: DirectorySyncState, owner: string, step: number): SyncProgress {
  const kind = state.deltaLinks?.users && state.deltaLinks?.groups ? 'delta' : 'full';
  return { generation: (state.generation ?? 0) + 1, kind, phase: 'users', page: 0, owner, step, invocations: 0 };
}

/** A full round from the start, same generation (Graph's synchronization reset, 410). */
export function restartFull(progress: SyncProgress): SyncProgress {
  const { owner, step, runner, runUntil, invocations, generation } = progress;
  return { generation, kind: 'full', phase: 'users', page: 0, owner, step, runner, runUntil, invocations };
}

export function claim(progress: SyncProgress, message: Pick<SyncMessage, 'owner' | 'step'>, runner: string, now: Date): SyncProgress {
  return {
    ...progress,
    owner: message.owner,
    step: message.step,
    runner,
    runUntil: new Date(now.getTime() + RUN_LIMIT_MS).toISOString(),
    invocations: progress.invocations + 1,
  };
}

/** After the next step's message is sent: that message (and no earlier one) continues. */
export function handedOn(progress: SyncProgress): SyncProgress {
  const { runner: _runner, runUntil: _until, ...rest } = progress;
  return { ...rest, step: progress.step + 1 };
}

/** Released by an invocation that failed: the redelivered message resumes at once. */
export function released(progress: SyncProgress): SyncProgress {
  const { runner: _runner, runUntil: _until, ...rest } = progress;
  return rest;
}

/** Asked after each saved page: true when this invocation should hand the sync on. */
export interface SyncBudget {
  spent(): boolean;
}

export function timeBudget(budgetMs: number, clock: () => Date): SyncBudget {
  const start = clock().getTime();
  return { spent: () => clock().getTime() - start >= budgetMs };
}

/** `runNow` (tests, the bench's single-invocation figure): the whole sync in one call. */
export const UNLIMITED_BUDGET: SyncBudget = { spent: () => false };
