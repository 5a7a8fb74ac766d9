/**
 * Microsoft 365: Graph delta queries on /users/delta and /groups/delta (with `members@delta`),
 * `$select` of only the kept fields (https://learn.microsoft.com/graph/api/user-delta,
 * https://learn.microsoft.com/graph/api/group-delta). Without saved delta links the round is a full
 * listing (the writer diffs and sweeps); with them, only the changes since the last sync arrive. A
 * 410 (expired token, synchronization reset) restarts with a full round, once.
 *
 * Removed objects come as `{ id, "@removed": { reason: "changed" | "deleted" } }`: "changed" is a soft
 * delete (restorable for 30 days) and "deleted" a permanent one; for the copy both mean "gone" (a
 * restored user comes back as a change).
 */
import { GraphSyncReset } from '../../providers/microsoft/directoryErrors';
import { deltaPages, deltaStart, type GraphItem, type GraphPagingOptions } from '../../providers/microsoft/directoryGraph';
import type { DirectoryMember } from '../model';
import type { CopyWriter, GroupPatch, UserPatch } from './copyWriter';
import type { DirectorySource, SyncContext, SyncResult } from './types';

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

const groupPatch = (item: GraphItem): GroupPatch => ({ id: String(item.id), ...present<GroupPatch>(item, { mail: 'mail', displayName: 'name' }) });

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

async function round(context: SyncContext, links: { users?: string; groups?: string }): Promise<SyncResult> {
  const kind = links.users && links.groups ? 'delta' : 'full';
  const writer = await context.openWriter(kind);
  const options: GraphPagingOptions = { ...context.endpoints };
  const saved: { users?: string; groups?: string } = {};
  const plan = [
    { resource: 'users', select: USER_SELECT, apply: users },
    { resource: 'groups', select: GROUP_SELECT, apply: groups },
  ] as const;
  for (const step of plan) {
    const start = deltaStart(options, step.resource, step.select, kind === 'delta' ? links[step.resource] : undefined);
    for await (const page of deltaPages(start, context.access, options)) {
      for (const item of page.value) if (typeof item.id === 'string') await step.apply(item, writer);
      await writer.flush();
      await context.heartbeat();
      if (page.deltaLink) saved[step.resource] = page.deltaLink;
    }
  }
  return { kind, writer, deltaLinks: saved };
}

export const microsoftSource: DirectorySource = {
  async sync(context) {
    try {
      return await round(context, context.state.deltaLinks ?? {});
    } catch (error) {
      if (!(error instanceof GraphSyncReset)) throw error;
      // Synchronization reset: start over without tokens; the full round's diff corrects whatever the
      // interrupted round had applied.
      return round(context, {});
    }
  },
};
