/**
 * The one way a message goes back on its queue: a NEW queue message, hidden for `delayMs`, while the
 * current one completes (so its dequeue count stays at 1 and Retry-After never burns the host's
 * maxDequeueCount). The copy names its row (knownRow.ts): the snapshot it is given, or else `seen`
 * (the row exists, and the worker reads it).
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger#poison-messages
 */
import type { QueueStore } from '../store/outboxQueue';
import { buildEnvelope, Envelope, EnvelopeExtras } from './envelope';

export type Requeue = (envelope: Envelope, delayMs: number, extras?: Omit<EnvelopeExtras, 'seen'>) => Promise<void>;

export function requeueOn(queue: Pick<QueueStore, 'send'>): Requeue {
  return async (envelope, delayMs, extras = {}) => {
    await queue.send(buildEnvelope(envelope, extras.row ? extras : { ...extras, seen: true }), {
      visibilityDelaySeconds: Math.max(0, delayMs) / 1000,
      timeToLiveSeconds: -1,
    });
  };
}
