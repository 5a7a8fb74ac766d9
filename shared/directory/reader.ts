/**
 * Reading the synced copy: the users / groups / members API and the `DirectoryReader` group sends use.
 * Never a live provider call: everything comes from table `directory` (shared/store/directoryStore.ts).
 *
 * Search is a case-insensitive substring of the display name or mail, filtered while scanning in key
 * order (Table storage has no substring query). One answer scans at most SCAN_BUDGET rows, so a rare
 * search over a large directory answers a short page with a `nextCursor` rather than a slow request.
 * Nested groups are walked breadth-first with a visited set, so a cycle (A in B in A) ends.
 */
import { z } from 'zod';
import { MailerError } from '../errors';
import type { DirectoryStore } from '../store/directoryStore';
import type { CursorCodec } from './cursor';
import { CONNECTION_ID_PATTERN, type DirectoryGroup, type DirectoryReader, type DirectoryUser } from '../model/directory';

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;
/** Rows one listing answer reads at most while filtering by search. */
export const SCAN_BUDGET = 5000;
/** A transitive listing resolves at most this many users (far above any group a message may go to). */
export const TRANSITIVE_MAX = 50_000;
/**
 * Users are read by key (PartitionKey + RowKey point reads, the cheapest Table query:
 * https://learn.microsoft.com/azure/storage/tables/table-storage-design-for-query), this many in
 * flight: the cost follows the group's size, never the size of the connection's directory.
 */
const POINT_READS_IN_FLIGHT = 16;

export type ListedUser = DirectoryUser & { connectionId: string };
export type ListedGroup = DirectoryGroup & { connectionId: string };
export type ListedMember = ({ kind: 'user' } & DirectoryUser) | ({ kind: 'group' } & DirectoryGroup);

export interface DirectoryReadService extends DirectoryReader {
  users(orgId: string, query: Record<string, string | undefined>): Promise<{ users: ListedUser[]; nextCursor?: string }>;
  groups(orgId: string, query: Record<string, string | undefined>): Promise<{ groups: ListedGroup[]; nextCursor?: string }>;
  members(
    orgId: string,
    groupRef: string,
    query: Record<string, string | undefined>,
  ): Promise<{ group: ListedGroup; members: ListedMember[]; nextCursor?: string }>;
}

const listQuery = z.object({
  search: z.string().max(256).optional(),
  cursor: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).optional(),
});
const memberQuery = listQuery.omit({ search: true }).extend({
  transitive: z.enum(['true', 'false']).optional(),
  connection: z.string().regex(CONNECTION_ID_PATTERN).optional(),
});

function parse<S extends z.ZodTypeAny>(schema: S, query: Record<string, string | undefined>): z.output<S> {
  const result = schema.safeParse(Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== '')));
  if (result.success) return result.data;
  const fields = Object.fromEntries(result.error.issues.map((issue) => [issue.path.join('.') || 'query', issue.message]));
  throw new MailerError('VALIDATION_FAILED', 'Some query parameters are invalid.', { fields });
}

const matches = (needle: string | undefined, ...values: Array<string | undefined>) =>
  !needle || values.some((value) => value !== undefined && value.toLowerCase().includes(needle));

