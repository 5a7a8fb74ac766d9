/**
 * The sandbox's directories (state and mutations): Contoso's Microsoft 365 directory (key: its
 * tenant id) and Fabrikam's Google Workspace directory (key: its domain), seeded from
 * `directory-seed.ts`. Graph (`graph-directory.ts`, `graph-delta.ts`), the Admin SDK
 * (`google-directory.ts`) and the control API (`directory-control.ts`) read and change this one model.
 *
 * Change tracking, the way Graph delta queries need it: every mutation bumps the directory's
 * `version` and stamps the changed object with it, so "changed since token version v" is "objects
 * whose version > v". Deleted users stay as tombstones (`removed`); memberships keep a log of
 * (version, member) touches so `members@delta` can list just the added and removed members.
 * `generation` changes on `POST /_sandbox/reset` and on `expire-delta-tokens`: a delta token of an
 * older generation answers 410 (https://learn.microsoft.com/graph/delta-query-overview#synchronization-reset).
 * `seq` is a stable creation order, so paging is keyset-based and never skips an object that
 * changes between two pages.
 */
import { randomUUID } from 'node:crypto';
import type { Sandbox } from './server';
import { CONTOSO_TENANT_ID } from './world';
import { FABRIKAM_DOMAIN } from './google-world';
import { seedContosoDirectory, seedFabrikamDirectory, SeedDirectory, SeedDirectoryUser } from './directory-seed';

/** Delegated Graph scopes that only an administrator can consent to (https://learn.microsoft.com/graph/permissions-reference). */
export const ADMIN_CONSENT_SCOPES: ReadonlySet<string> = new Set([
  'User.Read.All',
  'User.ReadWrite.All',
  'Group.Read.All',
  'Group.ReadWrite.All',
  'GroupMember.Read.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
]);
/** Fabrikam's Workspace super admins: only they may call the Admin SDK directory API. */
export const FABRIKAM_ADMINS: ReadonlySet<string> = new Set([`admin@${FABRIKAM_DOMAIN}`]);
/** Fabrikam's Google customer id (what `customer=my_customer` resolves to). */
export const FABRIKAM_CUSTOMER_ID = 'C03fabrikam';

/**
 * Google Cloud projects whose Admin SDK API can be disabled (control API): the platform's OAuth
 * client lives in `platform`, Fabrikam's service accounts in `fabrikam-project`. Value: the project number.
 */
export const ADMIN_SDK_PROJECTS: Record<string, string> = { platform: '571234567890', 'fabrikam-project': '731045298716' };

export interface DirUser extends SeedDirectoryUser {
  seq: number;
  version: number;
  /** Deleted: `changed` = soft-deleted (restorable for 30 days), `deleted` = permanently. */
  removed?: 'changed' | 'deleted';
}

export interface DirGroup {
  id: string;
  mail?: string;
  name: string;
  members: Set<string>;
  /** Each membership change: the version it happened at and the member touched. */
  memberLog: Array<{ version: number; id: string }>;
  seq: number;
  version: number;
  removed?: 'changed' | 'deleted';
}

export interface Directory {
  key: string;
  /** The principal domain of generated users (`grow`). */
  domain: string;
  users: Map<string, DirUser>;
  groups: Map<string, DirGroup>;
  version: number;
  generation: string;
  nextSeq: number;
  /** Google: the Admin SDK API is disabled in these projects (accessNotConfigured). */
  adminSdkDisabled: Set<string>;
}

const worlds = new WeakMap<Sandbox, Map<string, Directory>>();

function build(key: string, domain: string, seed: SeedDirectory): Directory {
  const dir: Directory = {
    key,
    domain,
    users: new Map(),
    groups: new Map(),
    version: 1,
    generation: randomUUID().slice(0, 8),
    nextSeq: 1,
    adminSdkDisabled: new Set(),
  };
  for (const user of seed.users) dir.users.set(user.id, { ...user, seq: dir.nextSeq++, version: 1 });
  for (const group of seed.groups) {
    dir.groups.set(group.id, {
      id: group.id,
      mail: group.mail,
      name: group.name,
      members: new Set(group.members),
      memberLog: [],
      seq: dir.nextSeq++,
      version: 1,
    });
  }
  return dir;
}

/** Registers the directories (re-seeded on every reset). */
export function registerDirectoryWorld(sandbox: Sandbox): void {
  sandbox.onReset(() => {
    worlds.set(
      sandbox,
      new Map([
        [CONTOSO_TENANT_ID, build(CONTOSO_TENANT_ID, 'contoso.example', seedContosoDirectory())],
        [FABRIKAM_DOMAIN, build(FABRIKAM_DOMAIN, FABRIKAM_DOMAIN, seedFabrikamDirectory())],
      ]),
    );
  });
}

