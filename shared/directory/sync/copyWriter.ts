/**
 * Turns what a provider lists into writes of the synced copy and into events, one page at a time.
 * One writer serves one queue invocation of a sync; what must outlive it is in the sync row
 * (progress.ts) or in the seen log (shared/store/directorySeenLog.ts).
 *
 * Two modes, one per kind of provider answer:
 * - `full`: the provider lists everything (Google, or a Microsoft delta round without a deltaLink).
 *   Each listed object is compared with the stored copy's content hash (loaded once per invocation,
 *   only when events are due), what differs is written, and the page's keys go to the seen log; at the
 *   end of the sync, `sweep` removes what the copy holds that no page listed.
 * - `delta`: the provider lists only changes, possibly partial objects (Graph delta: "updated
 *   instances are represented by their id with at least their updated properties",
 *   https://learn.microsoft.com/graph/delta-query-overview). The writer reads the stored row of each
 *   changed object and merges.
 *
 * Events are handed to the bus BEFORE the page is written: if the sync dies in between, its re-run
 * sees the same changes and sends them again under the same ids (changeEvents.ts), so nothing is lost
 * and receivers de-duplicate; if it dies after the write, the re-run finds the copy already changed and
 * sends nothing. The first sync of a connection emits none: the people already in a directory are not
 * joiners, and a 10,000-user tenant must not greet its SaaS with 10,000 events (docs/directory.md, "Directory sync").
 */
import type { PlatformEvent, PlatformEventSink } from '../../events/types';
import { MEMBER_KEY_SEPARATOR, type DirectoryStore, type DirectoryWrite } from '../../store/directoryStore';
import type { DirectoryGroup, DirectoryMember, DirectoryUser } from '../../model/directory';
import { groupEvent, groupHash, membersEvents, userEvent, userHash, wasEnabled, type EventScope } from './changeEvents';

/** A provider's user: absent field = unchanged (delta), null = cleared. */
export type UserPatch = { id: string } & { [K in 'mail' | 'displayName' | 'jobTitle' | 'department']?: string | null } & {
  enabled?: boolean;
};
export type GroupPatch = { id: string } & { [K in 'mail' | 'name']?: string | null };

export interface CopyWriterOptions {
  store: DirectoryStore;
  events: PlatformEventSink;
  scope: EventScope;
  mode: 'full' | 'delta';
  /** False on a connection's first sync. */
  emit: boolean;
  /** Full mode: records the keys a page listed (the seen log of this sync's generation). */
  logListed?: (page: string, keys: readonly string[]) => Promise<void>;
}

const FLUSH_AT = 500;
type Kind = 'user' | 'group';

function applyPatch<T extends object>(base: T, patch: object): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null || value === '') delete out[key];
    else out[key] = value;
  }
  return out as T;
}

const memberKey = (groupId: string, memberId: string) => `${groupId}${MEMBER_KEY_SEPARATOR}${memberId}`;

export class CopyWriter {
  private writes: DirectoryWrite[] = [];
  private pending: PlatformEvent[] = [];
  private memberChanges = new Map<string, { added: string[]; removed: string[] }>();
  /** Delta mode: this page's not-yet-written state (null = removed), read before the store. */
  private overlay = new Map<string, DirectoryUser | DirectoryGroup | null>();
  private memberOverlay = new Map<string, boolean>();
  /** Full mode: the stored content hashes (id -> hash), loaded on first use in this invocation. */
  private known: Partial<Record<Kind, Map<string, string>>> = {};
  /** Full mode: each group's stored members, read once per page. */
  private storedMembers = new Map<string, Set<string>>();
  /** Full mode: the keys this page listed (`u<id>`, `g<id>`, `m<group>\0<member>`). */
  private listed: string[] = [];
  /** Table operations made so far. */
  operations = 0;

  constructor(private readonly options: CopyWriterOptions) {}

  private event(make: () => PlatformEvent | PlatformEvent[]): void {
    if (this.options.emit) this.pending.push(...([] as PlatformEvent[]).concat(make()));
  }

  /** Full mode: the stored hash, or undefined (new, or the first sync: nothing to compare, everything is written). */
  private async knownHash(kind: Kind, id: string): Promise<string | undefined> {
    if (!this.options.emit) return undefined;
    const { store, scope } = this.options;
    this.known[kind] ??= await store.hashes(scope.orgId, scope.connectionId, kind);
    return this.known[kind]!.get(id);
  }