export function createDirectoryReader(store: DirectoryStore, cursors: CursorCodec): DirectoryReadService {
  async function listing<K extends 'user' | 'group'>(orgId: string, kind: K, query: Record<string, string | undefined>) {
    const { search, cursor, limit = DEFAULT_PAGE } = parse(listQuery, query);
    const needle = search?.trim().toLowerCase() || undefined;
    const name = `${kind}s?${needle ?? ''}`;
    const after = cursor ? await cursors.verify(orgId, name, cursor) : undefined;
    const items: Array<(K extends 'user' ? DirectoryUser : DirectoryGroup) & { connectionId: string }> = [];
    let scanned = 0;
    let last: { pk: string; rk: string } | undefined;
    let more = false;
    for await (const row of store.scan(orgId, kind, { after: after ? { pk: after.pk, rk: after.rk } : undefined })) {
      if (items.length === limit || scanned === SCAN_BUDGET) {
        more = true;
        break;
      }
      scanned++;
      last = row.position;
      const value = row.value as DirectoryUser & DirectoryGroup;
      if (matches(needle, kind === 'user' ? value.displayName : value.name, value.mail))
        items.push({ ...row.value, connectionId: row.connectionId });
    }
    return { items, nextCursor: more && last ? await cursors.sign(orgId, name, last) : undefined };
  }

  async function findGroup(orgId: string, ref: string, connectionId?: string) {
    if (ref.includes('@')) {
      const mail = ref.toLowerCase();
      for await (const row of store.scan(orgId, 'group', { connectionId })) {
        if (row.value.mail?.toLowerCase() === mail) return { connectionId: row.connectionId, group: row.value };
      }
      return undefined;
    }
    const connections = connectionId ? [connectionId] : await store.findObject(orgId, 'group', ref);
    for (const id of connections) {
      const group = await store.getGroup(orgId, id, ref);
      if (group) return { connectionId: id, group };
    }
    return undefined;
  }

  /** User ids reachable from the group, each once; stops past `max`. */
  async function reachableUserIds(
    orgId: string,
    connectionId: string,
    groupId: string,
    max: number,
    tooLarge: () => MailerError,
  ): Promise<string[]> {
    const users = new Set<string>();
    const seen = new Set<string>([groupId]);
    const queue = [groupId];
    while (queue.length) {
      for (const member of await store.members(orgId, connectionId, queue.shift()!)) {
        if (member.kind === 'group') {
          if (!seen.has(member.id)) {
            seen.add(member.id);
            queue.push(member.id);
          }
        } else if (!users.has(member.id)) {
          users.add(member.id);
          if (users.size > max) throw tooLarge();
        }
      }
    }
    return [...users].sort();
  }

  /** The users of these ids that are in the copy (a membership may name a user removed since). */
  async function usersOf(orgId: string, connectionId: string, ids: string[]): Promise<DirectoryUser[]> {
    const found: Array<DirectoryUser | undefined> = [];
    let next = 0;
    const readNext = async () => {
      for (let i = next++; i < ids.length; i = next++) found[i] = await store.getUser(orgId, connectionId, ids[i]);
    };
    await Promise.all(Array.from({ length: Math.min(POINT_READS_IN_FLIGHT, ids.length) }, readNext));
    return found.filter((user): user is DirectoryUser => user !== undefined);
  }

  const tooLarge = (groupId: string, max: number) => () =>
    new MailerError('DIRECTORY_GROUP_TOO_LARGE', `Group ${groupId} reaches more than ${max} users.`);

  return {
    findGroup,
    async transitiveUsers(orgId, connectionId, groupId, limit) {
      return usersOf(orgId, connectionId, await reachableUserIds(orgId, connectionId, groupId, limit, tooLarge(groupId, limit)));
    },
    async users(orgId, query) {
      const { items, nextCursor } = await listing(orgId, 'user', query);
      return { users: items, ...(nextCursor ? { nextCursor } : {}) };
    },
    async groups(orgId, query) {
      const { items, nextCursor } = await listing(orgId, 'group', query);
      return { groups: items, ...(nextCursor ? { nextCursor } : {}) };
    },
    async members(orgId, groupRef, query) {
      const { cursor, limit = DEFAULT_PAGE, transitive, connection } = parse(memberQuery, query);
      const found = await findGroup(orgId, groupRef, connection);
      if (!found) throw new MailerError('DIRECTORY_GROUP_NOT_FOUND', `No group ${groupRef} is in the synced directory of ${orgId}.`);
      const { connectionId, group } = found;
      const name = `members?${connectionId}~${group.id}~${transitive === 'true' ? 't' : 'd'}`;
      const after = cursor ? (await cursors.verify(orgId, name, cursor)).id : undefined;
      const direct =
        transitive === 'true'
          ? (await reachableUserIds(orgId, connectionId, group.id, TRANSITIVE_MAX, tooLarge(group.id, TRANSITIVE_MAX))).map((id) => ({
              id,
              kind: 'user' as const,
            }))
          : (await store.members(orgId, connectionId, group.id)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const rest = after === undefined ? direct : direct.filter((m) => m.id > after);
      const page = rest.slice(0, limit);
      const users = new Map(
        (
          await usersOf(
            orgId,
            connectionId,
            page.filter((m) => m.kind === 'user').map((m) => m.id),
          )
        ).map((u) => [u.id, u]),
      );
      const members: ListedMember[] = [];
      for (const member of page) {
        if (member.kind === 'user') {
          const user = users.get(member.id);
          if (user) members.push({ kind: 'user', ...user });
        } else {
          const nested = await store.getGroup(orgId, connectionId, member.id);
          if (nested) members.push({ kind: 'group', ...nested });
        }
      }
      const nextCursor = rest.length > limit ? await cursors.sign(orgId, name, { id: page[page.length - 1].id }) : undefined;
      return { group: { ...group, connectionId }, members, ...(nextCursor ? { nextCursor } : {}) };
    },
  };
}
