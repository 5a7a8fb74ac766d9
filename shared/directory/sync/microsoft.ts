/**
 * Microsoft 365: Graph delta queries on /users/delta and /groups/delta (with `members@delta`),
 * `$select` of only the kept fields (https://learn.microsoft.com/graph/api/user-delta,
 * https://learn.microsoft.com/graph/api/group-delta). Without saved delta links the round is a full
 * listing (the writer diffs, logs what was listed, and the engine sweeps); with them, only the changes
 * since the last sync arrive.
 *
 * Page by page: "the application continues making requests using the @odata.nextLink URL until a
 * response with an @odata.deltaLink is returned"; a saved nextLink is where a sync resumes, and the
 * deltaLink is saved for the next round only once its resource's round has ended
 * (https://learn.microsoft.com/graph/delta-query-overview#use-delta-query-to-track-changes-in-a-resource-collection).
 * After each page the position (the nextLink, or the next resource) is saved in the sync row.
 * A 410 (expired token, synchronization reset) restarts with a full round, once per invocation.
 *
 * Removed objects come as `{ id, "@removed": { reason: "changed" | "deleted" } }`: "changed" is a soft
 * delete (restorable for 30 days) and "deleted" a permanent one; for the copy both mean "gone" (a
 * restored user comes back as a change).
 */
import { GraphSyncReset } from '../../providers/microsoft/directoryErrors';
import { deltaPage, deltaStart, type GraphItem, type GraphPage } from '../../providers/microsoft/directoryGraph';
import type { DirectoryMember, SyncProgress } from '../../model/directory';
import type { CopyWriter, GroupPatch, UserPatch } from './copyWriter';
import { restartFull } from './progress';
import { pageKey, type DirectorySource, type StepResult, type SyncContext } from './types';

export const USER_SELECT = 'id,mail,displayName,jobTitle,department,accountEnabled';
export const GROUP_SELECT = 'id,mail,displayName,members';

const MEMBER_KINDS: Record<string, DirectoryMember['kind']> = { '#microsoft.graph.user': 'user', '#microsoft.graph.group': 'group' };

function present<T extends object>(item: GraphItem, fields: Record<string, string>): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [from, to] of Object.entries(fields)) {
    if (!(from in item)) continue;
    const value = item[from];
    out[to] = typeof value === 'string' || typeof value === 'boolean' ? value : null;
  }
  return out as Partial<T>;
}

const userPatch = (item: GraphItem): UserPatch => ({
  id: String(item.id),
  ...present<UserPatch>(item, { mail: 'mail', displayName: 'displayName', jobTitle: 'jobTitle', department: 'department' }),
  ...(typeof item.accountEnabled === 'boolean' ? { enabled: item.accountEnabled } : {}),
});

const groupPatch = (item: GraphItem): GroupPatch => ({
  id: String(item.id),
  ...present<GroupPatch>(item, { mail: 'mail', displayName: 'name' }),
});

async function users(item: GraphItem, writer: CopyWriter): Promise<void> {
  if (item['@removed']) await writer.removed('user', String(item.id));
  else await writer.user(userPatch(item));
}

async function groups(item: GraphItem, writer: CopyWriter): Promise<void> {
  const id = String(item.id);
  if (item['@removed']) return writer.removed('group', id);
  await writer.group(groupPatch(item));
  const members = Array.isArray(item['members@delta']) ? (item['members@delta'] as GraphItem[]) : [];
  for (const member of members) {
    const kind = MEMBER_KINDS[String(member['@odata.type'])];
    // Devices, contacts and service principals can be members too; the copy keeps users and groups.
    if (!kind || typeof member.id !== 'string') continue;
    if (member['@removed']) await writer.memberRemoved(id, member.id);
    else await writer.member(id, { id: member.id, kind });
  }
}

const RESOURCES = {
  users: { select: USER_SELECT, apply: users, then: 'groups' },
  groups: { select: GROUP_SELECT, apply: groups, then: 'sweep' },
} as const;

/** The position after `page` of the current resource: its nextLink, or the next resource with this one's deltaLink kept. */
function after(progress: SyncProgress, page: GraphPage): SyncProgress {
  if (page.nextLink) return { ...progress, page: progress.page + 1, next: page.nextLink };
  const resource = progress.phase as keyof typeof RESOURCES;
  return {
    ...progress,
    phase: RESOURCES[resource].then,
    page: 0,
    next: undefined,
    deltaLinks: { ...progress.deltaLinks, [resource]: page.deltaLink },
  };
}

/** Pages from `progress` on; throws GraphSyncReset on a 410. */
async function pages(context: SyncContext, start: SyncProgress): Promise<StepResult & { progress: SyncProgress }> {
  let progress = start;
  const writer = await context.openWriter(progress);
  const options = { ...context.endpoints };
  while (progress.phase === 'users' || progress.phase === 'groups') {
    const resource = RESOURCES[progress.phase];
    const saved = progress.kind === 'delta' ? context.deltaLinks?.[progress.phase] : undefined;
    const page = await deltaPage(progress.next ?? deltaStart(options, progress.phase, resource.select, saved), context.access, options);
    for (const item of page.value) if (typeof item.id === 'string') await resource.apply(item, writer);
    await writer.endPage(pageKey(progress));
    progress = after(progress, page);
    if (progress.phase === 'sweep') return { done: true, progress };
    if (await context.saved(progress)) return { done: false, progress };
  }
  return { done: true, progress };
}

export const microsoftSource: DirectorySource = {
  sweepsMemberships: true,
  async advance(context) {
    try {
      return await pages(context, context.progress);
    } catch (error) {
      if (!(error instanceof GraphSyncReset)) throw error;
      // Synchronization reset: start over without tokens; the full round's diff and sweep correct
      // whatever the interrupted round had applied.
      await context.forgetListed();
      return pages(context, restartFull(context.progress));
    }
  },
};
