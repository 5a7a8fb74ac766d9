/**
 * Triggers of delivery: `outbox` (the worker), `outbox-express` (the same worker on the express lane),
 * `outbox-poison` and `outbox-express-poison` (messages the host gave up on) and
 * the poison sweep timer (every poison queue, so nothing set aside is forgotten). Thin: the logic
 * is in `shared/delivery/`.
 */
import type { InvocationContext } from '@azure/functions';
import { POISON_SWEEP_SCHEDULE } from '@shared/schedules';
import { getServices } from '@shared/services';
import { QUEUES } from '@shared/store/names';
import { defineQueue, defineTimer, QueueHandler, TimerHandler } from './registry';

function logOf(context: InvocationContext) {
  // The dequeue count shows that throttling and outages never make the host retry a message.
  const dequeue = context.triggerMetadata?.dequeueCount;
  return {
    info: (message: string) => context.log(`${message} (dequeue ${dequeue ?? '?'})`),
    warn: (message: string) => context.warn(`${message} (dequeue ${dequeue ?? '?'})`),
  };
}

export const outbox: QueueHandler = async (entry, context) => {
  await getServices().delivery.worker.process(entry, logOf(context));
};

defineQueue({
  name: 'outbox',
  queueName: QUEUES.outbox,
  handler: outbox,
});

/** The express lane (shared/delivery/enqueue.ts): the same worker, its own queue and concurrency. */
export const outboxExpress: QueueHandler = async (entry, context) => {
  await getServices().delivery.expressWorker.process(entry, logOf(context));
};

defineQueue({
  name: 'outboxExpress',
  queueName: QUEUES.outboxExpress,
  handler: outboxExpress,
});

export const outboxExpressPoison: QueueHandler = async (entry, context) => {
  await getServices().delivery.expressPoison.process(entry, logOf(context));
};

defineQueue({
  name: 'outboxExpressPoison',
  queueName: QUEUES.outboxExpressPoison,
  handler: outboxExpressPoison,
});

export const outboxPoison: QueueHandler = async (entry, context) => {
  await getServices().delivery.poison.process(entry, logOf(context));
};

defineQueue({
  name: 'outboxPoison',
  queueName: QUEUES.outboxPoison,
  handler: outboxPoison,
});

export const poisonSweep: TimerHandler = async (_timer, context) => {
  await getServices().delivery.poisonSweep.run({ info: (m) => context.log(m), warn: (m) => context.warn(m) });
};

defineTimer({ name: 'poisonSweep', schedule: POISON_SWEEP_SCHEDULE, handler: poisonSweep });
