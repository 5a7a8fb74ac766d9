/**
 * Google Workspace: the Admin SDK has no delta API for users and groups, so every sync is a full
 * listing (users.list, groups.list, then members.list per group) that the writer compares with the
 * stored copy: what differs is written and announced, what is no longer listed is swept at the end.
 *
 * Page by page: users and groups resume from the saved `pageToken` ("use the nextPageToken value as
 * pageToken to get the next page", https://developers.google.com/admin-sdk/directory/reference/rest/v1/users/list);
 * members go a few groups at a time (MEMBER_LISTINGS_AT_ONCE listings in flight), each group listed
 * whole and compared with its stored members, and the count of groups done is saved after each window.
 * The groups' order comes from the seen log of the groups phase, so it survives the hand-offs.
 */
import type { AdminDirectory as Directory, AdminMember, AdminUser } from '../../providers/google/directoryAdmin';
import { loadProviderModule } from '../../providers';
import type { DirectoryMember, SyncProgress } from '../../model/directory';
import type { CopyWriter, UserPatch } from './copyWriter';
import { pageKey, type DirectorySource, type SyncContext } from './types';

/** Groups whose members are listed at once: a bounded number of Admin SDK calls in flight per sync. */
export const MEMBER_LISTINGS_AT_ONCE = 4;

/** Google member types the copy keeps; CUSTOMER (the whole domain) and external members without an id are skipped. */
const MEMBER_KINDS: Record<string, DirectoryMember['kind']> = { USER: 'user', GROUP: 'group' };

function userPatch(user: AdminUser): UserPatch {
  const organizations = (user.organizations ?? []) as Array<{ primary?: boolean; title?: string; department?: string }>;
  const organization = organizations.find((o) => o.primary) ?? organizations[0];
  return {
    id: String(user.id),
    mail: user.primaryEmail ?? null,
    displayName: user.name?.fullName ?? user.primaryEmail ?? '',
    jobTitle: organization?.title ?? null,
    department: organization?.department ?? null,
    enabled: user.suspended !== true,
  };
}

function kept(members: AdminMember[]): DirectoryMember[] {
  const out: DirectoryMember[] = [];
  for (const member of members) {
    const kind = MEMBER_KINDS[member.type ?? ''];
    if (kind && member.id) out.push({ id: member.id, kind });
  }
  return out;
}

async function listingPage(directory: Directory, writer: CopyWriter, progress: SyncProgress): Promise<string | undefined> {
  if (progress.phase === 'users') {
    const page = await directory.usersPage(progress.next);
    for (const user of page.items) if (user.id) await writer.user(userPatch(user));
    return page.next;
  }
  const page = await directory.groupsPage(progress.next);
  for (const group of page.items)
    if (group.id) await writer.group({ id: group.id, mail: group.email ?? null, name: group.name ?? group.email ?? '' });
  return page.next;
}

async function allMembers(directory: Directory, groupId: string): Promise<DirectoryMember[]> {
  const out: DirectoryMember[] = [];
  for await (const members of directory.members(groupId)) out.push(...kept(members));
  return out;
}

/** One window of groups: listed concurrently, then compared one by one (the writer is not shared across awaits of different groups). */
async function membersWindow(directory: Directory, writer: CopyWriter, groupIds: string[]): Promise<void> {
  const listings = await Promise.all(groupIds.map((id) => allMembers(directory, id)));
  for (let i = 0; i < groupIds.length; i++) await writer.groupMembers(groupIds[i], listings[i]);
}

async function advanceMembers(context: SyncContext, directory: Directory, writer: CopyWriter, start: SyncProgress) {
  let progress = start;
  const groupIds = await context.listedGroups(progress);
  while ((progress.groupsDone ?? 0) < groupIds.length) {
    const done = progress.groupsDone ?? 0;
    await membersWindow(directory, writer, groupIds.slice(done, done + MEMBER_LISTINGS_AT_ONCE));
    await writer.endPage(pageKey(progress));
    progress = { ...progress, page: progress.page + 1, groupsDone: Math.min(done + MEMBER_LISTINGS_AT_ONCE, groupIds.length) };
    if (progress.groupsDone! < groupIds.length && (await context.saved(progress))) return { done: false, progress };
  }
  return { done: true, progress: { ...progress, phase: 'sweep' as const, page: 0, groupsDone: undefined } };
}

const NEXT_PHASE = { users: 'groups', groups: 'members' } as const;

export const googleSource: DirectorySource = {
  sweepsMemberships: false,
  async advance(context) {
    // Through the provider module: the Admin SDK package loads on the first Google sync, not at start-up.
    const { adminDirectory } = await loadProviderModule('google');
    const directory = adminDirectory!(context.access, { adminUrl: context.endpoints.googleAdminUrl, ...context.endpoints });
    let progress = context.progress;
    const writer = await context.openWriter(progress);
    while (progress.phase === 'users' || progress.phase === 'groups') {
      const next = await listingPage(directory, writer, progress);
      await writer.endPage(pageKey(progress));
      progress = next
        ? { ...progress, page: progress.page + 1, next }
        : { ...progress, phase: NEXT_PHASE[progress.phase], page: 0, next: undefined };
      if (await context.saved(progress)) return { done: false, progress };
    }
    if (progress.phase === 'members') return advanceMembers(context, directory, writer, progress);
    return { done: true, progress };
  },
};
