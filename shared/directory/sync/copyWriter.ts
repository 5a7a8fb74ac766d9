/**
 * Turns what a provider lists into writes of the synced copy and into events, one page at a time.
 *
 * Two modes, one per kind of provider answer:
 * - `full`: the provider lists everything (Google, or a Microsoft delta round without a deltaLink).
 *   The writer loads only a compact map of the stored copy (id -> content hash, membership keys),
 *   writes what differs, and at the end removes what was not listed (the sweep).
 * - `delta`: the provider lists only changes, possibly partial objects (Graph delta: "updated
 *   instances are represented by their id with at least their updated properties",
 *   https://learn.microsoft.com/graph/delta-query-overview). The writer reads the stored row of each
 *   changed object and merges.
 *
 * Events are handed to the bus BEFORE the page is written: if the sync dies in between, its re-run
 * sees the same changes and sends them again under the same ids (changeEvents.ts), so nothing is lost
 * and receivers de-duplicate. The first sync of a connection emits none: the people already in a
 * directory are not joiners, and a 10,000-user tenant must not greet its SaaS with 10,000 events
 * (README "Directory sync").
 */
import type { PlatformEvent, PlatformEventSink } from '../../events/types';
import { MEMBER_KEY_SEPARATOR, type DirectoryStore, type DirectoryWrite } from '../../store/directoryStore';
import type { DirectoryGroup, DirectoryMember, DirectoryUser } from '../model';
import { groupEvent, groupHash, membersEvents, userEvent, userHash, wasEnabled, type EventScope } from './changeEvents';

/** A provider's user: absent field = unchanged (delta), null = cleared. */
export type UserPatch = { id: string } & { [K in 'mail' | 'displayName' | 'jobTitle' | 'department']?: string | null } & { enabled?: boolean };
export type GroupPatch = { id: string } & { [K in 'mail' | 'name']?: string | null };

export interface CopyWriterOptions {
  store: DirectoryStore;
  events: PlatformEventSink;
  scope: EventScope;
  mode: 'full' | 'delta';
  /** False on a connection's first sync. */
  emit: boolean;
  /** Delta mode: the counts before this sync. */
  counts?: { users: number; groups: number };
}

const FLUSH_AT = 500;

function applyPatch<T extends object>(base: T, patch: object): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null || value === '') delete out[key];
    else out[key] = value;
  }
  return out as T;
}

export class CopyWriter {
  private writes: DirectoryWrite[] = [];
  private pending: PlatformEvent[] = [];
  private memberChanges = new Map<string, { added: string[]; removed: string[] }>();
  /** Delta mode: this page's not-yet-written state (null = removed), read before the store. */
  private overlay = new Map<string, DirectoryUser | DirectoryGroup | null>();
  private memberOverlay = new Map<string, boolean>();
  /** Full mode: what this run already listed (id -> the hash written), so a repeat is not a new object. */
  private seen = new Map<string, string>();
  private counts: { users: number; groups: number };
  /** Table operations made so far. */
  operations = 0;

  private constructor(
    private readonly options: CopyWriterOptions,
    private readonly stored?: { users: Map<string, string>; groups: Map<string, string>; members: Set<string> },
  ) {
    this.counts = options.mode === 'full' ? { users: 0, groups: 0 } : { ...(options.counts ?? { users: 0, groups: 0 }) };
  }

  static async open(options: CopyWriterOptions): Promise<CopyWriter> {
    if (options.mode === 'delta') return new CopyWriter(options);
    const { store, scope } = options;
    const [users, groups, members] = await Promise.all([
      store.hashes(scope.orgId, scope.connectionId, 'user'),
      store.hashes(scope.orgId, scope.connectionId, 'group'),
      store.memberships(scope.orgId, scope.connectionId),
    ]);
    return new CopyWriter(options, { users, groups, members });
  }

  get totals(): { users: number; groups: number } {
    return { ...this.counts };
  }

  private event(make: () => PlatformEvent | PlatformEvent[]): void {
    if (this.options.emit) this.pending.push(...([] as PlatformEvent[]).concat(make()));
  }

