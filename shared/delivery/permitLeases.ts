/**
 * PERMIT LEASES: Graph's limit of 4 concurrent requests per mailbox
 * (https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits) holds for the app as a
 * whole, not per instance, and Flex Consumption runs many instances at once. So each mailbox has at
 * most MAILBOX_CONCURRENCY permit rows (`store/mailboxPermits.ts`); an instance sends only on a permit
 * it holds, and one permit carries one send at a time (`mailboxLimiter.ts` does the waiting).
 *
 * The costs stay off the per-message path: a permit is taken once (one query + one conditional write;
 * a burst that needs several takes them from one query), reused for every send of that mailbox while
 * held, renewed by the limiter's upkeep about every RENEW_LEAD_MS, and given back after IDLE_MS
 * without use. Times (timing.ts):
 *
 *   lease = claim lease (send budget + 30 s);  a send starts only while lease - now >= send budget + CLOCK_SKEW_MS
 *
 * so every send ends (the worker cuts it at the send budget) before the lease can run out, even on an
 * instance whose clock is CLOCK_SKEW_MS behind. An instance that dies loses its permits when their lease
 * ends; others count a row as free only CLOCK_SKEW_MS after that.
 *
 * Sharing between instances needs no protocol of its own: an instance keeps a permit beyond its first
 * only while sends of its own use it (`mailboxLimiter.ts`), so what it does not use goes back within
 * SPARE_IDLE_MS; at Exchange's 30 messages a minute a mailbox rarely has two sends in flight anyway.
 */
import { randomUUID } from 'node:crypto';
import type { MailboxPermitStore } from '../store/mailboxPermits';

export interface Permit {
  index: number;
  etag: string;
  leaseUntil: number;
  /** A send runs on it. */
  busy: boolean;
  /** No new send starts on it: it is given back once free (its renewal found it lost). */
  retiring: boolean;
  lastUsedAt: number;
  renewing?: boolean;
}

/** Where the limiter gets permits that other instances also respect. Every method may throw STORAGE_UNAVAILABLE. */
export interface PermitSource {
  /** At most this many permits per mailbox, across all instances. */
  readonly max: number;
  /** Up to `want` more permits of mailbox `key` for this instance from one query; none when other instances hold them all. */
  take(key: string, held: readonly Permit[], now: number, want: number): Promise<Permit[]>;
  /** Extends the lease; false when the row is no longer ours (the caller retires it). */
  renew(key: string, permit: Permit, now: number): Promise<boolean>;
  give(key: string, permit: Permit, now: number): Promise<void>;
  /** May a send start on it now? */
  usable(permit: Permit, now: number): boolean;
  /** Time to renew it. */
  due(permit: Permit, now: number): boolean;
}

/** How far apart instance clocks may be (NTP keeps Azure VMs far closer). */
export const CLOCK_SKEW_MS = 10_000;
/** A permit is renewed this long before it stops being usable for new sends. */
export const RENEW_LEAD_MS = 10_000;
/** An instance's last permit of a mailbox, unused this long, is given back (a steady stream keeps it). */
export const IDLE_MS = 5_000;
/**
 * A permit beyond an instance's first, unused this long, is given back, and an instance that found
 * every permit held asks again after it (no spare comes back sooner). Short, because a spare kept idle
 * is a send another instance could be making (benchmark 6 shares 20 busy mailboxes between 3
 * instances); a steady stream still keeps its permits, so a single instance takes each once (a take is
 * two Storage requests).
 */
export const SPARE_IDLE_MS = 250;

export interface LeasedPermitOptions {
  max: number;
  /** timing.ts: the claim lease, which outlasts the send budget by its margin. */
  leaseMs: number;
  sendBudgetMs: number;
  /** This instance; default a fresh UUID per process. */
  holder?: string;
}

export function createLeasedPermits(store: MailboxPermitStore, options: LeasedPermitOptions): PermitSource {
  const { max, leaseMs, sendBudgetMs } = options;
  const holder = options.holder ?? randomUUID();
  if (leaseMs - sendBudgetMs - CLOCK_SKEW_MS <= RENEW_LEAD_MS) throw new Error('permit lease too short for the send budget');
  const startBy = sendBudgetMs + CLOCK_SKEW_MS;
  const free = (row: { holder: string; leaseUntil: number }, now: number) => !row.holder || row.leaseUntil + CLOCK_SKEW_MS < now;

  return {
    max,
    async take(key, held, now, want) {
      const mine = new Set(held.map((p) => p.index));
      const rows = new Map((await store.list(key)).map((row) => [row.index, row]));
      const candidates: number[] = [];
      for (let index = 0; index < max; index++) {
        const row = rows.get(index);
        // Absent, given back, run out, or ours from a give-back that failed.
        if (!row || free(row, now) || (row.holder === holder && !mine.has(index))) candidates.push(index);
      }
      // Random free rows first, so instances asking at once rarely collide; one lost race is tried past.
      const taken: Permit[] = [];
      for (const index of candidates.sort(() => Math.random() - 0.5).slice(0, want + 1)) {
        if (taken.length >= want) break;
        const etag = await store.put(key, index, { holder, leaseUntil: now + leaseMs }, rows.get(index)?.etag);
        if (etag) taken.push({ index, etag, leaseUntil: now + leaseMs, busy: false, retiring: false, lastUsedAt: now });
      }
      return taken;
    },
    async renew(key, permit, now) {
      const etag = await store.put(key, permit.index, { holder, leaseUntil: now + leaseMs }, permit.etag);
      if (!etag) return false;
      permit.etag = etag;
      permit.leaseUntil = now + leaseMs;
      return true;
    },
    async give(key, permit, now) {
      // Only while the lease is surely live (a lease past that is left to run out), and only the row
      // as this permit last wrote it: a take of this instance may have taken the row back since (it
      // counts a row of ours it no longer holds as free), and freeing that would let a fifth send start.
      if (permit.leaseUntil - CLOCK_SKEW_MS > now) await store.put(key, permit.index, { holder: '', leaseUntil: 0 }, permit.etag);
    },
    usable: (permit, now) => !permit.retiring && permit.leaseUntil - now >= startBy,
    due: (permit, now) => permit.leaseUntil - now < startBy + RENEW_LEAD_MS,
  };
}
