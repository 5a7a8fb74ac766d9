/** What the webhook service and dispatcher share (built in shared/webhooks/index.ts). */
import type { Config } from '../config';
import type { PlatformEventSink } from '../events/types';
import type { QueueStore } from '../store/outboxQueue';
import type { SecretStore } from '../store/types';
import type { WebhookAttemptStore, WebhookEndpointStore, WebhookEventStore } from '../store/webhookStore';
import type { Poster } from './poster';
import type { Resolver } from './urlSafety';

export interface WebhookDeps {
  endpoints: WebhookEndpointStore;
  attempts: WebhookAttemptStore;
  events: WebhookEventStore;
  /** Queue `webhook-deliveries`: one message per (endpoint, event) try. */
  deliveries: QueueStore;
  /** Where `webhook.disabled` is published. */
  bus: PlatformEventSink;
  secrets: SecretStore;
  settings: Readonly<Config['webhooks']>;
  resolver: Resolver;
  poster: Poster;
  /** Extra trusted CA (PEM) for receivers: tests only. */
  ca?: string;
  clock: () => number;
}
