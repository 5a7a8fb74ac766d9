/**
 * Per-instance limits of one sender mailbox: at most `limit` provider calls at once (Graph allows 4
 * concurrent requests per app per mailbox, https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits;
 * going over answers 429 ApplicationThrottled "MailboxConcurrency"), and a pause after the provider
 * throttled the mailbox, so the rest of its messages wait instead of hammering it. The rate across
 * instances is the scheduler's job (`scheduler.ts`).
 */

interface MailboxState {
  active: number;
  waiting: Array<() => void>;
  pausedUntil: number;
}

/**
 * The map holds a mailbox only while it runs a call, has waiters or is paused; an entry whose pause
 * has ended is deleted when next met, and a sweep past this many entries deletes every such one.
 * (Not an LRU: evicting a mailbox with running calls would lose its permits.)
 */
const SWEEP_ABOVE = 1000;

export class MailboxLimiter {
  private readonly mailboxes = new Map<string, MailboxState>();

  constructor(private readonly limit: number) {}

  private state(key: string): MailboxState {
    let state = this.mailboxes.get(key);
    if (!state) {
      state = { active: 0, waiting: [], pausedUntil: 0 };
      this.mailboxes.set(key, state);
    }
    return state;
  }

  /** Runs `task` once fewer than `limit` tasks of this mailbox are running. */
  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const state = this.state(key);
    if (state.active >= this.limit) await new Promise<void>((resolve) => state.waiting.push(resolve));
    else state.active += 1;
    try {
      return await task();
    } finally {
      // Hand the permit straight to the next waiter (active stays the same), or give it back.
      const next = state.waiting.shift();
      if (next) next();
      else state.active -= 1;
      if (state.active === 0 && state.pausedUntil < Date.now()) this.mailboxes.delete(key);
    }
  }

  /** Calls currently running for the mailbox (for tests and diagnostics). */
  active(key: string): number {
    return this.mailboxes.get(key)?.active ?? 0;
  }

  /** The provider throttled this mailbox until `untilMs`. */
  pause(key: string, untilMs: number, now: number = Date.now()): void {
    if (this.mailboxes.size >= SWEEP_ABOVE) for (const name of [...this.mailboxes.keys()]) this.dropIfIdle(name, now);
    const state = this.state(key);
    state.pausedUntil = Math.max(state.pausedUntil, untilMs);
  }

  /** When a throttle pause of this mailbox ends, or 0 when it is not paused. */
  pausedUntil(key: string, now: number = Date.now()): number {
    const until = this.mailboxes.get(key)?.pausedUntil ?? 0;
    if (until > now) return until;
    this.dropIfIdle(key, now);
    return 0;
  }

  /** Mailboxes held in memory (for tests and diagnostics). */
  size(): number {
    return this.mailboxes.size;
  }

  private dropIfIdle(key: string, now: number): void {
    const state = this.mailboxes.get(key);
    if (state && state.active === 0 && state.waiting.length === 0 && state.pausedUntil <= now) this.mailboxes.delete(key);
  }
}
