/**
 * The mailbox gate before a claim (mailboxGate.ts): a slot far ahead is waited for by re-queueing,
 * a slot at most SHORT_WAIT_MS ahead in the invocation (no Storage request), a pause that began
 * meanwhile still holds the message back, and no permit means a later look. Fake clock and sleep.
 */
import { GateDeps, passGate, PERMIT_RETRY_MS, SHORT_WAIT_MS } from '@shared/delivery/mailboxGate';
import { EARLY_TOLERANCE_MS } from '@shared/delivery/slotMath';
import type { Mailbox } from '@shared/delivery/senderChoice';

const MAILBOX: Mailbox = { key: 'microsoft:notifications@contoso.example', ratePerMinute: 30 };

function gate(slotIn: number, options: { admit?: boolean; pauseWhileAsleep?: number } = {}) {
  let now = 1_000_000;
  let pausedUntil = 0;
  const slept: number[] = [];
  const deps: GateDeps = {
    clock: () => now,
    limiter: { pausedUntil: (_key, at = now) => (pausedUntil > at ? pausedUntil : 0), admit: async () => options.admit ?? true },
    scheduler: { reserve: async () => now + slotIn } as unknown as GateDeps['scheduler'],
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
      if (options.pauseWhileAsleep) pausedUntil = now + options.pauseWhileAsleep;
    },
  };
  return { deps, slept, start: now };
}

describe('mailbox gate', () => {
  it('a due slot goes at once, without sleeping', async () => {
    const g = gate(EARLY_TOLERANCE_MS);
    expect(await passGate(g.deps, MAILBOX, undefined)).toEqual({ go: true });
    expect(g.slept).toEqual([]);
  });

  it('a slot at most SHORT_WAIT_MS ahead is slept for in the invocation, until it is within the early tolerance', async () => {
    const g = gate(SHORT_WAIT_MS);
    expect(await passGate(g.deps, MAILBOX, undefined)).toEqual({ go: true });
    expect(g.slept).toEqual([SHORT_WAIT_MS - EARLY_TOLERANCE_MS]);
  });

  it('a slot further ahead is waited for by the queue: the answer names it and the slot', async () => {
    const g = gate(SHORT_WAIT_MS + 1);
    const at = g.start + SHORT_WAIT_MS + 1;
    expect(await passGate(g.deps, MAILBOX, undefined)).toEqual({ go: false, until: at, slot: { mailbox: MAILBOX.key, at } });
    expect(g.slept).toEqual([]);
  });

  it('a throttle pause that began during the sleep holds the message back', async () => {
    const g = gate(1500, { pauseWhileAsleep: 30_000 });
    const answer = await passGate(g.deps, MAILBOX, undefined);
    expect(answer).toMatchObject({ go: false, until: g.start + 500 + 30_000 });
  });

  it('no permit: a later look, 1-2 x PERMIT_RETRY_MS on', async () => {
    const g = gate(0, { admit: false });
    const answer = await passGate(g.deps, MAILBOX, undefined);
    expect(answer.go).toBe(false);
    const until = (answer as { until: number }).until - g.start;
    expect(until).toBeGreaterThanOrEqual(PERMIT_RETRY_MS);
    expect(until).toBeLessThanOrEqual(2 * PERMIT_RETRY_MS);
  });
});
