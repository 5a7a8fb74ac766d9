/**
 * Triggers of delivery: `outbox` (the worker), `outbox-poison` (messages the host gave up on) and
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
