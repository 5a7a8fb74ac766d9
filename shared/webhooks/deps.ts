/** What the webhook service and dispatcher share (built in shared/webhooks/index.ts). */
import { LRUCache } from 'lru-cache';
import type { Config } from '../config';
import type { PlatformEventSink } from '../events/types';
import type { QueueStore } from '../store/outboxQueue';
import type { SecretStore } from '../store/types';
import type { WebhookAttemptStore, WebhookEndpointStore, WebhookEventStore } from '../store/webhookStore';
import type { Poster } from './poster';
import type { Resolver } from './urlSafety';
import type { WebhookEndpoint } from './model';

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
  /** Endpoint lists per scope for fan-out (short-lived; dropped by every change made in this process). */
  scopeCache: ScopeCache;
}

/**
 * Fan-out runs for every message transition, so each instance keeps each scope's endpoint list for
 * a few seconds instead of querying the table per event. Changes made through this instance drop
 * the entry at once; other instances see them within `SCOPE_CACHE_MS`.
 */
export const SCOPE_CACHE_MS = 5_000;
export type ScopeCache = LRUCache<string, WebhookEndpoint[]>;
export const createScopeCache = (): ScopeCache => new LRUCache<string, WebhookEndpoint[]>({ max: 10_000, ttl: SCOPE_CACHE_MS });
