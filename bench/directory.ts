/**
 * Benchmark 6 (bench/README.md): directory sync. The sandbox's Contoso directory is grown to
 * `users` users (all in "All staff", so the groups delta carries that many memberships too); the
 * first sync of a new connection is measured (time, Graph requests, Table operations, peak RSS
 * growth of this process; target under 100 MB for 10,000 users), then 10 changes are made in the
 * sandbox and the incremental (delta) sync's requests are counted.
 */
import { CONTOSO_DIRECTORY_USER_IDS as U, CONTOSO_GROUP_IDS as G } from '../dev/sandbox/directory-seed';
import { consentedDirectoryAppToken } from '../test/integration/directory-sandbox-helpers';
import { directoryRequests, syncHarness } from '../test/integration/directory-sync-helpers';
import { sandboxControl } from '../test/support/env';
import { progress, startMeter, Usage } from './measure';

export interface DirectoryBenchResult {
  users: number;
  /** writeMs: time spent in the copy's batch writes (Azurite), the rest is Graph paging and diffing. */
  initial: { usage: Usage; graphRequests: number; tableOperations: number; writeMs: number; kind: string };
  incremental: { changes: number; graphRequests: Record<string, number>; wallMs: number; events: number; kind: string };
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

export async function benchDirectory(users: number): Promise<DirectoryBenchResult> {
  await sandboxControl('POST', 'reset');
  await sandboxControl('POST', 'directory/contoso/grow', { users, group: G.allStaff });
  const writing = { ms: 0 };
  const t = syncHarness('microsoft', {
    store: (store) => ({
      ...store,
      apply: async (...args) => {
        const started = Date.now();
        try {
          return await store.apply(...args);
        } finally {
          writing.ms += Date.now() - started;
        }
      },
    }),
  });
  t.token.value = await consentedDirectoryAppToken();
  await sandboxControl('DELETE', 'requests');

  progress(`directory: initial sync of ${users} users`);
  const meter = startMeter();
  const first = await t.sync.runNow(t.orgId, t.connection.id);
  const usage = meter.stop();
  if (first.outcome !== 'ok') throw new Error(`initial directory sync failed: ${JSON.stringify(first.error)}`);
  const initial = {
    usage,
    graphRequests: sum(await directoryRequests('microsoft')),
    tableOperations: t.operations.count,
    writeMs: writing.ms,
    kind: first.kind ?? '?',
  };

  // 10 changes: 4 joiners, 3 changed, 2 leavers, 1 membership.
  for (let i = 0; i < 4; i++) await sandboxControl('POST', 'directory/contoso/users', { local: `joiner${i}`, displayName: `Joiner ${i}` });
  for (const id of [U.ada, U.ben, U.carla]) await sandboxControl('PATCH', `directory/contoso/users/${id}`, { jobTitle: 'Changed' });
  for (const id of [U.frank, U.grace]) await sandboxControl('DELETE', `directory/contoso/users/${id}`);
  await sandboxControl('POST', `directory/contoso/groups/${G.legal}/members`, { id: U.ben });
  await sandboxControl('DELETE', 'requests');
  progress('directory: incremental sync of 10 changes');
  const started = Date.now();
  const second = await t.sync.runNow(t.orgId, t.connection.id);
  const wallMs = Date.now() - started;
  if (second.outcome !== 'ok') throw new Error(`incremental directory sync failed: ${JSON.stringify(second.error)}`);
  return {
    users,
    initial,
    incremental: {
      changes: 10,
      graphRequests: await directoryRequests('microsoft'),
      wallMs,
      events: t.events.length,
      kind: second.kind ?? '?',
    },
  };
}