  private async previous<T extends DirectoryUser | DirectoryGroup>(key: string, read: () => Promise<T | undefined>): Promise<T | undefined> {
    return this.overlay.has(key) ? ((this.overlay.get(key) as T | null) ?? undefined) : read();
  }

  async user(patch: UserPatch): Promise<void> {
    const { scope, store } = this.options;
    let prevHash: string | undefined;
    let user: DirectoryUser;
    if (this.stored) {
      const again = this.seen.get(`u${patch.id}`);
      if (again !== undefined && !('displayName' in patch)) return;
      prevHash = again ?? this.stored.users.get(patch.id);
      if (again === undefined) this.counts.users++;
      this.stored.users.delete(patch.id);
      user = applyPatch<DirectoryUser>({ id: patch.id, displayName: '', enabled: true }, patch);
    } else {
      const prev = await this.previous(`u${patch.id}`, () => store.getUser(scope.orgId, scope.connectionId, patch.id));
      prevHash = prev && userHash(prev);
      if (!prev) this.counts.users++;
      user = applyPatch<DirectoryUser>(prev ?? { id: patch.id, displayName: '', enabled: true }, patch);
      this.overlay.set(`u${patch.id}`, user);
    }
    user.displayName ??= '';
    const hash = userHash(user);
    if (this.stored) this.seen.set(`u${user.id}`, hash);
    if (hash === prevHash) return;
    this.writes.push({ op: 'putUser', user, hash });
    const type = !prevHash ? 'directory.user.created' : wasEnabled(prevHash) && !user.enabled ? 'directory.user.disabled' : 'directory.user.updated';
    this.event(() => userEvent(scope, type, user, hash));
    await this.maybeFlush();
  }

  async group(patch: GroupPatch): Promise<void> {
    const { scope, store } = this.options;
    let prevHash: string | undefined;
    let group: DirectoryGroup;
    if (this.stored) {
      // Graph splits a large group's members over several pages, repeating the group on each.
      const again = this.seen.get(`g${patch.id}`);
      if (again !== undefined && !('name' in patch)) return;
      prevHash = again ?? this.stored.groups.get(patch.id);
      if (again === undefined) this.counts.groups++;
      this.stored.groups.delete(patch.id);
      group = applyPatch<DirectoryGroup>({ id: patch.id, name: '' }, patch);
    } else {
      const prev = await this.previous(`g${patch.id}`, () => store.getGroup(scope.orgId, scope.connectionId, patch.id));
      prevHash = prev && groupHash(prev);
      if (!prev) this.counts.groups++;
      group = applyPatch<DirectoryGroup>(prev ?? { id: patch.id, name: '' }, patch);
      this.overlay.set(`g${patch.id}`, group);
    }
    group.name ??= '';
    const hash = groupHash(group);
    if (this.stored) this.seen.set(`g${group.id}`, hash);
    if (hash === prevHash) return;
    this.writes.push({ op: 'putGroup', group, hash });
    this.event(() => groupEvent(scope, prevHash ? 'directory.group.updated' : 'directory.group.created', group, hash));
    await this.maybeFlush();
  }

  /** Delta mode: the provider says the object is gone. */
  async removed(kind: 'user' | 'group', id: string): Promise<void> {
    const { scope, store } = this.options;
    const key = `${kind === 'user' ? 'u' : 'g'}${id}`;
    const prev = await this.previous<DirectoryUser | DirectoryGroup>(key, () => (kind === 'user' ? store.getUser(scope.orgId, scope.connectionId, id) : store.getGroup(scope.orgId, scope.connectionId, id)));
    this.overlay.set(key, null);
    if (!prev) return;
    await this.remove(kind, prev);
  }

