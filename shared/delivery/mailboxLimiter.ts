/**
 * Limits of one sender mailbox: at most `limit` provider calls at once (Graph allows 4 concurrent
 * requests per app per mailbox, https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits;
 * going over answers 429 ApplicationThrottled "MailboxConcurrency"), and a pause after the provider
 * throttled the mailbox, so the rest of its messages wait instead of hammering it. The rate across
 * instances is the scheduler's job (`scheduler.ts`).
 *
 * Each call runs on a permit. With a `PermitSource` (production: `permitLeases.ts`) permits are leased
 * rows shared by all instances, so the limit holds across instances; this class is the fast path in
 * front of them: a held permit serves one send after another with no Storage request, and waiting is
 * in memory. An instance keeps one permit per busy mailbox (given back after IDLE_MS unused) and any
 * more only while its own sends use them (each given back SPARE_IDLE_MS after its last send), so a
 * permit it does not need is soon free for the others. An instance that holds one and found the rest
 * all held asks again only after SPARE_IDLE_MS (no spare comes back sooner), not after every send.
 * Without a source, permits are in-process only (unit tests).
 */
import { MailerError } from '../errors';
import type { Permit, PermitSource } from './permitLeases';
import { IDLE_MS, SPARE_IDLE_MS } from './permitLeases';

interface Waiter {
  resolve(permit: Permit): void;
  reject(error: unknown): void;
  since: number;
}

interface MailboxState {
  permits: Permit[];
  waiting: Waiter[];
  pausedUntil: number;
  taking?: Promise<boolean>;
  /** A take for a spare found every other permit held: no spare take before then. */
  fullUntil: number;
}

/**
 * The map holds a mailbox only while it holds permits, has waiters or is paused; an entry whose pause
 * has ended is deleted when next met, and a sweep past this many entries deletes every such one.
 * (Not an LRU: evicting a mailbox with running calls would lose its permits.)
 */
const SWEEP_ABOVE = 1000;
/** `admit` asks Storage for a permit about this often while other instances hold them all: as often as a spare can come free. */
const ADMIT_POLL_MS = SPARE_IDLE_MS;
/** How long `admit` waits for a permit before the worker defers the message instead. */
export const ADMIT_WAIT_MS = 15_000;
/** Renewals and give-backs are looked at this often while leased permits are held, so a spare goes back within two SPARE_IDLE_MS of its last send. */
const UPKEEP_EVERY_MS = SPARE_IDLE_MS;

export class MailboxLimiter {
  private readonly mailboxes = new Map<string, MailboxState>();
  private upkeepTimer?: ReturnType<typeof setInterval>;

  private readonly source?: PermitSource;
  private readonly clock: () => number;
  private readonly timedUpkeep: boolean;

  /** `upkeep: false`: no timer; the caller (a test with a fake clock) calls `upkeep()` itself. */
  constructor(
    private readonly limit: number,
    options: { source?: PermitSource; clock?: () => number; upkeep?: boolean } = {},
  ) {
    this.source = options.source;
    this.clock = options.clock ?? Date.now;
    this.timedUpkeep = options.upkeep ?? true;
  }

  private state(key: string): MailboxState {
    let state = this.mailboxes.get(key);
    if (!state) {
      state = { permits: [], waiting: [], pausedUntil: 0, fullUntil: 0 };
      this.mailboxes.set(key, state);
    }
    return state;
  }

  /**
   * Before a message is claimed: true once this instance holds a permit of the mailbox (its send then
   * waits only for sends of this instance), false when none could be had within `waitMs` or Storage
   * failed (the worker defers the message: nothing claimed, nothing attempted).
   */
  async admit(key: string, waitMs: number = ADMIT_WAIT_MS): Promise<boolean> {
    if (!this.source) return true;
    const until = this.clock() + waitMs;
    for (;;) {
      const state = this.state(key);
      const held = state.permits.find((p) => this.source!.usable(p, this.clock()));
      // Counts as a use: the admitted message's send comes within ms, so the permit is not idle.
      if (held) {
        held.lastUsedAt = this.clock();
        return true;
      }
      try {
        if (await this.takeMore(key, state)) return true;
      } catch {
        return false;
      }
      if (this.clock() >= until) return false;
      await new Promise((r) => setTimeout(r, ADMIT_POLL_MS * (0.5 + Math.random())));
    }
  }

