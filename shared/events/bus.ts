/**
 * The event bus: a `PlatformEventSink` that puts each event on queue `webhook-events` (Base64 JSON,
 * as the Functions host reads it), where the webhook dispatcher fans it out to endpoints.
 *
 * Best effort, like `delivery-events`: the producer's own row is the truth, and failing a send or
 * a sender change because its event could not be queued would be worse than a missed event.
 */
import type { QueueStore } from '../store/outboxQueue';
import type { PlatformEvent, PlatformEventSink } from './types';

export interface EventBusOptions {
  warn?: (message: string) => void;
  /** Whether anyone listens (webhook subscriptions); an unwanted event is not queued. */
  wanted?: (event: PlatformEvent) => Promise<boolean>;
}

export function createEventBus(queue: QueueStore, options: EventBusOptions = {}): PlatformEventSink {
  const warn = options.warn ?? ((m: string) => console.warn(m));
  return async (event: PlatformEvent) => {
    try {
      if (options.wanted && !(await options.wanted(event))) return;
      await queue.send(event, { timeToLiveSeconds: -1 });
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'error';
      warn(`platform event ${event.type} ${event.id} of ${event.orgId} not queued (${code})`);
    }
  };
}

/** A sink that drops everything (services built without webhooks, unit tests). */
export const noEvents: PlatformEventSink = async () => undefined;