const ALIASES: Record<string, string> = {
  contoso: CONTOSO_TENANT_ID,
  'contoso.example': CONTOSO_TENANT_ID,
  fabrikam: FABRIKAM_DOMAIN,
  [FABRIKAM_CUSTOMER_ID.toLowerCase()]: FABRIKAM_DOMAIN,
};

/**
 * The directory of a Microsoft tenant id or a Google domain (`contoso` / `fabrikam` also work).
 * Another known tenant (Northwind) gets an empty directory on first use.
 */
export function directoryOf(sandbox: Sandbox, key: string, create = false): Directory | undefined {
  const map = worlds.get(sandbox);
  if (!map) throw new Error('internal: registerDirectoryWorld has not run for this sandbox');
  const resolved = ALIASES[key.toLowerCase()] ?? key.toLowerCase();
  let dir = map.get(resolved);
  if (!dir && create) {
    dir = build(resolved, resolved, { users: [], groups: [] });
    map.set(resolved, dir);
  }
  return dir;
}

const bump = (dir: Directory) => ++dir.version;

export const liveUsers = (dir: Directory) => [...dir.users.values()].filter((u) => !u.removed);
export const liveGroups = (dir: Directory) => [...dir.groups.values()].filter((g) => !g.removed);
export const isLive = (item: { removed?: string }) => !item.removed;

export function findDirUser(dir: Directory, idOrPrincipal: string): DirUser | undefined {
  const key = idOrPrincipal.toLowerCase();
  const byId = dir.users.get(key) ?? dir.users.get(idOrPrincipal);
  if (byId && !byId.removed) return byId;
  return liveUsers(dir).find((u) => u.principal.toLowerCase() === key || u.mail?.toLowerCase() === key);
}

export function findDirGroup(dir: Directory, idOrMail: string): DirGroup | undefined {
  const byId = dir.groups.get(idOrMail) ?? dir.groups.get(idOrMail.toLowerCase());
  if (byId && !byId.removed) return byId;
  const key = idOrMail.toLowerCase();
  return liveGroups(dir).find((g) => g.mail?.toLowerCase() === key);
}

export type UserInput = Partial<Omit<SeedDirectoryUser, 'id'>> & { id?: string; local?: string };

/** Adds a user (a joiner). `local` builds principal and mail in the directory's domain. */
export function addUser(dir: Directory, input: UserInput): DirUser | string {
  const id = input.id ?? randomUUID();
  if (dir.users.has(id)) return `user ${id} exists`;
  const principal = input.principal ?? (input.local ? `${input.local}@${dir.domain}` : undefined);
  if (!principal) return 'principal or local is required';
  if (findDirUser(dir, principal)) return `user ${principal} exists`;
  const user: DirUser = {
    id,
    principal,
    mail: input.mail === undefined ? principal : input.mail || undefined,
    displayName: input.displayName ?? principal.split('@')[0],
    jobTitle: input.jobTitle,
    department: input.department,
    enabled: input.enabled ?? true,
    seq: dir.nextSeq++,
    version: bump(dir),
  };
  dir.users.set(id, user);
  return user;
}

const USER_FIELDS = ['mail', 'displayName', 'jobTitle', 'department', 'enabled'] as const;

/** Changes a user's properties (a mover, or `enabled: false` for a leaver who keeps the account). */
export function changeUser(dir: Directory, user: DirUser, input: UserInput): DirUser {
  for (const field of USER_FIELDS) {
    if (input[field] !== undefined) (user as unknown as Record<string, unknown>)[field] = input[field] === '' ? undefined : input[field];
  }
  user.version = bump(dir);
  return user;
}

/** Deletes a user: out of every group, kept as a tombstone for delta queries. */
export function removeUser(dir: Directory, user: DirUser, permanent = false): void {
  for (const group of dir.groups.values()) if (group.members.has(user.id)) removeMember(dir, group, user.id);
  user.removed = permanent ? 'deleted' : 'changed';
  user.version = bump(dir);
}

export function addGroup(dir: Directory, input: { id?: string; name?: string; mail?: string; members?: string[] }): DirGroup | string {
  const id = input.id ?? randomUUID();
  if (dir.groups.has(id)) return `group ${id} exists`;
  if (!input.name) return 'name is required';
  const group: DirGroup = {
    id,
    name: input.name,
    mail: input.mail,
    members: new Set(),
    memberLog: [],
    seq: dir.nextSeq++,
    version: bump(dir),
  };
  dir.groups.set(id, group);
  for (const member of input.members ?? []) {
    const error = addMember(dir, group, member);
    if (error) return error;
  }
  return group;
}

export function removeGroup(dir: Directory, group: DirGroup): void {
  for (const other of dir.groups.values()) if (other.members.has(group.id)) removeMember(dir, other, group.id);
  group.removed = 'deleted';
  group.version = bump(dir);
}

