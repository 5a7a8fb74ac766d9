/**
 * Google Workspace: the Admin SDK has no delta API for users and groups, so every sync is a full
 * listing (users.list, groups.list, then members.list per group) that the writer compares with the
 * stored copy: what differs is written and announced, what is no longer listed is removed.
 * Only group ids are kept between the groups listing and the members listings (memory stays bounded).
 */
import type { AdminUser } from '../../providers/google/directoryAdmin';
import { loadProviderModule } from '../../providers';
import type { DirectoryMember } from '../model';
import type { UserPatch } from './copyWriter';
import type { DirectorySource } from './types';

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

export const googleSource: DirectorySource = {
  async sync(context) {
    const writer = await context.openWriter('full');
    // Through the provider module: the Admin SDK package loads on the first Google sync, not at start-up.
    const { adminDirectory } = await loadProviderModule('google');
    const directory = adminDirectory!(context.access, { adminUrl: context.endpoints.googleAdminUrl, ...context.endpoints });
    const page = async () => {
      await writer.flush();
      await context.heartbeat();
    };
    for await (const users of directory.users()) {
      for (const user of users) if (user.id) await writer.user(userPatch(user));
      await page();
    }
    const groupIds: string[] = [];
    for await (const groups of directory.groups()) {
      for (const group of groups) {
        if (!group.id) continue;
        groupIds.push(group.id);
        await writer.group({ id: group.id, mail: group.email ?? null, name: group.name ?? group.email ?? '' });
      }
      await page();
    }
    for (const groupId of groupIds) {
      for await (const members of directory.members(groupId)) {
        for (const member of members) {
          const kind = MEMBER_KINDS[member.type ?? ''];
          if (kind && member.id) await writer.member(groupId, { id: member.id, kind });
        }
        await page();
      }
    }
    return { kind: 'full', writer };
  },
};