  private async previous<T extends DirectoryUser | DirectoryGroup>(
    key: string,
    read: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    return this.overlay.has(key) ? ((this.overlay.get(key) as T | null) ?? undefined) : read();
  }

  /**
   * The object's new state and its previous hash. Full mode: a listing repeats an object without its
   * fields (Graph splits a large group's members over several pages, repeating the group on each):
   * such a repeat only counts as listed.
   */
  private async merge<T extends DirectoryUser | DirectoryGroup>(
    kind: Kind,
    patch: { id: string },
    base: T,
    named: string,
    read: () => Promise<T | undefined>,
  ): Promise<{ next: T; prevHash?: string } | undefined> {
    const key = `${kind === 'user' ? 'u' : 'g'}${patch.id}`;
    if (this.options.mode === 'full') {
      this.listed.push(key);
      if (!(named in patch)) return undefined;
      return { next: applyPatch<T>(base, patch), prevHash: await this.knownHash(kind, patch.id) };
    }
    const prev = await this.previous(key, read);
    const next = applyPatch<T>(prev ?? base, patch);
    this.overlay.set(key, next);
    return { next, prevHash: prev && (kind === 'user' ? userHash(prev as DirectoryUser) : groupHash(prev as DirectoryGroup)) };
  }

  async user(patch: UserPatch): Promise<void> {
    const { scope, store } = this.options;
    const merged = await this.merge<DirectoryUser>('user', patch, { id: patch.id, displayName: '', enabled: true }, 'displayName', () =>
      store.getUser(scope.orgId, scope.connectionId, patch.id),
    );
    if (!merged) return;
    const { next: user, prevHash } = merged;
    user.displayName ??= '';
    const hash = userHash(user);
    if (hash === prevHash) return;
    this.known.user?.set(user.id, hash);
    this.writes.push({ op: 'putUser', user, hash });
    const type = !prevHash
      ? 'directory.user.created'
      : wasEnabled(prevHash) && !user.enabled
        ? 'directory.user.disabled'
        : 'directory.user.updated';
    this.event(() => userEvent(scope, type, user, hash));
    await this.maybeFlush();
  }

  async group(patch: GroupPatch): Promise<void> {
    const { scope, store } = this.options;
    const merged = await this.merge<DirectoryGroup>('group', patch, { id: patch.id, name: '' }, 'name', () =>
      store.getGroup(scope.orgId, scope.connectionId, patch.id),
    );
    if (!merged) return;
    const { next: group, prevHash } = merged;
    group.name ??= '';
    const hash = groupHash(group);
    if (hash === prevHash) return;
    this.known.group?.set(group.id, hash);
    this.writes.push({ op: 'putGroup', group, hash });
    this.event(() => groupEvent(scope, prevHash ? 'directory.group.updated' : 'directory.group.created', group, hash));
    await this.maybeFlush();
  }

  /** Delta mode: the provider says the object is gone. */
  async removed(kind: Kind, id: string): Promise<void> {
    const { scope, store } = this.options;
    const key = `${kind === 'user' ? 'u' : 'g'}${id}`;
    const prev = await this.previous<DirectoryUser | DirectoryGroup>(key, () =>
      kind === 'user' ? store.getUser(scope.orgId, scope.connectionId, id) : store.getGroup(scope.orgId, scope.connectionId, id),
    );
    this.overlay.set(key, null);
    if (!prev) return;
    await this.remove(kind, prev);
  }

