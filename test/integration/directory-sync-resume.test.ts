/**
 * A large directory syncs over many queue invocations, for Microsoft (Graph delta) and Google (Admin
 * SDK listings): 10,000 users and 1,000 groups (seeded in the sandbox directly), a budget of a few
 * pages per invocation (a page count: no real time involved, the clock is injected), and in the
 * middle of each sync a message delivered twice and an instance that dies after a page was written
 * but before its position was saved. Each sync ends with the exact copy of the sandbox's directory;
 * the first announces nobody, the second exactly the changes made in between, each event once.
 */
import { RUN_LIMIT_MS } from '@shared/directory/sync/progress';
import type { DirectoryProvider, DirectoryUser } from '@shared/model/directory';
import { MEMBER_KEY_SEPARATOR } from '@shared/store/directoryStore';
import type { DirectorySyncRowStore } from '@shared/store/directorySyncRow';
import type { SeedDirectory } from '../../dev/sandbox/directory-seed';
import { sandboxControl } from '../support/env';
import { consentedDirectoryAppToken, serviceAccountToken } from './directory-sandbox-helpers';
import { eventLines, pageBudget, syncHarness, type SyncHarness } from './directory-sync-helpers';

const USERS = 10_000;
const GROUPS = 1_000;
const MEMBERS_PER_GROUP = 3;

const DIRS: Record<DirectoryProvider, string> = { microsoft: 'contoso', google: 'fabrikam' };
/** Pages per invocation: Google's members phase counts one page per window of groups. */
const BUDGET: Record<DirectoryProvider, number> = { microsoft: 4, google: 40 };

const tokens = {} as Record<DirectoryProvider, string>;

beforeAll(async () => {
  await sandboxControl('POST', 'reset');
  for (const dir of Object.values(DIRS)) {
    await sandboxControl('POST', `directory/${dir}/grow`, { users: USERS });
    await sandboxControl('POST', `directory/${dir}/grow-groups`, { groups: GROUPS, membersPerGroup: MEMBERS_PER_GROUP });
  }
  tokens.microsoft = await consentedDirectoryAppToken();
  tokens.google = (await serviceAccountToken('admin@fabrikam.example')).body.access_token;
});

/** An instance that dies: once armed, the first page save after an event (or any, with `anyPage`) fails, and so does every later write of that invocation. */
function dyingInstance() {
  const crash = { armed: false, anyPage: false, dead: false, crashes: 0, writes: 0, eventsAtArm: 0, events: [] as unknown[] };
  const wrap = (rows: DirectorySyncRowStore): DirectorySyncRowStore => ({
    ...rows,
    write: async (orgId, connectionId, state, etag) => {
      if (crash.dead) throw new Error('the instance died (test)');
      crash.writes++;
      // Write 1 of an invocation is its claim; later ones save a page's position.
      if (crash.armed && crash.writes > 1 && (crash.anyPage || crash.events.length > crash.eventsAtArm)) {
        crash.armed = false;
        crash.dead = true;
        crash.crashes++;
        throw new Error('the instance died (test)');
      }
      return rows.write(orgId, connectionId, state, etag);
    },
  });
  return { crash, wrap };
}

/**
 * Runs the queued messages the way the host would: invocation `duplicateOf` is delivered again after
 * it ran; from invocation `crashAt` on, the instance dies once (see dyingInstance), and its message
 * is redelivered at once (the sync is still marked as running: deferred) and again once the mark's
 * time is up. Returns each message's outcome and the invocations that ran the sync.
 */
async function drain(
  t: SyncHarness,
  crash: ReturnType<typeof dyingInstance>['crash'],
  clock: { now: number },
  plan: { duplicateOf: number; crashAt: number; anyPage: boolean },
) {
  const outcomes: string[] = [];
  let invocation = 0;
  let crashed = 0;
  while (t.queued.length) {
    const message = t.queued.shift();
    invocation++;
    crash.writes = 0;
    if (invocation === plan.crashAt) Object.assign(crash, { armed: true, anyPage: plan.anyPage, eventsAtArm: t.events.length });
    let result;
    try {
      result = await t.sync.run(message);
    } catch (error) {
      expect(String(error)).toContain('the instance died (test)');
      crashed++;
      crash.dead = false;
      expect(await t.sync.run(message)).toEqual({ outcome: 'deferred' });
      expect(t.queued.pop()).toEqual(message);
      clock.now += RUN_LIMIT_MS;
      crash.writes = 0;
      result = await t.sync.run(message);
    }
    outcomes.push(result.outcome);
    if (invocation === plan.duplicateOf) {
      const pending = t.queued.length;
      expect(await t.sync.run(message)).toEqual({ outcome: 'skipped' });
      expect(t.queued).toHaveLength(pending);
    }
    if (result.outcome === 'ok') return { outcomes, result, invocations: outcomes.length + crashed };
  }
  throw new Error(`the sync did not finish: ${outcomes.join(', ')}`);
}

