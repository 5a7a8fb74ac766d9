/**
 * The Google directory sync against the sandbox's Admin SDK (through @googleapis/admin directory_v1)
 * and Azurite: a full listing stored with nested groups; the next listing compared with the copy
 * announces exactly the difference; a non-admin and a disabled Admin SDK are classified with their
 * hints and mark the connection; a 429 is waited out.
 */
import { FABRIKAM_DIRECTORY_USER_IDS as FU, FABRIKAM_GROUP_IDS as FG } from '../../dev/sandbox/directory-seed';
import { sandboxControl } from '../support/env';
import { googleOAuthToken, serviceAccountToken } from './directory-sandbox-helpers';
import { directoryRequests, eventLines, syncHarness } from './directory-sync-helpers';

let adminToken: string;

beforeAll(async () => {
  await sandboxControl('POST', 'reset');
  adminToken = (await serviceAccountToken('admin@fabrikam.example')).body.access_token;
});

describe('Google directory sync (Admin SDK listings)', () => {
  it('stores the full listing; the next one is compared with the copy and announces exactly the changes', async () => {
    const t = syncHarness('google', { customer: 'my_customer' });
    t.token.value = adminToken;
    const firstRun = await t.sync.runNow(t.orgId, t.connection.id);
    expect(firstRun.error).toBeUndefined();
    expect(firstRun).toMatchObject({ outcome: 'ok', kind: 'full', counts: { users: 12, groups: 5 } });
    expect(t.events).toEqual([]);
    expect((await t.store.getUser(t.orgId, t.connection.id, FU.jo))?.enabled).toBe(false);
    expect(await t.store.getUser(t.orgId, t.connection.id, FU.hana)).toMatchObject({
      mail: 'hana@fabrikam.example',
      displayName: 'Hana Sato',
      jobTitle: 'Privacy Lead',
      department: 'Privacy',
    });
    const privacy = await t.reader.members(t.orgId, 'privacy-team@fabrikam.example', { transitive: 'true' });
    expect(privacy.members.map((m) => m.id).sort()).toEqual([FU.hana, FU.ivan, FU.jo, FU.kim, FU.lee].sort());
    const ops = await t.reader.members(t.orgId, FG.ops, { transitive: 'true' });
    expect(ops.members.map((m) => m.id).sort()).toEqual([FU.mo, FU.noor].sort());

    await sandboxControl('DELETE', `directory/fabrikam/users/${FU.pia}`);
    await sandboxControl('PATCH', `directory/fabrikam/users/${FU.otto}`, { enabled: false });
    await sandboxControl('POST', `directory/fabrikam/groups/${FG.legal}/members`, { id: FU.hana });
    await sandboxControl('DELETE', 'requests');
    expect(await t.sync.runNow(t.orgId, t.connection.id)).toMatchObject({ outcome: 'ok', kind: 'full', counts: { users: 11, groups: 5 } });
    const requests = await directoryRequests('google');
    expect(requests['users.list:initial']).toBe(1);
    expect(requests['groups.list:initial']).toBe(1);
    expect(requests['members.list:initial']).toBe(5);
    expect(eventLines(t.events)).toEqual(
      [
        `directory.group.members_changed ${FG.allStaff} +[] -[${FU.pia}]`,
        `directory.group.members_changed ${FG.legal} +[${FU.hana}] -[]`,
        `directory.user.deleted ${FU.pia}`,
        `directory.user.disabled ${FU.otto}`,
      ].sort(),
    );
  });

  it('a non-admin account: DIRECTORY_NOT_ADMIN with its hint, the connection needs attention', async () => {
    const t = syncHarness('google');
    t.token.value = (await googleOAuthToken('alerts@fabrikam.example')).access_token;
    const result = await t.sync.runNow(t.orgId, t.connection.id);
    expect(result).toMatchObject({
      outcome: 'failed',
      error: { code: 'DIRECTORY_NOT_ADMIN', hint: expect.stringMatching(/administrator/i) },
    });
    expect(t.attention.map((e) => e.code)).toEqual(['DIRECTORY_NOT_ADMIN']);
  });

  it('the Admin SDK disabled in the project: DIRECTORY_API_DISABLED with its hint', async () => {
    const t = syncHarness('google');
    t.token.value = (await googleOAuthToken('admin@fabrikam.example')).access_token;
    await sandboxControl('POST', 'directory/fabrikam/admin-sdk', { enabled: false, project: 'platform' });
    try {
      const result = await t.sync.runNow(t.orgId, t.connection.id);
      expect(result).toMatchObject({
        outcome: 'failed',
        error: { code: 'DIRECTORY_API_DISABLED', hint: expect.stringMatching(/Admin SDK API/) },
      });
      expect(t.attention.map((e) => e.code)).toEqual(['DIRECTORY_API_DISABLED']);
    } finally {
      await sandboxControl('POST', 'directory/fabrikam/admin-sdk', { enabled: true });
    }
  });

  it('waits out a 429 with its Retry-After and finishes', async () => {
    const t = syncHarness('google');
    t.token.value = adminToken;
    await sandboxControl('POST', 'directory/throttle', { provider: 'google', count: 1, retryAfter: '2' });
    expect(await t.sync.runNow(t.orgId, t.connection.id)).toMatchObject({ outcome: 'ok' });
    expect(t.waits).toEqual([2000]);
  });
});