  /** Runs `task` on a free permit of this mailbox, waiting for one if all are busy. */
  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const state = this.state(key);
    const free = state.waiting.length === 0 ? this.grab(state) : undefined;
    const permit =
      free ??
      (await new Promise<Permit>((resolve, reject) => {
        state.waiting.push({ resolve, reject, since: this.clock() });
        this.serve(key, state);
      }));
    try {
      return await task();
    } finally {
      permit.busy = false;
      permit.lastUsedAt = this.clock();
      if (!this.source || permit.retiring) void this.drop(key, state, permit);
      this.serve(key, state);
    }
  }

  /** A free permit that may start a send now (marked busy), or one more in-process permit. */
  private grab(state: MailboxState): Permit | undefined {
    const now = this.clock();
    let permit = state.permits.find((p) => !p.busy && (this.source ? this.source.usable(p, now) : true));
    if (!permit && !this.source && state.permits.length < this.limit) {
      permit = { index: state.permits.length, etag: '', leaseUntil: Infinity, busy: false, retiring: false, lastUsedAt: now };
      state.permits.push(permit);
    }
    if (permit) permit.busy = true;
    return permit;
  }

  /** Hands free permits to waiters; takes one more from the source while some still wait. */
  private serve(key: string, state: MailboxState): void {
    while (state.waiting.length > 0) {
      const permit = this.grab(state);
      if (!permit) break;
      state.waiting.shift()!.resolve(permit);
    }
    if (state.waiting.length === 0 || !this.source) return this.forgetIfIdle(key, state);
    this.takeMore(key, state, state.waiting.length).then(
      (took) => (took ? this.serve(key, state) : this.failIfStuck(key, state)),
      (error) => this.failIfStuck(key, state, error),
    );
  }

  /**
   * While no permit of ours is busy, nothing frees one: the upkeep asks again every UPKEEP_EVERY_MS, and
   * waiters past ADMIT_WAIT_MS (their permit was lost, e.g. Storage refused its renewal) are told to
   * retry later.
   */
  private failIfStuck(key: string, state: MailboxState, cause?: unknown): void {
    if (state.permits.some((p) => p.busy) || state.taking) return;
    this.startUpkeep();
    const now = this.clock();
    const late = state.waiting.filter((w) => now - w.since >= ADMIT_WAIT_MS);
    if (late.length === 0) return;
    state.waiting = state.waiting.filter((w) => !late.includes(w));
    const error = new MailerError(
      'STORAGE_UNAVAILABLE',
      `No permit of mailbox ${key} could be kept (Azure Storage); the message is retried.`,
      { cause },
    );
    late.forEach((w) => w.reject(error));
    this.forgetIfIdle(key, state);
  }

  private startUpkeep(): void {
    if (this.timedUpkeep) this.upkeepTimer ??= setInterval(() => this.upkeep(), UPKEEP_EVERY_MS).unref();
  }

  /** Up to `want` more, one take at a time per mailbox; false when the source has none for us (or we hold the most). */
  private takeMore(key: string, state: MailboxState, want = 1): Promise<boolean> {
    if (state.taking) return state.taking;
    const now = this.clock();
    if (!this.source) return Promise.resolve(false);
    const room = Math.min(this.limit, this.source.max) - state.permits.length;
    const spare = state.permits.length > 0;
    if (room <= 0 || (spare && now < state.fullUntil)) return Promise.resolve(false);
    const taking = this.source.take(key, state.permits, now, Math.min(room, want)).then((permits) => {
      if (permits.length === 0) {
        if (spare) state.fullUntil = now + SPARE_IDLE_MS;
        return false;
      }
      state.permits.push(...permits);
      this.mailboxes.set(key, state);
      this.startUpkeep();
      return true;
    });
    state.taking = taking.finally(() => (state.taking = undefined));
    return state.taking;
  }

  /** Renews leased permits that are due, gives back those retired, spare or idle, and asks again for waiters. Runs every UPKEEP_EVERY_MS while any is held or awaited. */
  upkeep(): void {
    const now = this.clock();
    for (const [key, state] of this.mailboxes) {
      if (state.waiting.length > 0) this.serve(key, state);
      for (const permit of [...state.permits]) {
        if (permit.renewing) continue;
        const idle = state.waiting.length === 0 && now - permit.lastUsedAt >= (state.permits.length > 1 ? SPARE_IDLE_MS : IDLE_MS);
        if (!permit.busy && (permit.retiring || idle || permit.leaseUntil <= now)) {
          void this.drop(key, state, permit);
        } else if (!permit.retiring && this.source!.due(permit, now)) {
          permit.renewing = true;
          this.source!.renew(key, permit, now)
            .then((kept) => {
              if (kept) return;
              permit.retiring = true;
              if (!permit.busy) void this.drop(key, state, permit);
            })
            // Storage failed: tried again next second; the permit starts no send once its window closes.
            .catch(() => undefined)
            .finally(() => (permit.renewing = false));
        }
      }
    }
    if (![...this.mailboxes.values()].some((s) => s.permits.length > 0 || s.waiting.length > 0)) {
      clearInterval(this.upkeepTimer);
      this.upkeepTimer = undefined;
    }
  }

  private drop(key: string, state: MailboxState, permit: Permit): Promise<void> {
    state.permits = state.permits.filter((p) => p !== permit);
    this.forgetIfIdle(key, state);
    // A give-back that fails leaves the row to run out (or to be taken back by this instance).
    return this.source?.give(key, permit, this.clock()).catch(() => undefined) ?? Promise.resolve();
  }

  /** The instance is going away: gives back every permit no send runs on, so others need not wait for their leases to end. */
  async close(): Promise<void> {
    const gives = [...this.mailboxes].flatMap(([key, state]) => state.permits.filter((p) => !p.busy).map((p) => this.drop(key, state, p)));
    await Promise.all(gives);
  }

  private forgetIfIdle(key: string, state: MailboxState, now: number = this.clock()): void {
    const idle = state.permits.length === 0 && state.waiting.length === 0 && !state.taking && state.pausedUntil <= now;
    if (idle && this.mailboxes.get(key) === state) this.mailboxes.delete(key);
  }

  /** Calls currently running for the mailbox (for tests and diagnostics). */
  active(key: string): number {
    return this.mailboxes.get(key)?.permits.filter((p) => p.busy).length ?? 0;
  }

  /** Permits this instance holds for the mailbox, busy or not (for tests and diagnostics). */
  held(key: string): number {
    return this.mailboxes.get(key)?.permits.length ?? 0;
  }

  /** The provider throttled this mailbox until `untilMs`. */
  pause(key: string, untilMs: number, now: number = this.clock()): void {
    if (this.mailboxes.size >= SWEEP_ABOVE) for (const [name, state] of [...this.mailboxes]) this.forgetIfIdle(name, state, now);
    const state = this.state(key);
    state.pausedUntil = Math.max(state.pausedUntil, untilMs);
  }

  /** When a throttle pause of this mailbox ends, or 0 when it is not paused. */
  pausedUntil(key: string, now: number = this.clock()): number {
    const state = this.mailboxes.get(key);
    const until = state?.pausedUntil ?? 0;
    if (until > now) return until;
    if (state) this.forgetIfIdle(key, state, now);
    return 0;
  }

  /** Mailboxes held in memory (for tests and diagnostics). */
  size(): number {
    return this.mailboxes.size;
  }
}