/** A member id must name a live user or group of the same directory. Returns an error text or undefined. */
export function addMember(dir: Directory, group: DirGroup, memberId: string): string | undefined {
  const member = findDirUser(dir, memberId) ?? findDirGroup(dir, memberId);
  if (!member) return `no user or group ${memberId}`;
  if (member.id === group.id) return 'a group cannot contain itself';
  if (group.members.has(member.id)) return undefined;
  group.members.add(member.id);
  group.version = bump(dir);
  group.memberLog.push({ version: group.version, id: member.id });
  return undefined;
}

export function removeMember(dir: Directory, group: DirGroup, memberId: string): boolean {
  if (!group.members.delete(memberId)) return false;
  group.version = bump(dir);
  group.memberLog.push({ version: group.version, id: memberId });
  return true;
}

/** Is this id a group of the directory (members are users or groups)? */
export const isGroupId = (dir: Directory, id: string) => dir.groups.has(id);

/**
 * Grows the directory to `total` live users with generated ones (`user00042@domain`), optionally
 * also members of `groupId`. Objects are small and made in one pass: 10,000 take a few milliseconds.
 */
export function grow(dir: Directory, total: number, groupId?: string): { added: number; users: number } | string {
  const group = groupId === undefined ? undefined : findDirGroup(dir, groupId);
  if (groupId !== undefined && !group) return `no group ${groupId}`;
  let live = liveUsers(dir).length;
  const version = bump(dir);
  let added = 0;
  for (let n = dir.nextSeq; live < total; n++) {
    const local = `user${String(n).padStart(5, '0')}`;
    const principal = `${local}@${dir.domain}`;
    const id = `99000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    if (dir.users.has(id)) continue;
    dir.users.set(id, {
      id,
      principal,
      mail: principal,
      displayName: `User ${n}`,
      jobTitle: 'Staff',
      department: n % 2 ? 'Sales' : 'Operations',
      enabled: true,
      seq: dir.nextSeq++,
      version,
    });
    if (group) {
      group.members.add(id);
      group.memberLog.push({ version, id });
    }
    live += 1;
    added += 1;
  }
  if (group && added) group.version = version;
  return { added, users: live };
}

/**
 * Adds `count` generated groups (`group0001@domain`), each with `perGroup` members taken in turn from
 * the live users, so every user belongs to about count * perGroup / users groups. Groups made in one
 * pass, at one version (a scale world for the sync tests and the bench).
 */
export function growGroups(dir: Directory, count: number, perGroup: number): { added: number; groups: number } {
  const users = liveUsers(dir);
  const version = bump(dir);
  let next = 0;
  for (let n = 1; n <= count; n++) {
    const id = `98000000-0000-4000-8000-${String(dir.nextSeq).padStart(12, '0')}`;
    const members = new Set<string>();
    for (let m = 0; m < perGroup && users.length; m++) members.add(users[next++ % users.length].id);
    const tag = String(dir.nextSeq).padStart(5, '0');
    dir.groups.set(id, {
      id,
      name: `Group ${tag}`,
      mail: `group${tag}@${dir.domain}`,
      members,
      memberLog: [...members].map((m) => ({ version, id: m })),
      seq: dir.nextSeq++,
      version,
    });
  }
  return { added: count, groups: liveGroups(dir).length };
}

/** Every live user and group, memberships included (the tests compare a synced copy with it). */
export function exportDirectory(dir: Directory): SeedDirectory & { users: DirUser[] } {
  return {
    users: liveUsers(dir),
    groups: liveGroups(dir).map((g) => ({ id: g.id, name: g.name, mail: g.mail, members: [...g.members] })),
  };
}

/**
 * One keyset page: the first `size` items after `after` (by `seq`) that pass `keep`, and whether
 * more follow. `items` must come in `seq` order (a directory's maps do: insertion order); nothing is
 * copied, so paging 10,000 users allocates only the page (the bench measures RSS with the sandbox in-process).
 */
export function pageAfter<T extends { seq: number }>(
  items: Iterable<T>,
  after: number,
  size: number,
  keep: (item: T) => boolean = () => true,
): { page: T[]; more: boolean } {
  const page: T[] = [];
  for (const item of items) {
    if (item.seq <= after || !keep(item)) continue;
    if (page.length === size) return { page, more: true };
    page.push(item);
  }
  return { page, more: false };
}

/** Every user and group reachable from a group, each once, cycles safe (Graph `transitiveMembers`). */
export function transitiveMembers(dir: Directory, group: DirGroup): string[] {
  const seen = new Set<string>([group.id]);
  const out: string[] = [];
  const queue = [group];
  while (queue.length) {
    for (const id of queue.shift()!.members) {
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(id);
      const nested = dir.groups.get(id);
      if (nested && !nested.removed) queue.push(nested);
    }
  }
  return out;
}

/** Makes every delta token handed out so far invalid (Graph: a synchronization reset, 410). */
export function expireDeltaTokens(dir: Directory): void {
  dir.generation = randomUUID().slice(0, 8);
}
