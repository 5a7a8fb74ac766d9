/**
 * Row shapes of the synced directory copy (table `directory`, shared/store/names.ts): one partition
 * per connection (`${orgId}~${connectionId}`), RowKeys `u~<id>`, `g~<id>`, `m~<groupId>~<memberId>`
 * and `sync`. Ids go into keys through `keyPart`, which percent-encodes everything but a small safe
 * set: the Table service refuses `/ \ # ?` and control characters in keys
 * (https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model#characters-disallowed-in-key-fields),
 * `~` separates the parts, and keeping every encoded character below `~` lets a range
 * `[prefix, prefix + '~')` select exactly the rows of one prefix.
 */
import type { DirectoryGroup, DirectoryMember, DirectoryUser } from '../model/directory';

export type RowKind = 'user' | 'group';

export function keyPart(id: string): string {
  return id.replace(/[^A-Za-z0-9._@+=-]/gu, (c) =>
    Array.from(Buffer.from(c, 'utf8'), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

export const partitionOf = (orgId: string, connectionId: string) => `${orgId}~${connectionId}`;
/** The connection id back from a partition key of `orgId`. */
export const connectionOf = (partitionKey: string) => partitionKey.slice(partitionKey.lastIndexOf('~') + 1);

export const ROW_PREFIX: Record<RowKind, string> = { user: 'u~', group: 'g~' };
export const objectRowKey = (kind: RowKind, id: string) => `${ROW_PREFIX[kind]}${keyPart(id)}`;
export const memberPrefix = (groupId: string) => `m~${keyPart(groupId)}~`;
export const memberRowKey = (groupId: string, memberId: string) => `${memberPrefix(groupId)}${keyPart(memberId)}`;
export const SYNC_ROW_KEY = 'sync';
/** The exclusive upper bound of a key prefix (every encoded character sorts below `~`). */
export const prefixEnd = (prefix: string) => `${prefix}~`;

type Entity = { partitionKey: string; rowKey: string } & Record<string, string | boolean>;

/** Only the kept fields: a row never holds more than the sync's `$select`. `h` is the content hash the diff compares. */
export function userEntity(partitionKey: string, user: DirectoryUser, hash: string): Entity {
  return {
    partitionKey,
    rowKey: objectRowKey('user', user.id),
    id: user.id,
    displayName: user.displayName,
    enabled: user.enabled,
    h: hash,
    ...(user.mail ? { mail: user.mail } : {}),
    ...(user.jobTitle ? { jobTitle: user.jobTitle } : {}),
    ...(user.department ? { department: user.department } : {}),
  };
}

export function groupEntity(partitionKey: string, group: DirectoryGroup, hash: string): Entity {
  return {
    partitionKey,
    rowKey: objectRowKey('group', group.id),
    id: group.id,
    name: group.name,
    h: hash,
    ...(group.mail ? { mail: group.mail } : {}),
  };
}

export function memberEntity(partitionKey: string, groupId: string, member: DirectoryMember): Entity {
  return { partitionKey, rowKey: memberRowKey(groupId, member.id), groupId, memberId: member.id, kind: member.kind };
}

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

export function userFrom(row: Record<string, unknown>): DirectoryUser {
  const user: DirectoryUser = { id: String(row.id), displayName: String(row.displayName ?? ''), enabled: row.enabled !== false };
  for (const key of ['mail', 'jobTitle', 'department'] as const) {
    const value = text(row[key]);
    if (value) user[key] = value;
  }
  return user;
}

export function groupFrom(row: Record<string, unknown>): DirectoryGroup {
  const mail = text(row.mail);
  return { id: String(row.id), name: String(row.name ?? ''), ...(mail ? { mail } : {}) };
}

export function memberFrom(row: Record<string, unknown>): DirectoryMember & { groupId: string } {
  return { groupId: String(row.groupId), id: String(row.memberId), kind: row.kind === 'group' ? 'group' : 'user' };
}
