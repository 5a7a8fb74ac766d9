/**
 * Queue triggers of the local host, polling Azurite the way the Functions Storage Queues extension
 * polls Storage (QueuesOptions:
 * https://learn.microsoft.com/dotnet/api/microsoft.azure.webjobs.host.queuesoptions):
 * - fetch `batchSize` messages; fetch again while fewer than `newBatchThreshold` are running;
 * - a poll that found work is followed by the next at once; an empty queue is polled again after the
 *   extension's back-off, up to `maxPollingInterval` (pollDelay.ts); a finished invocation does not
 *   cut a back-off short (the extension wakes early only for messages its own bindings added);
 * - on success the message is deleted; on failure it is made visible again after
 *   `visibilityTimeout`, unless its dequeue count reached `maxDequeueCount`: then its text goes
 *   unchanged to `<queue>-poison` and it is deleted. So a handler that always throws runs exactly
 *   `maxDequeueCount` times. A message whose count already exceeds it (a crash mid-run) or that
 *   is not Base64 goes to the poison queue without running.
 */
import { invocationOf, QueueFunction } from '../../functions/registry';
import { decodeQueueMessage, QueueEntry, QueueStore } from '@shared/store/outboxQueue';
import { poisonQueueName } from '@shared/store/names';
import type { QueueSettings } from './hostJson';
import { createInvocationContext, describeError, HostLog, withTimeout } from './invocation';
import { FRESH_BACKOFF, nextPollDelay } from './pollDelay';

export interface QueuePollerOptions {
  fn: QueueFunction;
  /** A store for any queue: the trigger's own and its poison queue. */
  queue: (name: string) => QueueStore;
  settings: QueueSettings;
  functionTimeoutMs: number;
  log: HostLog;
}

export class QueuePoller {
  private running = false;
  private inFlight = 0;
  private loop?: Promise<void>;
  private wake?: () => void;
  private slotFreed?: () => void;
  private idleWaiters: Array<() => void> = [];
  private readonly store: QueueStore;
  private readonly poison: QueueStore;
  /** Received messages stay hidden this long while a handler runs (the extension renews a 10-minute lease; we simply outlast functionTimeout). */
  private readonly leaseSeconds: number;

  constructor(private readonly options: QueuePollerOptions) {
    this.store = options.queue(options.fn.queueName);
    this.poison = options.queue(poisonQueueName(options.fn.queueName));
    this.leaseSeconds = Math.max(600, Math.ceil(options.functionTimeoutMs / 1000) + 60);
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Stops polling and waits for running invocations to finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    this.slotFreed?.();
    await this.loop;
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
    this.resolveIdle();
  }

  /** Resolves once a poll finds nothing visible while no invocation runs. Polls at once. */
  whenIdle(): Promise<void> {
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.wake?.();
    return idle;
  }

  private resolveIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((resolve) => resolve());
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    const { batchSize, newBatchThreshold, maxPollingIntervalMs } = this.options.settings;
    let backoff = FRESH_BACKOFF;
    let foundSinceLastDelay = false;
    while (this.running) {
      if (this.inFlight > newBatchThreshold) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
        continue;
      }
      let batch: QueueEntry[];
      try {
        batch = await this.store.receive(batchSize, this.leaseSeconds);
      } catch (error) {
        this.options.log(`[${this.options.fn.name}] warning: polling queue ${this.store.name} failed: ${describeError(error)}`);
        batch = [];
      }
      if (batch.length === 0) {
        if (this.inFlight === 0) this.resolveIdle();
        backoff = nextPollDelay(backoff, foundSinceLastDelay, maxPollingIntervalMs);
        foundSinceLastDelay = false;
        await this.sleep(backoff.delayMs);
        continue;
      }
      foundSinceLastDelay = true;
      for (const entry of batch) {
        this.inFlight += 1;
        void this.process(entry).finally(() => {
          this.inFlight -= 1;
          this.slotFreed?.();
          // Only someone waiting for idle (whenIdle) gets a poll at once when the last invocation ends.
          if (this.inFlight === 0 && this.idleWaiters.length > 0) this.wake?.();
        });
      }
    }
  }

  private async process(entry: QueueEntry): Promise<void> {
    const { fn, settings, log } = this.options;
    const decoded = decodeQueueMessage(entry.messageText);
    if (!decoded.ok) return this.toPoison(entry, 'its text is not Base64');
    if (entry.dequeueCount > settings.maxDequeueCount)
      return this.toPoison(entry, `dequeue count ${entry.dequeueCount} exceeds ${settings.maxDequeueCount}`);

    const context = createInvocationContext(fn.name, log, {
      id: entry.id,
      popReceipt: entry.popReceipt,
      dequeueCount: entry.dequeueCount,
      insertionTime: entry.insertionTime.toISOString(),
      expirationTime: entry.expirationTime.toISOString(),
      nextVisibleTime: entry.nextVisibleTime?.toISOString(),
      queueTrigger: decoded.text,
    });
    try {
      await withTimeout(
        Promise.resolve(invocationOf(fn)(decoded.value, context)),
        this.options.functionTimeoutMs,
        `${fn.name} invocation ${context.invocationId}`,
      );
    } catch (error) {
      log(
        `[${fn.name}] error: invocation ${context.invocationId} (message ${entry.id}, try ${entry.dequeueCount}) failed: ${describeError(error)}`,
      );
      await this.afterFailure(entry);
      return;
    }
    await this.store
      .delete(entry)
      .catch((error) => log(`[${fn.name}] warning: deleting message ${entry.id} failed: ${describeError(error)}`));
  }

  private async afterFailure(entry: QueueEntry): Promise<void> {
    if (entry.dequeueCount >= this.options.settings.maxDequeueCount) {
      return this.toPoison(entry, `it failed ${entry.dequeueCount} times`);
    }
    await this.store
      .release(entry, this.options.settings.visibilityTimeoutMs / 1000)
      .catch((error) =>
        this.options.log(`[${this.options.fn.name}] warning: releasing message ${entry.id} failed: ${describeError(error)}`),
      );
  }

  private async toPoison(entry: QueueEntry, why: string): Promise<void> {
    const { fn, log } = this.options;
    try {
      await this.poison.sendEncoded(entry.messageText);
      await this.store.delete(entry);
      log(`[${fn.name}] warning: message ${entry.id} moved to ${this.poison.name}: ${why}`);
    } catch (error) {
      // Left in place: it becomes visible again when its lease ends and is set aside then.
      log(`[${fn.name}] error: moving message ${entry.id} to ${this.poison.name} failed: ${describeError(error)}`);
    }
  }
}
