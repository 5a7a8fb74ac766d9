/**
 * The sandbox's Graph directory over plain fetch, with tokens from the sandbox's own Entra:
 * admin-only delegated scopes (a non-admin is refused, an admin's token carries them in `scp`), the
 * directory app's admin consent (roles in app-only tokens), 403 without them, users / groups /
 * members / transitiveMembers with $select and paging, delta rounds that return exactly the
 * changes, 410 after a reset or for a corrupted token, 429s, request counts, growth to 10,000.
 */
import { decodeJwt } from 'jose';
import { createGraphClient } from '@shared/providers/microsoft/graphClient';
import { CONTOSO_DIRECTORY_USER_IDS as U, CONTOSO_GROUP_IDS as G } from '../../dev/sandbox/directory-seed';
import { sandboxControl, sandboxUrls } from '../support/env';
import {
  consentedDirectoryAppToken,
  delegatedGraphToken,
  directoryAdminConsent,
  directoryAppToken,
  graphGet,
  graphWalk,
  microsoftSignIn,
} from './directory-sandbox-helpers';

const SELECT = '$select=id,displayName,mail,jobTitle,department,accountEnabled';
const ids = (items: Array<Record<string, any>>) => items.map((i) => String(i.id)).sort();

beforeEach(() => sandboxControl('POST', 'reset'));

describe('sandbox Entra: directory permissions', () => {
  it('refuses a non-admin the admin-only delegated scopes with access_denied / AADSTS90094 at the callback', async () => {
    const back = await microsoftSignIn('notifications@contoso.example');
    expect(back.get('code')).toBeNull();
    expect(back.get('error')).toBe('access_denied');
    expect(back.get('error_description')).toMatch(
      /^AADSTS90094: org-mailer needs permission to access resources in your organization that only an admin can grant/,
    );
    expect(back.get('state')).toBe('s1');
  });

  it("grants them on an admin's sign-in: the delegated token carries User.Read.All and Group.Read.All in scp", async () => {
    const answer = await delegatedGraphToken('admin@contoso.example');
    expect(answer.scope.split(' ')).toEqual(expect.arrayContaining(['User.Read.All', 'Group.Read.All']));
    expect(answer.refresh_token).toEqual(expect.any(String));
    expect(String(decodeJwt(answer.access_token).scp).split(' ')).toEqual(expect.arrayContaining(['User.Read.All', 'Group.Read.All']));
    const users = await graphGet('/v1.0/users?$select=id', answer.access_token);
    expect(users.status).toBe(200);
  });

  it('the directory app: no token before admin consent (AADSTS700016); after it, roles User.Read.All and Group.Read.All', async () => {
    const before = await directoryAppToken();
    expect(before.status).toBe(400);
    expect(before.body.error_codes).toEqual([700016]);
    const back = await directoryAdminConsent();
    expect(back.get('admin_consent')).toBe('True');
    const after = await directoryAppToken();
    expect(after.status).toBe(200);
    expect(decodeJwt(after.body.access_token).roles).toEqual(['User.Read.All', 'Group.Read.All']);
  });

  it('403 Authorization_RequestDenied for a token with neither the scope nor the role', async () => {
    const mailOnly = await delegatedGraphToken(
      'notifications@contoso.example',
      'openid offline_access https://graph.microsoft.com/Mail.Send',
    );
    for (const path of ['/v1.0/users', '/v1.0/groups', '/v1.0/users/delta', `/v1.0/groups/${G.legal}/members`]) {
      const answer = await graphGet(path, mailOnly.access_token);
      expect(answer.status).toBe(403);
      expect(answer.body.error).toMatchObject({
        code: 'Authorization_RequestDenied',
        message: 'Insufficient privileges to complete the operation.',
      });
    }
  });
});

