/**
 * The express lane's admission (shared/delivery/expressLane.ts) and its use at enqueue: a flood
 * enqueued no faster than its mailbox's rate has every slot due at once, yet only its first
 * EXPRESS_WINDOW_MS of sending takes the lane, so a quiet org's messages find the lane nearly
 * empty instead of behind every flood's due messages (bench/README.md, fairness). All on an
 * injected clock: nothing waits.
 */
import { createEnqueuer } from '@shared/delivery/enqueue';
import { createExpressLane, EXPRESS_PERIOD_MS, EXPRESS_WINDOW_MS, expressHiddenMs } from '@shared/delivery/expressLane';
import { EARLY_TOLERANCE_MS } from '@shared/delivery/slotMath';
import { createMailboxScheduler } from '@shared/delivery/scheduler';
import type { ResolvedSender, SenderResolver } from '@shared/senders/resolve';
import { fakeDeliveryStore, fakeMailboxSlotStore, fakePayloadStore, fakeQueueStore } from '../support/fakes';
import { senderConfig } from '../support/builders';

const RATE = 300; // slots 200 ms apart
const INTERVAL_MS = 60_000 / RATE;

describe('express lane admission', () => {
  it("takes a mailbox's first 2 s of slots due at once, then nothing more of it until the period ends", () => {
    let now = 1_000_000;
    const lane = createExpressLane(() => now);
    const flood = () => ({ mailbox: 'microsoft:flood@x.example', at: now });
    const taken: boolean[] = [];
    for (let i = 0; i < 30; i++, now += INTERVAL_MS) taken.push(lane.admits(flood(), 0));
    // Slots 0 ms .. 2,000 ms after the first: 11 of them; every later one is due at once too, but is a flood's.
    expect(taken.filter(Boolean)).toHaveLength(EXPRESS_WINDOW_MS / INTERVAL_MS + 1);
    expect(taken.slice(0, 11).every(Boolean)).toBe(true);
    // Another mailbox is not affected by the flood.
    expect(lane.admits({ mailbox: 'microsoft:quiet@x.example', at: now }, 0)).toBe(true);
    // A period after the flood's burst started it may take a fresh burst.
    now += EXPRESS_PERIOD_MS;
    expect(lane.admits(flood(), 0)).toBe(true);
  });

  it('never takes a message hidden longer than the window, and that message does not start a burst', () => {
    const now = 5_000_000;
    const lane = createExpressLane(() => now);
    expect(lane.admits({ mailbox: 'm', at: now + EXPRESS_WINDOW_MS + 1 }, EXPRESS_WINDOW_MS + 1)).toBe(false);
    expect(lane.admits({ mailbox: 'm', at: now }, 0)).toBe(true);
  });
});

it('an express message is hidden until a second before its slot, the earliest the worker sends it', () => {
  expect([0, 800, 1000, 1200, 2000].map(expressHiddenMs)).toEqual([0, 0, 0, 200, 1000]);
});

describe('enqueue with the express lane', () => {
  it("a flood at its mailbox's rate stays mostly on outbox; a quiet org's messages all take the lane", async () => {
    let now = 2_000_000;
    const clock = () => now;
    const resolved = (orgId: string) =>
      ({
        orgId,
        config: senderConfig({ orgId, senderEmail: `${orgId}@contoso.example` }),
        via: 'org',
        senderKey: orgId,
        hops: [],
      }) as unknown as ResolvedSender;
    const resolver = {
      resolve: async (orgId: string) => resolved(orgId),
      resolveDefault: async () => undefined,
    } as unknown as SenderResolver;
    const outbox = fakeQueueStore('outbox', clock);
    const express = fakeQueueStore('outbox-express', clock);
    const enqueuer = createEnqueuer({
      deliveries: fakeDeliveryStore(clock),
      outbox,
      express,
      payloads: fakePayloadStore(),
      resolver,
      scheduler: createMailboxScheduler(fakeMailboxSlotStore(), clock),
      ratePerMinute: { microsoft: RATE, google: RATE },
      clock,
      publish: async () => undefined,
    });
    const send = (orgId: string, id: string) =>
      enqueuer.enqueue(orgId, { id, to: [{ address: 'a@example.com' }], subject: 's', text: 't' });
    const lanes = () => ({ express: express.messages.length, outbox: outbox.messages.length });

    // Ten floods, each enqueued at exactly its rate: every message is due on arrival.
    for (let i = 0; i < 50; i++, now += INTERVAL_MS) for (let org = 0; org < 10; org++) await send(`flood${org}`, `f${i}`);
    const afterFloods = lanes();
    expect(afterFloods).toEqual({ express: 10 * 11, outbox: 10 * 39 });
    expect(outbox.messages.every((m) => m.visibleAt <= now)).toBe(true); // due, not deferred: a backlog when workers fall behind

    for (let i = 0; i < 10; i++) await send('quiet', `q${i}`);
    expect(lanes()).toEqual({ express: afterFloods.express + 10, outbox: afterFloods.outbox });
    // Slots 0 .. 1,800 ms from now; each visible from when the worker would take it (a second before its slot).
    const quietHidden = express.messages.slice(-10).map((m) => m.visibleAt - now);
    expect(quietHidden).toEqual(Array.from({ length: 10 }, (_, i) => Math.max(0, i * INTERVAL_MS - EARLY_TOLERANCE_MS)));
  });
});
