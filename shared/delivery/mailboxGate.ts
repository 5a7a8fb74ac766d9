/**
 * Before a claim: may this message use its sender mailbox now? The mailbox may be paused (the
 * provider throttled it), its next slot may lie ahead (the rate, scheduler.ts), or every permit may
 * be busy on other instances (the concurrency, mailboxLimiter.ts). A message that may not go now
 * waits, unclaimed and unattempted, until the time this answers; a slot at most SHORT_WAIT_MS
 * ahead is waited for in the invocation instead, which costs no Storage request (a new queue
 * message and the host's delete would cost two, and the host holds the message meanwhile anyway).
 */
import type { Slot } from './envelope';
import type { MailboxLimiter } from './mailboxLimiter';
import type { MailboxScheduler } from './scheduler';
import type { Mailbox } from './senderChoice';
import { delayUntil, EARLY_TOLERANCE_MS } from './slotMath';

/** A message that got no mailbox permit looks again this soon (plus up to as much jitter). */
export const PERMIT_RETRY_MS = 5_000;
/** A slot this close is waited for in the invocation rather than by re-queueing the message. */
export const SHORT_WAIT_MS = 2_000;

export type GateAnswer = { go: true } | { go: false; until: number; slot?: Slot };

export interface GateDeps {
  limiter: Pick<MailboxLimiter, 'pausedUntil' | 'admit'>;
  scheduler: MailboxScheduler;
  clock: () => number;
  /** Waits `ms` (a timer in production). */
  sleep: (ms: number) => Promise<void>;
}

/** `held`: the slot the message reserved earlier (enqueue or an earlier look), kept when still its mailbox's. */
export async function passGate(deps: GateDeps, mailbox: Mailbox, held: Slot | undefined): Promise<GateAnswer> {
  const paused = deps.limiter.pausedUntil(mailbox.key, deps.clock());
  if (paused) return { go: false, until: paused };
  const at = held?.mailbox === mailbox.key ? held.at : await deps.scheduler.reserve(mailbox.key, mailbox.ratePerMinute);
  const slot = { mailbox: mailbox.key, at };
  const wait = delayUntil(at, deps.clock());
  if (wait > SHORT_WAIT_MS) return { go: false, until: at, slot };
  if (wait > 0) {
    // Until the slot is within EARLY_TOLERANCE_MS, as an express message is taken (slotMath.ts).
    await deps.sleep(wait - EARLY_TOLERANCE_MS);
    const pausedMeanwhile = deps.limiter.pausedUntil(mailbox.key, deps.clock());
    if (pausedMeanwhile) return { go: false, until: pausedMeanwhile, slot };
  }
  // A permit shared by all instances, before the claim: without one nothing is claimed or attempted.
  if (!(await deps.limiter.admit(mailbox.key))) return { go: false, until: deps.clock() + PERMIT_RETRY_MS * (1 + Math.random()), slot };
  return { go: true };
}
