/**
 * A DirectoryReader over a plain seed directory (dev/sandbox/directory-seed.ts shapes), for tests of
 * group sends that do not need the synced copy in Table storage. It walks nested groups itself,
 * cycle-safe, and can be told to hand back duplicates (as a naive walk of a cycle would) or to fail.
 */
import type { DirectoryReader, DirectoryUser } from '@shared/model/directory';
import { MailerError } from '@shared/errors';
import type { SeedDirectory } from '../../dev/sandbox/directory-seed';

export interface FakeDirectory extends DirectoryReader {
  /** Users handed back twice by transitiveUsers (a reader bug the expansion must survive). */
  duplicates: boolean;
  /** The next calls throw this (e.g. STORAGE_UNAVAILABLE), then it is cleared. */
  failNext?: MailerError;
  /** Groups asked for by transitiveUsers, in order. */
  readonly asked: string[];
  seed: SeedDirectory;
}

export function fakeDirectory(seed: SeedDirectory, connectionId = 'dcaaaaaaaaaa'): FakeDirectory {
  const fake: FakeDirectory = {
    seed,
    duplicates: false,
    asked: [],
    async findGroup(_orgId, ref, connection) {
      if (fake.failNext) throw take();
      if (connection && connection !== connectionId) return undefined;
      const group = fake.seed.groups.find((g) => g.id === ref || g.mail?.toLowerCase() === ref.toLowerCase());
      return group ? { connectionId, group: { id: group.id, mail: group.mail, name: group.name } } : undefined;
    },
    async transitiveUsers(_orgId, _connection, groupId, limit) {
      if (fake.failNext) throw take();
      fake.asked.push(groupId);
      const users = new Map<string, DirectoryUser>();
      const visited = new Set<string>();
      const walk = (id: string) => {
        if (visited.has(id)) return;
        visited.add(id);
        for (const member of fake.seed.groups.find((g) => g.id === id)?.members ?? []) {
          const user = fake.seed.users.find((u) => u.id === member);
          if (user) users.set(user.id, { id: user.id, mail: user.mail, displayName: user.displayName, enabled: user.enabled });
          else walk(member);
        }
      };
      walk(groupId);
      if (users.size > limit) throw new MailerError('DIRECTORY_GROUP_TOO_LARGE', `more than ${limit} members`);
      const list = [...users.values()];
      return fake.duplicates ? [...list, ...list] : list;
    },
  };
  const take = () => {
    const error = fake.failNext!;
    fake.failNext = undefined;
    return error;
  };
  return fake;
}
