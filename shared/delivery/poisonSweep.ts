/**
 * The poison sweep (timer, every 5 minutes): reads every poison queue of the outbox, `outbox-poison`
 * and `outbox-poison-poison`, and hands each entry to the poison handler (re-drive, fail or archive),
 * so nothing the host sets aside is forgotten. `outbox-poison-poison` is where the host moves what
 * the poison trigger itself could not handle (Storage down while re-driving or archiving, or text
 * that is not Base64, which no trigger can decode: archived here with its raw text). A poison queue
 * is itself a queue whose trigger gets its own `<queue>-poison` after maxDequeueCount failures
 * (https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger#poison-messages).
 *
 * An entry whose handling fails stays where it is, hidden until after the next run, which tries it
 * again. Each run handles at most `maxPerRun` entries, well inside the function timeout.
 */
import { isMailerError } from '../errors';
import { decodeQueueMessage, QueueStore } from '../store/outboxQueue';
import type { PoisonArchive } from '../store/poisonArchive';
import type { PoisonHandler, PoisonOutcome } from './poison';

/** Hidden this long while handled, and after a failed try: until after the next run. */
const RECEIVE_VISIBILITY_SECONDS = 6 * 60;

export interface PoisonSweepDeps {
  queues: readonly QueueStore[];
  handler: PoisonHandler;
  poisonArchive: PoisonArchive;
  maxPerRun?: number;
}

export type SweepCounts = Record<PoisonOutcome | 'left', number>;

export function createPoisonSweep(deps: PoisonSweepDeps) {
  const maxPerRun = deps.maxPerRun ?? 1000;
  return {
    async run(log: { info(message: string): void; warn(message: string): void }): Promise<SweepCounts> {
      const counts: SweepCounts = { redriven: 0, failed: 0, final: 0, archived: 0, left: 0 };
      let budget = maxPerRun;
      for (const queue of deps.queues) {
        while (budget > 0) {
          let batch;
          try {
            batch = await queue.receive(Math.min(32, budget), RECEIVE_VISIBILITY_SECONDS);
          } catch (error) {
            log.warn(
              `poison sweep: reading ${queue.name} failed (${isMailerError(error) ? error.message : 'unexpected error'}); next run tries again`,
            );
            break;
          }
          if (batch.length === 0) break;
          budget -= batch.length;
          for (const entry of batch) {
            try {
              const decoded = decodeQueueMessage(entry.messageText);
              let outcome: PoisonOutcome;
              if (decoded.ok) {
                outcome = await deps.handler.process(decoded.value, log, queue.name);
              } else {
                await deps.poisonArchive.keep({ queue: queue.name, raw: entry.messageText, reason: 'not Base64' });
                outcome = 'archived';
              }
              await queue.delete(entry);
              counts[outcome] += 1;
            } catch (error) {
              counts.left += 1;
              log.warn(
                `poison sweep: ${queue.name} message ${entry.id} left for the next run (${isMailerError(error) ? error.message : 'unexpected error'})`,
              );
            }
          }
        }
      }
      if (Object.values(counts).some((n) => n > 0)) log.info(`poison sweep: ${JSON.stringify(counts)}`);
      return counts;
    },
  };
}

export type PoisonSweep = ReturnType<typeof createPoisonSweep>;