  private async remove(kind: 'user' | 'group', prev: (DirectoryUser | DirectoryGroup) & { id: string }): Promise<void> {
    const { scope, store } = this.options;
    this.writes.push({ op: 'delete', kind, id: prev.id });
    if (kind === 'user') {
      this.counts.users--;
      this.event(() => userEvent(scope, 'directory.user.deleted', prev as DirectoryUser, userHash(prev as DirectoryUser)));
    } else {
      this.counts.groups--;
      // A deleted group's memberships go with it (no members_changed for a group that is gone).
      for (const member of await store.members(scope.orgId, scope.connectionId, prev.id)) {
        this.writes.push({ op: 'deleteMember', groupId: prev.id, memberId: member.id });
        this.stored?.members.delete(`${prev.id}${MEMBER_KEY_SEPARATOR}${member.id}`);
      }
      this.event(() => groupEvent(scope, 'directory.group.deleted', prev as DirectoryGroup, groupHash(prev as DirectoryGroup)));
    }
    await this.maybeFlush();
  }

  private change(groupId: string): { added: string[]; removed: string[] } {
    let change = this.memberChanges.get(groupId);
    if (!change) this.memberChanges.set(groupId, (change = { added: [], removed: [] }));
    return change;
  }

  /** A member listed (full) or added (delta). */
  async member(groupId: string, member: DirectoryMember): Promise<void> {
    const key = `${groupId}${MEMBER_KEY_SEPARATOR}${member.id}`;
    if (this.stored) {
      if (this.seen.has(`m${key}`)) return;
      this.seen.set(`m${key}`, '');
      if (this.stored.members.delete(key)) return;
    } else {
      const { scope, store } = this.options;
      const known = this.memberOverlay.get(key) ?? (await store.hasMember(scope.orgId, scope.connectionId, groupId, member.id));
      this.memberOverlay.set(key, true);
      if (known) return;
    }
    this.writes.push({ op: 'putMember', groupId, member });
    if (this.options.emit) this.change(groupId).added.push(member.id);
    await this.maybeFlush();
  }

  /** Delta mode: a member left. */
  async memberRemoved(groupId: string, memberId: string): Promise<void> {
    const { scope, store } = this.options;
    const key = `${groupId}${MEMBER_KEY_SEPARATOR}${memberId}`;
    const known = this.memberOverlay.get(key) ?? (await store.hasMember(scope.orgId, scope.connectionId, groupId, memberId));
    this.memberOverlay.set(key, false);
    if (!known) return;
    this.writes.push({ op: 'deleteMember', groupId, memberId });
    if (this.options.emit) this.change(groupId).removed.push(memberId);
    await this.maybeFlush();
  }

  private async maybeFlush(): Promise<void> {
    if (this.writes.length >= FLUSH_AT) await this.flush();
  }

  /** Page boundary: events first, then the writes. */
  async flush(): Promise<void> {
    const { scope, store, events } = this.options;
    for (const [groupId, change] of this.memberChanges) this.pending.push(...membersEvents(scope, groupId, change.added, change.removed));
    for (const event of this.pending) await events(event);
    this.operations += await store.apply(scope.orgId, scope.connectionId, this.writes);
    this.writes = [];
    this.pending = [];
    this.memberChanges.clear();
    this.overlay.clear();
    this.memberOverlay.clear();
  }

  /** Full mode, after the last page: whatever was stored but not listed is gone. */
  async sweep(): Promise<void> {
    if (!this.stored) return;
    const { scope, store } = this.options;
    const { users, groups, members } = this.stored;
    for (const id of groups.keys()) {
      const prev = this.options.emit ? await store.getGroup(scope.orgId, scope.connectionId, id) : undefined;
      this.counts.groups++; // remove() counts it down; a swept object was never counted up
      await this.remove('group', prev ?? { id, name: '' });
    }
    for (const id of users.keys()) {
      const prev = this.options.emit ? await store.getUser(scope.orgId, scope.connectionId, id) : undefined;
      this.counts.users++;
      await this.remove('user', prev ?? { id, displayName: '', enabled: false });
    }
    for (const key of members) {
      const [groupId, memberId] = key.split(MEMBER_KEY_SEPARATOR);
      this.writes.push({ op: 'deleteMember', groupId, memberId });
      if (this.options.emit) this.change(groupId).removed.push(memberId);
      await this.maybeFlush();
    }
    users.clear();
    groups.clear();
    members.clear();
    await this.flush();
  }
}