describe('sandbox Graph directory reads', () => {
  it('lists users page by page ($top), with only the selected properties; default properties leave out accountEnabled', async () => {
    const token = await consentedDirectoryAppToken();
    const walk = await graphWalk(`/v1.0/users?${SELECT}&$top=5`, token);
    expect(walk.pages).toBe(3);
    expect(walk.items).toHaveLength(13);
    expect(walk.items.find((u) => u.id === U.dan)).toEqual({
      id: U.dan,
      displayName: 'Dan Former',
      mail: 'dan@contoso.example',
      jobTitle: 'Privacy Analyst',
      department: 'Privacy',
      accountEnabled: false,
    });
    expect(walk.items.find((u) => u.id === U.sam)!.mail).toBeNull();
    const plain = await graphGet('/v1.0/users', token);
    expect(plain.body.value[0]).not.toHaveProperty('accountEnabled');
    expect(plain.body.value[0]).toHaveProperty('userPrincipalName');
    const bad = await graphGet('/v1.0/users?$select=id,shoeSize', token);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe("Could not find a property named 'shoeSize' on type 'microsoft.graph.user'.");
  });

  it('Prefer: odata.maxpagesize pages groups and is acknowledged', async () => {
    const token = await consentedDirectoryAppToken();
    const first = await graphGet('/v1.0/groups?$select=id,displayName,mail', token, { prefer: 'odata.maxpagesize=4' });
    expect(first.headers.get('preference-applied')).toBe('odata.maxpagesize=4');
    expect(first.body.value).toHaveLength(4);
    const second = await graphGet(first.body['@odata.nextLink'], token, { prefer: 'odata.maxpagesize=4' });
    expect(second.body.value).toHaveLength(2);
    expect(second.body['@odata.nextLink']).toBeUndefined();
    expect(ids([...first.body.value, ...second.body.value])).toEqual(Object.values(G).sort());
  });

  it('members and transitiveMembers: nested groups resolved, the Ops <-> On-call cycle visited once', async () => {
    const token = await consentedDirectoryAppToken();
    const direct = await graphWalk(`/v1.0/groups/${G.privacyTeam}/members?$select=id,mail`, token);
    expect(ids(direct.items)).toEqual([U.ada, U.ben, U.dan, G.legal].sort());
    expect(direct.items.find((m) => m.id === G.legal)!['@odata.type']).toBe('#microsoft.graph.group');
    const nested = await graphWalk(`/v1.0/groups/${G.privacyTeam}/transitiveMembers?$select=id`, token);
    expect(ids(nested.items)).toEqual([U.ada, U.ben, U.dan, G.legal, U.carla, U.erin].sort());
    const cycle = await graphWalk(`/v1.0/groups/${G.ops}/transitiveMembers?$top=2`, token);
    expect(ids(cycle.items)).toEqual([U.grace, G.onCall, U.admin].sort());
    expect((await graphGet('/v1.0/groups/no-such-group/members', token)).status).toBe(404);
  });
});