  /** `swept`: the sweep's pending memberships, so a removed group's ones are not removed twice. */
  private async remove(kind: Kind, prev: (DirectoryUser | DirectoryGroup) & { id: string }, swept?: Set<string>): Promise<void> {
    const { scope, store } = this.options;
    this.writes.push({ op: 'delete', kind, id: prev.id });
    if (kind === 'user') {
      this.event(() => userEvent(scope, 'directory.user.deleted', prev as DirectoryUser, userHash(prev as DirectoryUser)));
    } else {
      // A deleted group's memberships go with it (no members_changed for a group that is gone).
      for (const member of await store.members(scope.orgId, scope.connectionId, prev.id)) {
        this.writes.push({ op: 'deleteMember', groupId: prev.id, memberId: member.id });
        swept?.delete(memberKey(prev.id, member.id));
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

  private async membersOf(groupId: string): Promise<Set<string>> {
    const { scope, store } = this.options;
    let stored = this.storedMembers.get(groupId);
    if (!stored)
      this.storedMembers.set(groupId, (stored = new Set((await store.members(scope.orgId, scope.connectionId, groupId)).map((m) => m.id))));
    return stored;
  }

  /** A member listed (full; Graph's members@delta of a full round) or added (delta). */
  async member(groupId: string, member: DirectoryMember): Promise<void> {
    const key = memberKey(groupId, member.id);
    if (this.memberOverlay.get(key) === true) return;
    if (this.options.mode === 'full') {
      this.listed.push(`m${key}`);
      this.memberOverlay.set(key, true);
      if (this.options.emit && (await this.membersOf(groupId)).has(member.id)) return;
    } else {
      const { scope, store } = this.options;
      const known = this.memberOverlay.get(key) ?? (await store.hasMember(scope.orgId, scope.connectionId, groupId, member.id));
      this.memberOverlay.set(key, true);
      if (known) return;
    }
    await this.addMember(groupId, member);
  }

  private async addMember(groupId: string, member: DirectoryMember): Promise<void> {
    this.writes.push({ op: 'putMember', groupId, member });
    if (this.options.emit) this.change(groupId).added.push(member.id);
    await this.maybeFlush();
  }

  private async dropMember(groupId: string, memberId: string): Promise<void> {
    this.writes.push({ op: 'deleteMember', groupId, memberId });
    if (this.options.emit) this.change(groupId).removed.push(memberId);
    await this.maybeFlush();
  }

  /** Full mode, a group's whole member listing (Google): compared with the stored members, whatever the sync. */
  async groupMembers(groupId: string, members: readonly DirectoryMember[]): Promise<void> {
    const { scope, store } = this.options;
    const stored = new Set((await store.members(scope.orgId, scope.connectionId, groupId)).map((m) => m.id));
    for (const member of members) if (!stored.delete(member.id)) await this.addMember(groupId, member);
    for (const memberId of stored) await this.dropMember(groupId, memberId);
  }

  /** Delta mode: a member left. */
  async memberRemoved(groupId: string, memberId: string): Promise<void> {
    const { scope, store } = this.options;
    const key = memberKey(groupId, memberId);
    const known = this.memberOverlay.get(key) ?? (await store.hasMember(scope.orgId, scope.connectionId, groupId, memberId));
    this.memberOverlay.set(key, false);
    if (!known) return;
    await this.dropMember(groupId, memberId);
  }

  private async maybeFlush(): Promise<void> {
    if (this.writes.length >= FLUSH_AT) await this.flush();
  }

  /** Events first, then the writes. */
  async flush(): Promise<void> {
    const { scope, store, events } = this.options;
    for (const [groupId, change] of this.memberChanges) this.pending.push(...membersEvents(scope, groupId, change.added, change.removed));
    for (const event of this.pending) await events(event);
    this.operations += await store.apply(scope.orgId, scope.connectionId, this.writes);
    this.writes = [];
    this.pending = [];
    this.memberChanges.clear();
  }

  /** Page boundary: the page's events and writes, then (full mode) what it listed. */
  async endPage(page: string): Promise<void> {
    await this.flush();
    if (this.options.mode === 'full' && this.listed.length) await this.options.logListed?.(page, this.listed);
    this.listed = [];
    this.overlay.clear();
    this.memberOverlay.clear();
    this.storedMembers.clear();
  }

  /**
   * Full mode, after the last page: whatever the copy holds that no page listed is gone. `listed` is
   * the seen log; memberships are swept only where they were listed with their groups (Graph).
   */
  async sweep(listed: ReadonlySet<string>, sweepsMemberships: boolean): Promise<void> {
    const { scope, store, emit } = this.options;
    const { orgId, connectionId } = scope;
    const [users, groups, memberships] = await Promise.all([
      store.hashes(orgId, connectionId, 'user'),
      store.hashes(orgId, connectionId, 'group'),
      sweepsMemberships ? store.memberships(orgId, connectionId) : Promise.resolve(new Set<string>()),
    ]);
    for (const id of groups.keys()) {
      if (listed.has(`g${id}`)) continue;
      const prev = emit ? await store.getGroup(orgId, connectionId, id) : undefined;
      await this.remove('group', prev ?? { id, name: '' }, memberships);
    }
    for (const id of users.keys()) {
      if (listed.has(`u${id}`)) continue;
      const prev = emit ? await store.getUser(orgId, connectionId, id) : undefined;
      await this.remove('user', prev ?? { id, displayName: '', enabled: false });
    }
    for (const key of memberships) {
      if (listed.has(`m${key}`)) continue;
      const [groupId, memberId] = key.split(MEMBER_KEY_SEPARATOR);
      await this.dropMember(groupId, memberId);
    }
    await this.flush();
  }
}