async function expectExactCopy(t: SyncHarness, provider: DirectoryProvider): Promise<void> {
  const world = await sandboxControl<SeedDirectory>('GET', `directory/${DIRS[provider]}/export`);
  const expected = new Map<string, DirectoryUser>();
  for (const u of world.users) {
    // Google's primaryEmail is the principal when there is no separate mail.
    const mail = provider === 'google' ? (u.mail ?? u.principal) : u.mail;
    expected.set(u.id, {
      id: u.id,
      displayName: u.displayName,
      enabled: u.enabled,
      ...(mail ? { mail } : {}),
      ...(u.jobTitle ? { jobTitle: u.jobTitle } : {}),
      ...(u.department ? { department: u.department } : {}),
    });
  }
  const stored = new Map<string, DirectoryUser>();
  for await (const row of t.store.scan(t.orgId, 'user', { connectionId: t.connection.id })) stored.set(row.value.id, row.value);
  expect(stored.size).toBe(expected.size);
  for (const [id, user] of expected) expect({ id, user: stored.get(id) }).toEqual({ id, user });
  const groups = new Map<string, string>();
  for await (const row of t.store.scan(t.orgId, 'group', { connectionId: t.connection.id })) groups.set(row.value.id, row.value.name);
  expect(groups).toEqual(new Map(world.groups.map((g) => [g.id, g.name])));
  const memberships = await t.store.memberships(t.orgId, t.connection.id);
  expect(memberships).toEqual(new Set(world.groups.flatMap((g) => g.members.map((m) => `${g.id}${MEMBER_KEY_SEPARATOR}${m}`))));
}

/** Changes between the two syncs; returns the events they must give, as eventLines. */
async function change(provider: DirectoryProvider): Promise<string[]> {
  const dir = DIRS[provider];
  const world = await sandboxControl<SeedDirectory>('GET', `directory/${dir}/export`);
  const grown = world.groups.filter((g) => g.name.startsWith('Group '));
  const [a, b, c, gone] = [grown[10], grown[500], grown[990], grown[700]];
  const [changed, disabled, leaver, joinerOfB] = [a.members[0], b.members[1], c.members[2], grown[300].members[0]];
  const leaverOf = world.groups.filter((g) => g.members.includes(leaver)).map((g) => g.id);
  const newcomer = (await sandboxControl<{ id: string }>('POST', `directory/${dir}/users`, { local: 'newcomer', displayName: 'New Comer' }))
    .id;
  await sandboxControl('POST', `directory/${dir}/groups/${a.id}/members`, { id: newcomer });
  await sandboxControl('PATCH', `directory/${dir}/users/${changed}`, { jobTitle: 'Team Lead' });
  await sandboxControl('PATCH', `directory/${dir}/users/${disabled}`, { enabled: false });
  await sandboxControl('DELETE', `directory/${dir}/users/${leaver}`);
  await sandboxControl('DELETE', `directory/${dir}/groups/${gone.id}`);
  await sandboxControl('POST', `directory/${dir}/groups/${b.id}/members`, { id: joinerOfB });
  await sandboxControl('DELETE', `directory/${dir}/groups/${c.id}/members/${c.members[0]}`);
  return [
    `directory.user.created ${newcomer}`,
    `directory.group.members_changed ${a.id} +[${newcomer}] -[]`,
    `directory.user.updated ${changed}`,
    `directory.user.disabled ${disabled}`,
    `directory.user.deleted ${leaver}`,
    ...leaverOf.filter((g) => g !== c.id).map((g) => `directory.group.members_changed ${g} +[] -[${leaver}]`),
    `directory.group.members_changed ${c.id} +[] -[${[c.members[0], leaver].sort().join(',')}]`,
    `directory.group.deleted ${gone.id}`,
    `directory.group.members_changed ${b.id} +[${joinerOfB}] -[]`,
  ].sort();
}

describe.each(['microsoft', 'google'] as const)(
  'a %s directory of 10,000 users and 1,000 groups, a few pages per invocation',
  (provider) => {
    it('completes over many invocations with the exact copy, through a duplicate delivery and a dying instance; the next sync announces exactly the changes, each once', async () => {
      const clock = { now: Date.parse('2026-12-07T04:00:00Z') };
      const { crash, wrap } = dyingInstance();
      const pages = { perInvocation: BUDGET[provider] };
      const t = syncHarness(provider, {
        customer: provider === 'google' ? 'my_customer' : undefined,
        clock: () => new Date(clock.now),
        budget: () => pageBudget(pages.perInvocation)(),
        rows: wrap,
      });
      t.token.value = tokens[provider];
      crash.events = t.events;

      await t.sync.request(t.orgId, t.connection.id);
      const first = await drain(t, crash, clock, { duplicateOf: 1, crashAt: 3, anyPage: true });
      expect(crash.crashes).toBe(1);
      expect(first.outcomes.length).toBeGreaterThan(4);
      expect(first.outcomes.slice(0, -1).every((o) => o === 'continued')).toBe(true);
      expect(first.result).toMatchObject({ outcome: 'ok', kind: 'full', invocations: first.invocations });
      expect(first.result.counts!.users).toBeGreaterThanOrEqual(USERS);
      expect(first.result.counts!.groups).toBeGreaterThan(GROUPS);
      expect(t.events).toEqual([]);
      await expectExactCopy(t, provider);
      const synced = await t.sync.status(t.orgId, t.connection.id);
      expect(synced).not.toHaveProperty('progress');
      expect(synced).not.toHaveProperty('lease');

      const expected = await change(provider);
      clock.now += 7 * 3600_000;
      await t.sync.request(t.orgId, t.connection.id);
      // Microsoft's delta round is two pages (users, groups): one per invocation, so the groups page, with its membership events, dies.
      if (provider === 'microsoft') pages.perInvocation = 1;
      const second = await drain(t, crash, clock, { duplicateOf: 1, crashAt: 2, anyPage: false });
      expect(crash.crashes).toBe(2);
      expect(second.result).toMatchObject({
        outcome: 'ok',
        kind: provider === 'microsoft' ? 'delta' : 'full',
        invocations: second.invocations,
      });
      expect(second.outcomes.length).toBeGreaterThan(1);
      expect(eventLines(t.events)).toEqual(expected);
      expect(new Set(t.events.map((e) => e.id)).size).toBe(t.events.length);
      await expectExactCopy(t, provider);
    }, 1_200_000);
  },
);
