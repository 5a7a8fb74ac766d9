/**
 * The synced directory copy against Azurite with the real Tables SDK: batch writes (over 100 rows,
 * a delete of a row already gone), the reader (paging with signed cursors, search, nested and cyclic
 * groups, group lookup by mail), the sync row's lease, and deleting a connection's partition. The
 * reading routes are called through their exported handlers, as the host calls them.
 */
import { randomBytes } from 'node:crypto';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { loadConfig } from '@shared/config';
import { createCursorCodec } from '@shared/directory/cursor';
import { createDirectoryReader } from '@shared/directory/reader';
import { MailerError } from '@shared/errors';
import { createDirectoryStore, type DirectoryWrite } from '@shared/store/directoryStore';
import { createDirectorySyncRowStore } from '@shared/store/directorySyncRow';
import { createStorageClients } from '@shared/store/storageClients';
import { directoryGroupMembers, directoryUsers } from '../../functions/directoryRead';

const config = loadConfig();
const storage = createStorageClients(config, () => {
  throw new Error('connection-string Storage needs no credential');
});
let operations = 0;
const store = createDirectoryStore(storage, { countOperations: (n) => (operations += n) });
const rows = createDirectorySyncRowStore(storage);
const reader = createDirectoryReader(store, createCursorCodec(config.stateSigningKey));

const org = `dir-${randomBytes(4).toString('hex')}`;
const A = 'dcaaaaaaaaaa';
const B = 'dcbbbbbbbbbb';

const user = (id: string, displayName: string, extra: Record<string, unknown> = {}): DirectoryWrite => ({
  op: 'putUser',
  user: { id, displayName, mail: `${id}@contoso.example`, enabled: true, ...extra },
  hash: `e${id}`,
});
const group = (id: string, name: string, mail?: string): DirectoryWrite => ({
  op: 'putGroup',
  group: { id, name, ...(mail ? { mail } : {}) },
  hash: id,
});
const member = (groupId: string, id: string, kind: 'user' | 'group' = 'user'): DirectoryWrite => ({
  op: 'putMember',
  groupId,
  member: { id, kind },
});

async function rejection(promise: Promise<unknown>): Promise<MailerError> {
  try {
    await promise;
  } catch (error) {
    return error as MailerError;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  const bulk: DirectoryWrite[] = [];
  for (let i = 0; i < 230; i++) bulk.push(user(`bulk${String(i).padStart(3, '0')}`, `Bulk User ${i}`));
  await store.apply(org, A, [
    ...bulk,
    user('ada', 'Ada Lovelace', { jobTitle: 'DPO', department: 'Privacy' }),
    user('ben', 'Ben Okafor'),
    user('dan', 'Dan Former', { enabled: false }),
    user('carla', 'Carla Mendes'),
    user('grace', 'Grace Hopper'),
    user('odd/id#1?~x', 'Odd Key'),
    group('privacy', 'Privacy team', 'Privacy-Team@contoso.example'),
    group('legal', 'Legal', 'legal@contoso.example'),
    group('ops', 'Ops', 'ops@contoso.example'),
    group('oncall', 'On-call'),
    member('privacy', 'ada'),
    member('privacy', 'ben'),
    member('privacy', 'dan'),
    member('privacy', 'legal', 'group'),
    member('legal', 'carla'),
    member('legal', 'ada'),
    member('ops', 'grace'),
    member('ops', 'oncall', 'group'),
    member('oncall', 'odd/id#1?~x'),
    member('oncall', 'ops', 'group'),
    member('oncall', 'gone-user'),
  ]);
  await store.apply(org, B, [user('zed', 'Zed Other'), group('legal', 'Legal (B)')]);
});

