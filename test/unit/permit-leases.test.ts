/**
 * Permit leases (shared/delivery/permitLeases.ts + mailboxLimiter.ts) on an in-memory permit table
 * with real ETag semantics, several limiters standing for several instances, and a fake clock:
 * the limit holds across instances, a held permit costs no Storage request per send, idle permits
 * go back, a dead instance's permits come free at lease end (never earlier), a send never starts on
 * a lease too short for it, Storage failures only defer, and permits an instance no longer uses
 * are soon free for the others.
 */
import type { MailboxPermitStore, PermitRow } from '@shared/store/mailboxPermits';
import { MailboxLimiter } from '@shared/delivery/mailboxLimiter';
import { CLOCK_SKEW_MS, createLeasedPermits, IDLE_MS, SPARE_IDLE_MS } from '@shared/delivery/permitLeases';
import { sendTiming } from '@shared/delivery/timing';

const KEY = 'microsoft:notifications@contoso.example';
const TIMING = sendTiming(30_000);

/** Table semantics that matter: create fails on an existing row (409), replace/merge need the current ETag (412). */
function memoryStore() {
  const rows = new Map<number, PermitRow>();
  let etags = 0;
  const calls = { list: 0, put: 0 };
  let down = false;
  const store: MailboxPermitStore = {
    async list() {
      calls.list++;
      if (down) throw Object.assign(new Error('down'), { code: 'ECONNREFUSED' });
      return [...rows.values()].map((r) => ({ ...r }));
    },
    async put(_key, index, row, etag) {
      calls.put++;
      if (down) throw Object.assign(new Error('down'), { code: 'ECONNREFUSED' });
      const current = rows.get(index);
      if (!etag ? current : current?.etag !== etag) return undefined;
      const written = { index, holder: row.holder, leaseUntil: row.leaseUntil, etag: `e${++etags}` };
      rows.set(index, written);
      return written.etag;
    },
  };
  return { store, rows, calls, setDown: (value: boolean) => (down = value) };
}

function cluster(instances: number) {
  let now = 1_000_000;
  const table = memoryStore();
  const limiters = Array.from(
    { length: instances },
    (_, i) =>
      new MailboxLimiter(4, {
        source: createLeasedPermits(table.store, {
          max: 4,
          leaseMs: TIMING.leaseMs,
          sendBudgetMs: TIMING.sendBudgetMs,
          holder: `instance-${i}`,
        }),
        clock: () => now,
        upkeep: false,
      }),
  );
  // Every send of every instance: how many run at once, across the cluster.
  let running = 0;
  let highWater = 0;
  const gates: Array<() => void> = [];
  const send = (limiter: MailboxLimiter) =>
    limiter.run(KEY, async () => {
      highWater = Math.max(highWater, ++running);
      await new Promise<void>((r) => gates.push(r));
      running--;
    });
  const settle = () => new Promise((r) => setImmediate(r));
  return {
    table,
    limiters,
    send,
    settle,
    advance: (ms: number) => (now += ms),
    now: () => now,
    highWater: () => highWater,
    running: () => running,
    /** Lets the sends running now finish (the ones they free a permit for then start). */
    releaseRunning: async () => {
      gates.splice(0).forEach((g) => g());
      await settle();
    },
    /** Lets every running send finish. */
    releaseAll: async () => {
      while (gates.length) {
        gates.splice(0).forEach((g) => g());
        await settle();
      }
    },
  };
}

