/**
 * Sending to a directory group (docs/delivery.md, "Sending to a directory group"). The worker hands a message
 * naming `{ group }` recipients here instead of to a provider, and the fan-out only calls DOWN, into
 * the enqueue path and the recorder:
 *
 *   1. expand (the first claim): claim the parent row, expand the groups from the synced copy
 *      (groupExpansion.ts), enqueue ONE copy per final recipient through the normal enqueue path
 *      (enqueue.ts: each copy reserves its own slot of the mailbox its route picks, so the mailbox's
 *      rate and concurrency hold, and is a delivery of its own with a derived, stable id), then record
 *      the parent `expanded`, due for its first rollup, and put a parent copy on the queue for it;
 *   2. roll up (each later parent copy, once due): read the copies' rows (one range query), and either
 *      record the parent's final status (groupRollup.ts) or look again later.
 *
 * Crash safety: the copies' ids derive from parent id + address, the ones that exist are skipped on
 * a re-expansion, and a copy enqueued twice is one delivery (its row insert is the duplicate check,
 * and only one queue copy can claim it). A parent whose expansion died mid-way is `sending` with a
 * lease; once that runs out, a parent copy expands again. The parent's payload is kept until the
 * parent is final, because every parent copy re-reads the message.
 */
import { randomUUID } from 'node:crypto';
import type { DirectoryReader } from '../model/directory';
import { ERROR_CODES, isMailerError } from '../errors';
import type { DeliveryRecord } from '../model/delivery';
import type { GroupSend } from '../model/group';
import type { GroupChildren } from '../store/groupChildren';
import type { Enqueuer } from './enqueue';
import type { Envelope } from './envelope';
import { retryOrFail } from './failure';
import { childId, childPrefix, Expansion, expandGroupMessage, FinalRecipient } from './groupExpansion';
import { finalOf, givenUp, nextCheckDelayMs, ROLLUP_GIVE_UP_MS, tally } from './groupRollup';
import type { Recorder } from './recorder';
import type { RetryPolicy } from './retryPolicy';
import type { Message } from './schema';
import { sentChanges, unlessLostRace } from './states';
import type { GroupStep, Outcome } from './workerTypes';

export interface GroupFanoutDeps {
  reader: DirectoryReader;
  /** DIRECTORY_GROUP_MAX_RECIPIENTS. */
  limit: number;
  children: GroupChildren;
  /** The normal enqueue path (enqueue.ts), for each copy. */
  enqueuer: Pick<Enqueuer, 'enqueue'>;
  recorder: Recorder;
  policy: RetryPolicy;
  leaseMs: number;
}

/** Copies enqueued at once: enough to keep Storage busy, few enough not to crowd other work. */
const COPY_PARALLELISM = 8;

export function createGroupFanout(deps: GroupFanoutDeps): GroupStep {
  return {
    deliver: (envelope, row, message, hash) => expand(deps, envelope, row, message, hash),
    rollUp: (envelope, row) => (row.group ? rollUp(deps, envelope, row as GroupRow) : Promise.resolve('race' as const)),
  };
}

type GroupRow = DeliveryRecord & { group: GroupSend };
const iso = (ms: number) => new Date(ms).toISOString();

/** The first claim: expand, queue one copy per recipient, record the parent `expanded`, due for its first rollup. */
async function expand(
  deps: GroupFanoutDeps,
  envelope: Envelope,
  row: DeliveryRecord,
  message: Message,
  hash: string,
): Promise<Outcome | 'race'> {
  const { recorder } = deps;
  const owner = randomUUID();
  const claimed = await unlessLostRace(() => recorder.claim(row, owner, deps.leaseMs, { contentHash: row.contentHash ?? hash }));
  if (claimed === 'race') return 'race';
  let expansion: Expansion;
  try {
    expansion = await expandGroupMessage(message, deps.reader, deps.limit);
    await makeCopies(deps, message, expansion);
  } catch (error) {
    if (!isMailerError(error)) throw error; // a bug: the host re-delivers; the lease then lets a copy take over
    return recorder.afterFailure(claimed, error, envelope, retryOrFail(claimed, error, deps.policy, recorder.clock()), owner);
  }
  const { groups, recipients, skipped } = expansion;
  const outcomes = { sent: 0, failed: 0, uncertain: 0, pending: recipients.length, reasons: {} };
  const group: GroupSend = { groups, expandedCount: recipients.length, skipped, expandedAt: iso(recorder.clock()), checks: 0, outcomes };
  const checkAt = recorder.clock() + nextCheckDelayMs(0);
  const written = await unlessLostRace(() => recorder.record(claimed, 'expanded', { group, nextAttemptAt: iso(checkAt) }, owner));
  if (written === 'race') return 'race';
  await recorder.requeue(envelope, checkAt - recorder.clock());
  return 'expanded';
}

/** One copy per recipient that has none yet, each addressed to that recipient alone. */
async function makeCopies(deps: GroupFanoutDeps, message: Message, expansion: Expansion): Promise<void> {
  const { orgId, id } = message;
  const existing = new Set((await deps.children.list(orgId, id, childPrefix(id))).map((row) => row.id));
  const { orgId: _org, ...content } = message;
  const todo = expansion.recipients.filter((r) => !existing.has(childId(id, r.address)));
  const copyOf = (r: FinalRecipient) => ({ parent: id, ...(r.member ? { member: r.member } : {}) });
  const addressed = (r: FinalRecipient) => [{ address: r.address, ...(r.name ? { name: r.name } : {}) }];
  await Promise.all(
    Array.from({ length: Math.min(COPY_PARALLELISM, todo.length) }, async () => {
      for (let r = todo.shift(); r; r = todo.shift())
        await deps.enqueuer.enqueue(orgId, { ...content, id: childId(id, r.address), to: addressed(r), cc: [], bcc: [] }, copyOf(r));
    }),
  );
}

/** A due rollup: tally the copies; record the parent's final status, or look again later (progress without an event). */
async function rollUp(deps: GroupFanoutDeps, envelope: Envelope, current: GroupRow): Promise<Outcome | 'race'> {
  const { recorder } = deps;
  const now = recorder.clock();
  const { group } = current;
  let outcomes = tally(await deps.children.list(current.orgId, current.id, childPrefix(current.id)), group.expandedCount);
  if (outcomes.pending > 0 && now - Date.parse(group.expandedAt) > ROLLUP_GIVE_UP_MS) outcomes = givenUp(outcomes);
  const next: GroupSend = { ...group, outcomes, checks: group.checks + 1 };
  if (outcomes.pending > 0) {
    const checkAt = now + nextCheckDelayMs(next.checks);
    const written = await unlessLostRace(() =>
      recorder.deliveries.transition(current, 'expanded', { group: next, nextAttemptAt: iso(checkAt) }),
    );
    if (written === 'race') return 'race';
    await recorder.requeue(envelope, checkAt - now);
    return 'deferred';
  }
  const final = finalOf(outcomes);
  const ended =
    final.status === 'sent'
      ? sentChanges(iso(now))
      : { failedAt: iso(now), code: final.code, message: final.message, hint: final.code && ERROR_CODES[final.code].hint };
  const written = await unlessLostRace(() => recorder.record(current, final.status, { group: next, ...ended }));
  if (written === 'race') return 'race';
  await recorder.dropPayload(envelope);
  return final.status;
}
