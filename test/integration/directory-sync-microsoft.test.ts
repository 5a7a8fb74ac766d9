/**
 * The Microsoft directory sync end to end against the sandbox's Graph (delta queries) and Azurite:
 * the first sync stores the seeded directory and announces nobody; after the sandbox adds a user,
 * removes one and changes a membership, the next sync makes ONLY delta requests (counted in the
 * sandbox) and emits exactly those events; a re-run after a failure re-sends the same event ids; a
 * 410 restarts with a full round; 429s are waited out within the bound; a token without the
 * directory permissions is classified with its hint and marks the connection; one sync at a time.
 */
import { CONTOSO_DIRECTORY_USER_IDS as U, CONTOSO_GROUP_IDS as G } from '../../dev/sandbox/directory-seed';
import { errorResponse } from '../../functions/http';
import { MailerError } from '@shared/errors';
import { sandboxControl } from '../support/env';
import { consentedDirectoryAppToken } from './directory-sandbox-helpers';
import { directoryRequests, eventLines, storageFailsOnce, syncHarness } from './directory-sync-helpers';
import { appToken } from './microsoft-helpers';

let token: string;

beforeAll(async () => {
  await sandboxControl('POST', 'reset');
  token = await consentedDirectoryAppToken();
});

async function added(local: string, displayName: string): Promise<string> {
  return (await sandboxControl<{ id: string }>('POST', 'directory/contoso/users', { local, displayName, jobTitle: 'New' })).id;
}