describe('directory copy store', () => {
  it('writes more than 100 rows in batch transactions and replays a batch whose delete meets a missing row', async () => {
    expect((await store.hashes(org, A, 'user')).size).toBe(236);
    const before = operations;
    const spent = await store.apply(org, A, [user('tmp1', 'T1'), { op: 'delete', kind: 'user', id: 'never-there' }, user('tmp2', 'T2')]);
    expect(spent).toBe(4); // the failed batch, then three single operations
    expect(operations - before).toBeGreaterThanOrEqual(4);
    expect((await store.getUser(org, A, 'tmp2'))?.displayName).toBe('T2');
    await store.apply(org, A, [
      { op: 'delete', kind: 'user', id: 'tmp1' },
      { op: 'delete', kind: 'user', id: 'tmp2' },
    ]);
    expect(await store.getUser(org, A, 'tmp1')).toBeUndefined();
  });

  it('keeps ids with characters Table keys refuse, and reads them back exactly', async () => {
    expect(await store.getUser(org, A, 'odd/id#1?~x')).toEqual({
      id: 'odd/id#1?~x',
      displayName: 'Odd Key',
      mail: 'odd/id#1?~x@contoso.example',
      enabled: true,
    });
  });

  it('the sync lease: one holder; a second owner gets the holder start time; an expired lease is taken over; a stale holder cannot write', async () => {
    const t0 = new Date('2026-12-01T10:00:00.000Z');
    const first = await rows.takeLease(org, A, 'one', 60_000, t0);
    expect(first.taken).toBe(true);
    const second = await rows.takeLease(org, A, 'two', 60_000, new Date(t0.getTime() + 1000));
    expect(second).toEqual({ taken: false, lease: expect.objectContaining({ owner: 'one', startedAt: t0.toISOString() }) });
    const takeover = await rows.takeLease(org, A, 'two', 60_000, new Date(t0.getTime() + 61_000));
    expect(takeover.taken).toBe(true);
    if (!first.taken) throw new Error('unreachable');
    expect((await rejection(rows.write(org, A, { lastSyncOutcome: 'ok' }, first.row.etag))).code).toBe('CONCURRENT_UPDATE');
    if (!takeover.taken) throw new Error('unreachable');
    await rows.write(org, A, { generation: 3, deltaLinks: { users: 'https://graph.example/u' } }, takeover.row.etag);
    expect((await rows.read(org, A)).state).toEqual({ generation: 3, deltaLinks: { users: 'https://graph.example/u' } });
  });

  it('deletes a connection partition, sync row included', async () => {
    const C = 'dccccccccccc';
    await store.apply(org, C, [user('x1', 'X'), group('g1', 'G'), member('g1', 'x1')]);
    await rows.takeLease(org, C, 'me', 60_000);
    expect(await store.deletePartition(org, C)).toBeGreaterThan(0);
    expect((await store.hashes(org, C, 'user')).size).toBe(0);
    expect(await store.members(org, C, 'g1')).toEqual([]);
    expect((await rows.read(org, C)).etag).toBeUndefined();
  });
});

