/**
 * Timer triggers of the local host: each runs on its NCRONTAB schedule (UTC), one invocation at a
 * time (the Functions host never overlaps runs of one timer function), with the `Timer` object the
 * real host passes. A failed run is logged; the schedule goes on.
 */
import type { Timer } from '@azure/functions';
import { invocationOf, TimerFunction } from '../../functions/registry';
import { createInvocationContext, describeError, HostLog, withTimeout } from './invocation';
import { NcrontabSchedule } from './ncrontab';

/** setTimeout's longest delay; longer waits are chained. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export class TimerRunner {
  private readonly schedule: NcrontabSchedule;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private last?: Date;

  constructor(
    private readonly fn: TimerFunction,
    private readonly functionTimeoutMs: number,
    private readonly log: HostLog,
  ) {
    this.schedule = new NcrontabSchedule(fn.schedule);
  }

  start(): void {
    this.arm(this.schedule.next(new Date()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private arm(due: Date): void {
    if (this.stopped) return;
    const wait = due.getTime() - Date.now();
    this.timer = setTimeout(
      () => (wait > MAX_TIMEOUT_MS ? this.arm(due) : void this.fire(due)),
      Math.min(Math.max(wait, 0), MAX_TIMEOUT_MS),
    );
  }

  private async fire(due: Date): Promise<void> {
    const next = this.schedule.next(new Date(Math.max(Date.now(), due.getTime())));
    const now = new Date().toISOString();
    const timer: Timer = {
      isPastDue: Date.now() - due.getTime() > 1000,
      schedule: { adjustForDST: false },
      scheduleStatus: { last: (this.last ?? due).toISOString(), next: next.toISOString(), lastUpdated: now },
    };
    this.last = due;
    const context = createInvocationContext(this.fn.name, this.log);
    this.running = withTimeout(
      Promise.resolve(invocationOf(this.fn)(timer, context)),
      this.functionTimeoutMs,
      `${this.fn.name} invocation ${context.invocationId}`,
    ).catch((error) => this.log(`[${this.fn.name}] error: invocation ${context.invocationId} failed: ${describeError(error)}`));
    await this.running;
    this.arm(this.schedule.next(new Date(Math.max(Date.now(), next.getTime() - 1000))));
  }
}