describe('Microsoft directory sync (Graph delta)', () => {
  it('first sync stores the seeded users, groups and memberships, emits no events; the next one after changes makes only delta requests and emits exactly those events', async () => {
    const t = syncHarness('microsoft');
    t.token.value = token;
    const first = await t.sync.runNow(t.orgId, t.connection.id);
    expect(first).toMatchObject({ outcome: 'ok', kind: 'full', counts: { users: 13, groups: 6 } });
    expect(t.events).toEqual([]);
    const { users } = await t.reader.users(t.orgId, { limit: '200' });
    expect(users.map((u) => u.id).sort()).toEqual(Object.values(U).sort());
    expect(users.find((u) => u.id === U.dan)).toMatchObject({
      enabled: false,
      displayName: 'Dan Former',
      department: 'Privacy',
      jobTitle: 'Privacy Analyst',
    });
    expect(users.find((u) => u.id === U.sam)?.mail).toBeUndefined();
    const privacy = await t.reader.members(t.orgId, G.privacyTeam, { transitive: 'true' });
    expect(privacy.members.map((m) => m.id).sort()).toEqual([U.ada, U.ben, U.carla, U.dan, U.erin].sort());
    expect((await t.sync.status(t.orgId, t.connection.id)).deltaLinks).toEqual({
      users: expect.stringMatching(/deltatoken=/),
      groups: expect.stringMatching(/deltatoken=/),
    });

    await sandboxControl('DELETE', 'requests');
    const zoe = await added('zoe', 'Zoe Newcomer');
    await sandboxControl('DELETE', `directory/contoso/users/${U.frank}`);
    await sandboxControl('POST', `directory/contoso/groups/${G.legal}/members`, { id: U.ben });
    const second = await t.sync.runNow(t.orgId, t.connection.id);
    expect(second).toMatchObject({ outcome: 'ok', kind: 'delta', counts: { users: 13, groups: 6 } });
    const requests = await directoryRequests('microsoft');
    expect(Object.keys(requests).sort()).toEqual(['groups/delta:delta', 'users/delta:delta']);
    expect(eventLines(t.events)).toEqual(
      [
        `directory.group.members_changed ${G.allStaff} +[] -[${U.frank}]`,
        `directory.group.members_changed ${G.legal} +[${U.ben}] -[]`,
        `directory.group.members_changed ${G.sales} +[] -[${U.frank}]`,
        `directory.user.created ${zoe}`,
        `directory.user.deleted ${U.frank}`,
      ].sort(),
    );
    expect(t.events.find((e) => e.type === 'directory.user.created')?.data).toEqual({
      userId: zoe,
      connectionId: t.connection.id,
      email: 'zoe@contoso.example',
      displayName: 'Zoe Newcomer',
    });
    expect(await t.store.getUser(t.orgId, t.connection.id, U.frank)).toBeUndefined();
    expect((await t.reader.members(t.orgId, G.legal, {})).members.map((m) => m.id).sort()).toEqual([U.ben, U.carla, U.erin].sort());

    // Nothing changed: one delta request per resource, no events.
    t.events.length = 0;
    await sandboxControl('DELETE', 'requests');
    expect(await t.sync.runNow(t.orgId, t.connection.id)).toMatchObject({ outcome: 'ok', kind: 'delta' });
    expect(await directoryRequests('microsoft')).toEqual({ 'users/delta:delta': 1, 'groups/delta:delta': 1 });
    expect(t.events).toEqual([]);
  });

  it('a disabled or changed user is announced as such; a sync that failed midway re-sends the same event ids when run again', async () => {
    const outage = storageFailsOnce();
    const t = syncHarness('microsoft', { store: outage.store });
    t.token.value = token;
    await t.sync.runNow(t.orgId, t.connection.id);
    await sandboxControl('PATCH', `directory/contoso/users/${U.grace}`, { enabled: false });
    await sandboxControl('PATCH', `directory/contoso/users/${U.carla}`, { jobTitle: 'General Counsel' });
    outage.arm();
    const failed = await t.sync.runNow(t.orgId, t.connection.id);
    expect(failed).toMatchObject({ outcome: 'failed', error: { code: 'STORAGE_UNAVAILABLE' } });
    const firstTry = t.events.map((e) => [e.type, e.id]);
    expect(eventLines(t.events)).toEqual([`directory.user.disabled ${U.grace}`, `directory.user.updated ${U.carla}`].sort());
    t.events.length = 0;
    expect(await t.sync.runNow(t.orgId, t.connection.id)).toMatchObject({ outcome: 'ok', kind: 'delta' });
    expect(t.events.map((e) => [e.type, e.id])).toEqual(firstTry);
    expect((await t.store.getUser(t.orgId, t.connection.id, U.carla))?.jobTitle).toBe('General Counsel');
    expect((await t.store.getUser(t.orgId, t.connection.id, U.grace))?.enabled).toBe(false);
  });

  it('in a queue invocation a passing failure (Storage unavailable) keeps the position and is thrown; the redelivered message resumes and finishes', async () => {
    const outage = storageFailsOnce();
    const t = syncHarness('microsoft', { store: outage.store });
    t.token.value = token;
    await t.sync.request(t.orgId, t.connection.id);
    outage.arm();
    const message = t.queued.shift();
    await expect(t.sync.run(message)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    const held = await t.sync.status(t.orgId, t.connection.id);
    expect(held.progress).toMatchObject({ kind: 'full', phase: 'users', invocations: 1 });
    expect(held.progress).not.toHaveProperty('runner');
    expect(held.lastSyncOutcome).toBeUndefined();
    expect(await t.sync.run(message)).toMatchObject({ outcome: 'ok', kind: 'full', counts: { users: 13, groups: 6 }, invocations: 2 });
    const world = await sandboxControl<{ users: Array<{ id: string }> }>('GET', 'directory/contoso/export');
    expect((await t.reader.users(t.orgId, { limit: '200' })).users.map((u) => u.id).sort()).toEqual(world.users.map((u) => u.id).sort());
  });

  it('a 410 (expired delta token) restarts with a full round that reconciles the copy and announces only the real change', async () => {
    const t = syncHarness('microsoft');
    t.token.value = token;
    await t.sync.runNow(t.orgId, t.connection.id);
    await sandboxControl('PATCH', `directory/contoso/users/${U.erin}`, { department: 'Compliance' });
    await sandboxControl('POST', 'directory/contoso/expire-delta-tokens');
    await sandboxControl('DELETE', 'requests');
    const result = await t.sync.runNow(t.orgId, t.connection.id);
    expect(result).toMatchObject({ outcome: 'ok', kind: 'full', counts: { users: 13, groups: 6 } });
    const requests = await directoryRequests('microsoft');
    expect(requests['users/delta:delta']).toBe(1); // answered 410
    expect(requests['users/delta:initial']).toBe(1);
    expect(requests['groups/delta:initial']).toBe(1);
    expect(eventLines(t.events)).toEqual([`directory.user.updated ${U.erin}`]);
    expect((await t.store.getUser(t.orgId, t.connection.id, U.erin))?.department).toBe('Compliance');
    expect((await t.sync.status(t.orgId, t.connection.id)).lastSyncKind).toBe('full');
  });

  it('waits out 429s with their Retry-After (within the bound) and finishes', async () => {
    const t = syncHarness('microsoft');
    t.token.value = token;
    await sandboxControl('POST', 'directory/throttle', { provider: 'microsoft', count: 2, retryAfter: '3' });
    expect(await t.sync.runNow(t.orgId, t.connection.id)).toMatchObject({ outcome: 'ok', counts: { users: 13 } });
    expect(t.waits).toEqual([3000, 3000]);
  });

  it('a Retry-After beyond the bound stops the sync with DIRECTORY_THROTTLED (retryable), the connection stays active', async () => {
    const t = syncHarness('microsoft');
    t.token.value = token;
    await sandboxControl('POST', 'directory/throttle', { provider: 'microsoft', count: 1, retryAfter: '120' });
    const result = await t.sync.runNow(t.orgId, t.connection.id);
    expect(result).toMatchObject({ outcome: 'failed', error: { code: 'DIRECTORY_THROTTLED' } });
    expect(t.waits).toEqual([]);
    expect(t.attention).toEqual([]);
    expect((await t.sync.status(t.orgId, t.connection.id)).lastSyncOutcome).toBe('failed');
  });

  it('a token without the directory permissions: DIRECTORY_CONSENT_DENIED with its hint, the connection needs attention, nothing stored', async () => {
    const t = syncHarness('microsoft');
    t.token.value = await appToken(); // the sender app: Mail.Send only
    const result = await t.sync.runNow(t.orgId, t.connection.id);
    expect(result).toMatchObject({
      outcome: 'failed',
      error: { code: 'DIRECTORY_CONSENT_DENIED', hint: expect.stringMatching(/User\.Read\.All/) },
    });
    expect(t.attention).toEqual([expect.objectContaining({ code: 'DIRECTORY_CONSENT_DENIED', hint: expect.stringMatching(/consent/i) })]);
    expect(JSON.stringify(result)).not.toContain(t.token.value);
    expect((await t.reader.users(t.orgId, {})).users).toEqual([]);
  });

  it('one sync per connection: a second request while one holds the lease answers 409 with the running start time; the queued run then completes', async () => {
    const t = syncHarness('microsoft');
    t.token.value = token;
    const started = await t.sync.request(t.orgId, t.connection.id);
    expect(started).toEqual({ sync: { startedAt: expect.any(String), kind: 'full' } });
    let second: unknown;
    try {
      await t.sync.request(t.orgId, t.connection.id);
    } catch (error) {
      second = error;
    }
    const answer = errorResponse(second as MailerError);
    expect(answer.status).toBe(409);
    expect(answer.jsonBody).toEqual({
      error: expect.objectContaining({
        code: 'DIRECTORY_SYNC_RUNNING',
        runningSince: started.sync.startedAt,
        hint: expect.stringContaining(started.sync.startedAt),
      }),
    });
    expect(t.queued).toHaveLength(1);
    expect(await t.sync.run(t.queued[0])).toMatchObject({ outcome: 'ok', kind: 'full' });
    // The lease is released: the timer finds the connection synced just now (not due), a request works again.
    expect(await t.sync.tick()).toBe(0);
    expect((await t.sync.request(t.orgId, t.connection.id)).sync.kind).toBe('delta');
    expect(await t.sync.run({ bogus: true })).toEqual({ outcome: 'skipped' });
  });
});
