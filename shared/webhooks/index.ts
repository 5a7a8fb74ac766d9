/**
 * Webhooks, wired: the endpoint API's service and the two-step dispatcher, over the webhook stores,
 * the `webhook-deliveries` queue and Key Vault. The composition root (`shared/services.ts`) builds
 * this once; tests build their own with a fixed resolver, clock or CA.
 */
import type { Config } from '../config';
import type { PlatformEvent, PlatformEventSink } from '../events/types';
import { QUEUES } from '../store/names';
import { createQueueStore } from '../store/outboxQueue';
import type { StorageClients } from '../store/storageClients';
import type { SecretStore } from '../store/types';
import { createWebhookAttemptStore, createWebhookEndpointStore, createWebhookEventStore } from '../store/webhookStore';
import { createScopeCache, WebhookDeps } from './deps';
import { createWebhookDispatcher, WebhookDispatcher } from './dispatcher';
import { createWebhookEndpointService, WebhookEndpointService } from './endpoints';
import { postWebhook } from './poster';
import { createSubscriberLookup } from './subscribers';
import { systemResolver } from './urlSafety';

export interface WebhookServices {
  endpoints: WebhookEndpointService;
  dispatcher: WebhookDispatcher;
  /** Whether anyone subscribed to an event (the bus skips the rest). */
  wanted: (event: PlatformEvent) => Promise<boolean>;
  deps: WebhookDeps;
}

/** Who subscribed to what: the endpoint rows and their cache, which the event bus asks before queueing. */
export interface WebhookSubscribers {
  endpoints: WebhookDeps['endpoints'];
  scopeCache: WebhookDeps['scopeCache'];
  wanted: (event: PlatformEvent) => Promise<boolean>;
}

/** Built before the bus (which asks `wanted`), so the webhook services that publish on the bus come after both. */
export function createWebhookSubscribers(storage: StorageClients): WebhookSubscribers {
  const endpoints = createWebhookEndpointStore(storage);
  const scopeCache = createScopeCache();
  return { endpoints, scopeCache, wanted: createSubscriberLookup({ endpoints, scopeCache }).wanted };
}

export interface WebhookInputs {
  config: Readonly<Pick<Config, 'webhooks'>>;
  storage: StorageClients;
  secrets: SecretStore;
  bus: PlatformEventSink;
  /** The subscribers the bus already asks (one endpoint cache for both); built here when not given. */
  subscribers?: WebhookSubscribers;
  /** The time attempts are scheduled and endpoints disabled at (the composition root's clock). */
  clock: () => number;
  /** Test seams. */
  overrides?: Partial<Omit<WebhookDeps, 'endpoints' | 'attempts' | 'events' | 'clock'>>;
}

export function createWebhookServices(inputs: WebhookInputs): WebhookServices {
  const subscribers = inputs.subscribers ?? createWebhookSubscribers(inputs.storage);
  const deps: WebhookDeps = {
    endpoints: subscribers.endpoints,
    attempts: createWebhookAttemptStore(inputs.storage),
    events: createWebhookEventStore(inputs.storage),
    deliveries: createQueueStore(inputs.storage, QUEUES.webhookDeliveries),
    bus: inputs.bus,
    secrets: inputs.secrets,
    settings: inputs.config.webhooks,
    resolver: systemResolver,
    poster: postWebhook,
    clock: inputs.clock,
    scopeCache: subscribers.scopeCache,
    ...inputs.overrides,
  };
  const wanted = inputs.overrides?.scopeCache ? createSubscriberLookup(deps).wanted : subscribers.wanted;
  return { endpoints: createWebhookEndpointService(deps), dispatcher: createWebhookDispatcher(deps), wanted, deps };
}
