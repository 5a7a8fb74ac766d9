/**
 * Queue triggers of delivery: `outbox` (the worker) and `outbox-poison` (messages the host gave up
 * on). Thin: the logic is in `shared/delivery/`.
 */
import type { InvocationContext } from '@azure/functions';
import { QUEUES } from '../shared/store/names';
import { getServices } from '../shared/services';
import { defineQueue, QueueHandler } from './registry';

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