describe('permit leases across instances', () => {
  it('three instances with 10 sends each never run more than 4 at once, and all 30 finish', async () => {
    const c = cluster(3);
    const admitted = await Promise.all(c.limiters.map((l) => l.admit(KEY, 0)));
    expect(admitted.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    const sends = c.limiters.flatMap((l, i) => (admitted[i] ? Array.from({ length: 10 }, () => c.send(l)) : []));
    await c.settle();
    expect(c.running()).toBeLessThanOrEqual(4);
    await c.releaseAll();
    await Promise.all(sends);
    expect(c.highWater()).toBe(4);
    expect([...c.table.rows.values()].filter((r) => r.holder).length).toBeLessThanOrEqual(4);
  });

  it('a held permit serves many sends with no Storage request per send; an idle one goes back after IDLE_MS', async () => {
    const c = cluster(1);
    const [a] = c.limiters;
    expect(await a.admit(KEY, 0)).toBe(true);
    const before = { ...c.table.calls };
    for (let i = 0; i < 50; i++) {
      const one = c.send(a);
      await c.settle();
      await c.releaseAll();
      await one;
    }
    expect(c.table.calls).toEqual(before); // 50 sends, one permit, zero Table requests
    expect(a.held(KEY)).toBe(1);
    c.advance(IDLE_MS - 1);
    a.upkeep();
    expect(a.held(KEY)).toBe(1);
    c.advance(10_001); // past the admit pin too
    a.upkeep();
    await c.settle();
    expect(a.held(KEY)).toBe(0);
    expect([...c.table.rows.values()].every((r) => r.holder === '' && r.leaseUntil === 0)).toBe(true);
  });

  it('a give-back that lands after the same instance took the row back leaves it held, so no fifth send can start', async () => {
    const table = memoryStore();
    const options = { max: 4, leaseMs: TIMING.leaseMs, sendBudgetMs: TIMING.sendBudgetMs };
    const a = createLeasedPermits(table.store, { ...options, holder: 'a' });
    const b = createLeasedPermits(table.store, { ...options, holder: 'b' });
    const now = 1_000_000;
    const given = await a.take(KEY, [], now, 4);
    // `a` gives one back, but before that write lands a take of `a`'s counts the row (still `a`'s, not held) as free.
    const [dropped, ...kept] = given;
    const [retaken] = await a.take(KEY, kept, now, 1);
    expect(retaken.index).toBe(dropped.index);
    await a.give(KEY, dropped, now);
    expect(table.rows.get(dropped.index)?.holder).toBe('a');
    expect(await b.take(KEY, [], now, 4)).toEqual([]);
  });

  it('a burst takes the permits its waiting sends need in one query, not one query per permit', async () => {
    const c = cluster(1);
    const [a] = c.limiters;
    expect(await a.admit(KEY, 0)).toBe(true);
    const burst = Array.from({ length: 6 }, () => c.send(a));
    for (let i = 0; i < 8; i++) await c.settle();
    // admit's query; the first waiting send's; then one for the two more the four still waiting need (not two).
    expect([a.held(KEY), c.running(), c.table.calls.list]).toEqual([4, 4, 3]);
    await c.releaseAll();
    await Promise.all(burst);
  });

  it('an instance that found every other permit held asks for a spare again only after SPARE_IDLE_MS, not after each send', async () => {
    const c = cluster(2);
    const [holder, asker] = c.limiters;
    const held = Array.from({ length: 3 }, () => c.send(holder));
    for (let i = 0; i < 8; i++) await c.settle();
    expect(await asker.admit(KEY, 0)).toBe(true); // the fourth
    const lists = c.table.calls.list;
    const burst = Array.from({ length: 8 }, () => c.send(asker));
    for (let i = 0; i < 6; i++) {
      await c.settle();
      // One of the asker's sends ends; the rest still wait behind its one permit.
      await c.releaseRunning();
    }
    expect(c.table.calls.list - lists).toBe(1);
    c.advance(SPARE_IDLE_MS);
    asker.upkeep();
    await c.settle();
    expect(c.table.calls.list - lists).toBe(2);
    await c.releaseAll();
    await Promise.all([...held, ...burst]);
  });

  it('renews a held permit before its window closes; one whose renewal fails starts no send once the window closes', async () => {
    const c = cluster(1);
    const [a] = c.limiters;
    await a.admit(KEY, 0);
    const first = [...c.table.rows.values()][0].leaseUntil;
    c.advance(12_000);
    const keepBusy = c.send(a); // busy, so not idle
    await c.settle();
    a.upkeep();
    await c.settle();
    expect([...c.table.rows.values()][0].leaseUntil).toBe(first + 12_000);
    await c.releaseAll();
    await keepBusy;

    c.table.setDown(true);
    c.advance(TIMING.leaseMs - TIMING.sendBudgetMs - CLOCK_SKEW_MS + 1); // the window of the renewed lease has closed
    a.upkeep();
    await c.settle();
    let started = false;
    const late = a.run(KEY, async () => void (started = true)).catch((e) => e);
    await c.settle();
    expect(started).toBe(false);
    // Storage is down: admit says no (the worker defers the message), it never fails it.
    expect(await a.admit(KEY, 0)).toBe(false);
    c.table.setDown(false);
    a.upkeep();
    await c.settle();
    // The old lease is still live by others' clocks, so a fresh permit is taken for the waiting send.
    expect(started).toBe(true);
    expect(await late).toBeUndefined();
  });

  it('an instance that closes gives its permits back at once, and another takes them without waiting for the leases', async () => {
    const c = cluster(2);
    const [leaving, staying] = c.limiters;
    for (let i = 0; i < 4; i++) void c.send(leaving);
    for (let i = 0; i < 8; i++) await c.settle();
    expect(leaving.held(KEY)).toBe(4);
    await c.releaseAll();
    await leaving.close();
    expect(leaving.held(KEY)).toBe(0);
    expect([...c.table.rows.values()].every((r) => r.holder === '')).toBe(true);
    expect(await staying.admit(KEY, 0)).toBe(true);
  });

  it("a dead instance's permits come free only after its lease and the clock skew margin", async () => {
    const c = cluster(2);
    const [dead, live] = c.limiters;
    for (let i = 0; i < 4; i++) void c.send(dead);
    await c.settle();
    await c.settle();
    expect(dead.held(KEY)).toBe(4);
    // `dead` stops (no upkeep, no give-back). Just before lease + skew: nothing to take.
    c.advance(TIMING.leaseMs + CLOCK_SKEW_MS - 1);
    expect(await live.admit(KEY, 0)).toBe(false);
    c.advance(2);
    expect(await live.admit(KEY, 0)).toBe(true);
  });

  it('an instance that finds every permit held gets one once the holder has left its spares unused for SPARE_IDLE_MS', async () => {
    const c = cluster(2);
    const [busy, other] = c.limiters;
    const sends = Array.from({ length: 8 }, () => c.send(busy));
    for (let i = 0; i < 4; i++) await c.settle();
    expect(busy.held(KEY)).toBe(4);
    expect(await other.admit(KEY, 0)).toBe(false);
    // The first four end: the four waiting sends run on the same permits, nothing goes back.
    const puts = c.table.calls.put;
    await c.releaseRunning();
    for (let i = 0; i < 4; i++) await c.settle();
    expect([busy.held(KEY), c.running(), c.table.calls.put]).toEqual([4, 4, puts]);
    // Those end with nothing waiting: the spares are kept for a burst's short gaps, then go back
    // (SPARE_IDLE_MS, not IDLE_MS), and the last one is kept.
    await c.releaseAll();
    await Promise.all(sends);
    c.advance(SPARE_IDLE_MS - 1);
    busy.upkeep();
    await c.settle();
    expect(busy.held(KEY)).toBe(4);
    c.advance(1);
    busy.upkeep();
    await c.settle();
    expect(busy.held(KEY)).toBe(1);
    expect(await other.admit(KEY, 0)).toBe(true);
    expect(c.highWater()).toBe(4);
  });
});
