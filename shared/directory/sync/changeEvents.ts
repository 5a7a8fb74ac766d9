/**
 * The platform events of a directory sync (catalogue: directory.user.*, directory.group.*), with
 * STABLE ids: connection + object + the sync generation + the object's content hash. A re-run of a
 * sync that failed midway (same generation, same provider answers) gives the same ids, so receivers
 * de-duplicate on `webhook-id`; the next successful sync is a new generation and gets new ids.
 */
import { createHash } from 'node:crypto';
import { stableEventId, type EventData, type EventType } from '../../events/catalogue';
import type { PlatformEvent } from '../../events/types';
import type { DirectoryGroup, DirectoryUser } from '../../model/directory';

export interface EventScope {
  orgId: string;
  connectionId: string;
  generation: number;
  at: string;
}

/** At most this many ids in one members_changed event (a queue message is 64 KB). */
export const MEMBERS_PER_EVENT = 100;

const digest = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);

/** Content hash of a user: `e`/`d` (enabled or not) + a digest of the kept fields, so a full sync learns "was enabled" from the compact map. */
export function userHash(user: DirectoryUser): string {
  return `${user.enabled ? 'e' : 'd'}${digest([user.id, user.mail ?? null, user.displayName, user.jobTitle ?? null, user.department ?? null, user.enabled])}`;
}

export function groupHash(group: DirectoryGroup): string {
  return digest([group.id, group.mail ?? null, group.name]);
}

export const wasEnabled = (hash: string) => hash.startsWith('e');

type UserType = 'directory.user.created' | 'directory.user.updated' | 'directory.user.deleted' | 'directory.user.disabled';
type GroupType = 'directory.group.created' | 'directory.group.updated' | 'directory.group.deleted';

function event<T extends EventType>(scope: EventScope, type: T, subject: string, version: string, data: EventData<T>): PlatformEvent {
  return {
    id: stableEventId('directory', scope.orgId, scope.connectionId, scope.generation, type, subject, version),
    type,
    timestamp: scope.at,
    orgId: scope.orgId,
    data: data as Record<string, unknown>,
  };
}

/** `user` is the new state (or, for deleted, the last known one; only the id when nothing more is known). */
export function userEvent(
  scope: EventScope,
  type: UserType,
  user: Partial<DirectoryUser> & { id: string },
  version: string,
): PlatformEvent {
  return event(scope, type, user.id, version, {
    userId: user.id,
    connectionId: scope.connectionId,
    ...(user.mail ? { email: user.mail } : {}),
    ...(user.displayName ? { displayName: user.displayName } : {}),
  });
}

export function groupEvent(
  scope: EventScope,
  type: GroupType,
  group: Partial<DirectoryGroup> & { id: string },
  version: string,
): PlatformEvent {
  return event(scope, type, group.id, version, {
    groupId: group.id,
    connectionId: scope.connectionId,
    ...(group.mail ? { email: group.mail } : {}),
    ...(group.name ? { displayName: group.name } : {}),
  });
}

/** One event per MEMBERS_PER_EVENT ids; each id derived from exactly the ids it carries. */
export function membersEvents(scope: EventScope, groupId: string, added: string[], removed: string[]): PlatformEvent[] {
  const a = [...added].sort();
  const r = [...removed].sort();
  const out: PlatformEvent[] = [];
  for (let i = 0; i < Math.max(a.length, r.length); i += MEMBERS_PER_EVENT) {
    const chunk = { added: a.slice(i, i + MEMBERS_PER_EVENT), removed: r.slice(i, i + MEMBERS_PER_EVENT) };
    out.push(
      event(scope, 'directory.group.members_changed', groupId, digest(chunk), { groupId, connectionId: scope.connectionId, ...chunk }),
    );
  }
  return out;
}