describe('directory reader', () => {
  it('pages users across connections with opaque cursors: every user once, in key order', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await reader.users(org, { limit: '100', cursor });
      seen.push(...page.users.map((u) => `${u.connectionId}/${u.id}`));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.length).toBe(237);
    expect(new Set(seen).size).toBe(237);
    expect(seen.at(-1)).toBe(`${B}/zed`);
  });

  it('searches name and mail case-insensitively', async () => {
    expect((await reader.users(org, { search: 'LOVELACE' })).users.map((u) => u.id)).toEqual(['ada']);
    expect((await reader.users(org, { search: 'ben@contoso' })).users.map((u) => u.id)).toEqual(['ben']);
    expect((await reader.groups(org, { search: 'legal' })).groups.map((g) => [g.connectionId, g.name])).toEqual([
      [A, 'Legal'],
      [B, 'Legal (B)'],
    ]);
  });

  it('refuses a cursor it did not hand out: edited, from another search, or from another org (400 INVALID_CURSOR)', async () => {
    const { nextCursor } = await reader.users(org, { limit: '5' });
    expect(nextCursor).toBeDefined();
    const tampered = `${nextCursor!.slice(0, -3)}${nextCursor!.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    for (const attempt of [
      reader.users(org, { cursor: 'not-a-cursor' }),
      reader.users(org, { cursor: tampered }),
      reader.users(org, { cursor: nextCursor, search: 'ada' }),
      reader.groups(org, { cursor: nextCursor }),
      reader.users('other-org', { cursor: nextCursor }),
    ]) {
      const error = await rejection(attempt);
      expect([error.code, error.status]).toEqual(['INVALID_CURSOR', 400]);
    }
  });

  it('the users route answers 200 with a page, 400 INVALID_CURSOR, and 422 for a bad limit', async () => {
    const call = (query: string) =>
      directoryUsers(
        new HttpRequest({ method: 'GET', url: `http://localhost/api/orgs/${org}/directory/users?${query}`, params: { orgId: org } }),
        new InvocationContext({ functionName: 'test' }),
      );
    const ok = await call('search=grace');
    expect(ok).toMatchObject({
      status: 200,
      jsonBody: { users: [{ id: 'grace', connectionId: A, displayName: 'Grace Hopper', enabled: true }] },
    });
    expect(await call('cursor=abc')).toMatchObject({ status: 400, jsonBody: { error: { code: 'INVALID_CURSOR' } } });
    expect(await call('limit=0')).toMatchObject({
      status: 422,
      jsonBody: { error: { code: 'VALIDATION_FAILED', fields: { limit: expect.any(String) } } },
    });
  });

  it('direct members list users and nested groups; transitive resolves nesting, each user once', async () => {
    const direct = await reader.members(org, 'privacy', { connection: A });
    expect(direct.members.map((m) => `${m.kind}:${m.id}`)).toEqual(['user:ada', 'user:ben', 'user:dan', 'group:legal']);
    const transitive = await reader.members(org, 'privacy', { transitive: 'true', connection: A });
    expect(transitive.members.map((m) => m.id)).toEqual(['ada', 'ben', 'carla', 'dan']);
  });

  it('a cycle of groups ends (Ops in On-call in Ops), and a membership of a user no longer in the copy is skipped', async () => {
    const { members } = await reader.members(org, 'ops@contoso.example', { transitive: 'true' });
    expect(members.map((m) => m.id)).toEqual(['grace', 'odd/id#1?~x']);
    expect((await reader.transitiveUsers(org, A, 'oncall', 10)).map((u) => u.id)).toEqual(['grace', 'odd/id#1?~x']);
  });

  it('pages transitive members with a cursor bound to the group', async () => {
    const first = await reader.members(org, 'privacy', { transitive: 'true', limit: '3', connection: A });
    expect(first.members.map((m) => m.id)).toEqual(['ada', 'ben', 'carla']);
    const rest = await reader.members(org, 'privacy', { transitive: 'true', limit: '3', connection: A, cursor: first.nextCursor });
    expect(rest.members.map((m) => m.id)).toEqual(['dan']);
    expect(rest.nextCursor).toBeUndefined();
    expect((await rejection(reader.members(org, 'legal', { transitive: 'true', connection: A, cursor: first.nextCursor }))).code).toBe(
      'INVALID_CURSOR',
    );
  });

  it('finds a group by mail (any case) or id, in one connection or any; unknown -> DIRECTORY_GROUP_NOT_FOUND; too many users -> DIRECTORY_GROUP_TOO_LARGE', async () => {
    expect(await reader.findGroup(org, 'privacy-team@CONTOSO.example')).toMatchObject({
      connectionId: A,
      group: { id: 'privacy', name: 'Privacy team' },
    });
    expect(await reader.findGroup(org, 'legal', B)).toMatchObject({ connectionId: B, group: { name: 'Legal (B)' } });
    expect(await reader.findGroup(org, 'nope')).toBeUndefined();
    expect((await rejection(reader.members(org, 'nope', {}))).code).toBe('DIRECTORY_GROUP_NOT_FOUND');
    expect((await rejection(reader.transitiveUsers(org, A, 'privacy', 3))).code).toBe('DIRECTORY_GROUP_TOO_LARGE');
  });

  it('the members route answers the group and its members', async () => {
    const answer = await directoryGroupMembers(
      new HttpRequest({
        method: 'GET',
        url: `http://localhost/api/orgs/${org}/directory/groups/legal/members?connection=${A}`,
        params: { orgId: org, groupId: 'legal' },
      }),
      new InvocationContext({ functionName: 'test' }),
    );
    expect(answer).toMatchObject({
      status: 200,
      jsonBody: {
        group: { id: 'legal', connectionId: A },
        members: [
          { kind: 'user', id: 'ada' },
          { kind: 'user', id: 'carla' },
        ],
      },
    });
  });
});