describe('sandbox Graph delta queries', () => {
  it('a later round returns exactly the changes: a joiner, a leaver (@removed) and a membership change (members@delta)', async () => {
    const token = await consentedDirectoryAppToken();
    const pageOf3 = { prefer: 'odata.maxpagesize=3' };
    const users = await graphWalk(`/v1.0/users/delta?${SELECT}`, token, pageOf3);
    expect(users.pages).toBe(5);
    expect(users.items).toHaveLength(13);
    const groups = await graphWalk('/v1.0/groups/delta?$select=id,displayName,mail,members', token, pageOf3);
    expect(groups.items.find((g) => g.id === G.legal)!['members@delta']).toEqual([
      { '@odata.type': '#microsoft.graph.user', id: U.carla },
      { '@odata.type': '#microsoft.graph.user', id: U.erin },
    ]);

    const joiner = await sandboxControl('POST', 'directory/contoso/users', {
      local: 'hal',
      displayName: 'Hal Newman',
      department: 'Legal',
    });
    await sandboxControl('DELETE', `directory/contoso/users/${U.frank}`);
    await sandboxControl('POST', `directory/contoso/groups/${G.legal}/members`, { id: joiner.id });

    const userChanges = await graphWalk(users.deltaLink!, token);
    expect(userChanges.items).toEqual([
      { id: U.frank, '@removed': { reason: 'changed' } },
      { id: joiner.id, displayName: 'Hal Newman', mail: 'hal@contoso.example', jobTitle: null, department: 'Legal', accountEnabled: true },
    ]);
    const groupChanges = await graphWalk(groups.deltaLink!, token);
    const byId = Object.fromEntries(groupChanges.items.map((g) => [g.id, g]));
    expect(Object.keys(byId).sort()).toEqual([G.legal, G.allStaff, G.sales].sort());
    expect(byId[G.legal]['members@delta']).toEqual([{ '@odata.type': '#microsoft.graph.user', id: joiner.id }]);
    expect(byId[G.sales]['members@delta']).toEqual([
      { '@odata.type': '#microsoft.graph.user', id: U.frank, '@removed': { reason: 'deleted' } },
    ]);

    const quiet = await graphWalk(userChanges.deltaLink!, token);
    expect(quiet.items).toEqual([]);

    const counts = await sandboxControl('GET', 'directory/requests?provider=microsoft');
    expect(counts.byKind).toMatchObject({
      'users/delta:initial': 1,
      'users/delta:next': 4,
      'users/delta:delta': 2,
      'groups/delta:initial': 1,
      'groups/delta:delta': 1,
    });
  });

  it('410 syncStateNotFound with a fresh Location after a reset, after expire-delta-tokens, and for a corrupted token', async () => {
    const token = await consentedDirectoryAppToken();
    const { deltaLink } = await graphWalk('/v1.0/users/delta?$select=id,mail', token);
    await sandboxControl('POST', 'directory/contoso/expire-delta-tokens');
    const expired = await graphGet(deltaLink!, token);
    expect(expired.status).toBe(410);
    expect(expired.body.error).toMatchObject({
      code: 'syncStateNotFound',
      message: 'The sync state generation is not found. The delta token is expired and data must be synchronized again.',
    });
    const restart = await graphWalk(expired.headers.get('location')!, token);
    expect(restart.items).toHaveLength(13);
    expect(Object.keys(restart.items[0]).sort()).toEqual(['id', 'mail']);

    const corrupted = new URL(restart.deltaLink!);
    corrupted.searchParams.set('$deltatoken', 'not-a-token');
    expect((await graphGet(corrupted.toString(), token)).status).toBe(410);

    const fresh = await consentedDirectoryAppToken().then(async (t) => ({
      t,
      link: (await graphWalk('/v1.0/groups/delta', t)).deltaLink!,
    }));
    await sandboxControl('POST', 'reset');
    await directoryAdminConsent();
    const afterReset = await graphGet(fresh.link, (await directoryAppToken()).body.access_token);
    expect(afterReset.status).toBe(410);
  });

  it('$deltatoken=latest: no data, a deltaLink from now on; single users and groups by id or UPN', async () => {
    const token = await consentedDirectoryAppToken();
    const latest = await graphGet('/v1.0/users/delta?$deltatoken=latest&$select=id,displayName', token);
    expect(latest.body.value).toEqual([]);
    await sandboxControl('PATCH', `directory/contoso/users/${U.ada}`, { displayName: 'Ada King' });
    expect((await graphWalk(latest.body['@odata.deltaLink'], token)).items).toEqual([{ id: U.ada, displayName: 'Ada King' }]);
    const byUpn = await graphGet('/v1.0/users/carla@contoso.example?$select=id,jobTitle', token);
    expect(byUpn.body).toMatchObject({ id: U.carla, jobTitle: 'Counsel' });
    expect((await graphGet(`/v1.0/groups/${G.onCall}?$select=id,displayName,mail`, token)).body).toMatchObject({
      id: G.onCall,
      displayName: 'On-call',
      mail: null,
    });
    expect((await graphGet('/v1.0/users/ghost@contoso.example', token)).body.error.code).toBe('Request_ResourceNotFound');
  });

  it('the Graph SDK client follows nextLink and deltaLink against it', async () => {
    const token = await consentedDirectoryAppToken();
    const client = createGraphClient(sandboxUrls.graph, async () => token);
    const seen: string[] = [];
    let page = await client.api('/users/delta').select('id,mail,accountEnabled').header('Prefer', 'odata.maxpagesize=4').get();
    for (;;) {
      seen.push(...page.value.map((u: { id: string }) => u.id));
      if (!page['@odata.nextLink']) break;
      page = await client.api(page['@odata.nextLink']).header('Prefer', 'odata.maxpagesize=4').get();
    }
    expect(seen).toHaveLength(13);
    await sandboxControl('PATCH', `directory/contoso/users/${U.grace}`, { enabled: false, jobTitle: 'Former SRE' });
    const changes = await client.api(page['@odata.deltaLink']).get();
    expect(changes.value).toEqual([{ id: U.grace, mail: 'grace@contoso.example', accountEnabled: false }]);
  });

  it('429 with Retry-After when armed, then normal answers', async () => {
    const token = await consentedDirectoryAppToken();
    await sandboxControl('POST', 'directory/throttle', { provider: 'microsoft', count: 1, retryAfter: '7' });
    const throttled = await graphGet('/v1.0/users/delta', token);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('7');
    expect(throttled.body.error.code).toBe('TooManyRequests');
    expect((await graphGet('/v1.0/users/delta', token)).status).toBe(200);
  });

  it('grows Contoso to 10,000 users (the new ones also in Sales), all listed by a delta round of 999-user pages', async () => {
    const grown = await sandboxControl('POST', 'directory/contoso/grow', { users: 10_000, group: G.sales });
    expect(grown).toEqual({ added: 10_000 - 13, users: 10_000 });
    const token = await consentedDirectoryAppToken();
    const walk = await graphWalk('/v1.0/users/delta?$select=id,mail', token, { prefer: 'odata.maxpagesize=999' });
    expect(walk.pages).toBe(11);
    expect(new Set(walk.items.map((u) => u.id)).size).toBe(10_000);
    const sales = await graphWalk(`/v1.0/groups/${G.sales}/members?$select=id&$top=999`, token);
    expect(sales.items).toHaveLength(2 + 10_000 - 13);
  });
});
