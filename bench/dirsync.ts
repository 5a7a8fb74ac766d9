/**
 * Benchmark 6b (`--only dirsync`): the first sync of a large Microsoft directory as the queue runs
 * it, page by page over invocations of DIRECTORY_SYNC_BUDGET_SECONDS each (shared/directory/sync).
 * The sandbox's Contoso directory is grown to `users` users and `groups` groups of
 * MEMBERS_PER_GROUP users each; the sync is requested, then each queued message is run in turn, as
 * the queue trigger would, until the sync ends. Figures: wall time, invocations, Graph requests,
 * Table operations.
 */
import { loadConfig } from '@shared/config';
import { consentedDirectoryAppToken } from '../test/integration/directory-sandbox-helpers';
import { directoryRequests, syncHarness } from '../test/integration/directory-sync-helpers';
import { sandboxControl } from '../test/support/env';
import { progress, startMeter, Usage } from './measure';

const MEMBERS_PER_GROUP = 10;
/** host.json extensions.queues.maxDequeueCount: deliveries before a message goes to poison. */
const MAX_DEQUEUE_COUNT = 5;

export interface DirsyncBenchResult {
  users: number;
  groups: number;
  memberships: number;
  budgetSeconds: number;
  usage: Usage;
  invocations: number;
  /** Invocations that threw a passing failure and were redelivered (counted in `invocations`). */
  redeliveries: number;
  graphRequests: number;
  tableOperations: number;
  counts: { users: number; groups: number };
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

export async function benchDirsync(users: number, groups: number): Promise<DirsyncBenchResult> {
  await sandboxControl('POST', 'reset');
  await sandboxControl('POST', 'directory/contoso/grow', { users });
  await sandboxControl('POST', 'directory/contoso/grow-groups', { groups, membersPerGroup: MEMBERS_PER_GROUP });
  const t = syncHarness('microsoft');
  t.token.value = await consentedDirectoryAppToken();
  await sandboxControl('DELETE', 'requests');

  progress(`dirsync: first sync of ${users} users, ${groups} groups, through the queue`);
  const meter = startMeter();
  await t.sync.request(t.orgId, t.connection.id);
  let invocations = 0;
  let last;
  let redeliveries = 0;
  while (t.queued.length) {
    const message = t.queued.shift();
    invocations++;
    try {
      last = await t.sync.run(message);
    } catch (error) {
      // As the host would: the message comes back (a passing failure; the sync resumes from its last saved page).
      if (++redeliveries > MAX_DEQUEUE_COUNT) throw error;
      progress(`dirsync: invocation ${invocations} threw (${error instanceof Error ? error.message : String(error)}), redelivered`);
      t.queued.unshift(message);
      continue;
    }
    progress(`dirsync: invocation ${invocations}: ${last.outcome}`);
    if (last.outcome === 'failed') throw new Error(`directory sync failed: ${JSON.stringify(last.error)}`);
  }
  const usage = meter.stop();
  if (last?.outcome !== 'ok' || !last.counts) throw new Error(`directory sync did not finish: ${JSON.stringify(last)}`);
  return {
    users,
    groups,
    memberships: groups * MEMBERS_PER_GROUP,
    budgetSeconds: loadConfig().directorySyncBudgetMs / 1000,
    usage,
    invocations,
    redeliveries,
    graphRequests: sum(await directoryRequests('microsoft')),
    tableOperations: t.operations.count,
    counts: last.counts,
  };
}
