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

export interface WebhookInputs {
  config: Readonly<Pick<Config, 'webhooks'>>;
  storage: StorageClients;
  secrets: SecretStore;
  bus: PlatformEventSink;
  /** Test seams. */
  overrides?: Partial<Omit<WebhookDeps, 'endpoints' | 'attempts' | 'events'>>;
}

export function createWebhookServices(inputs: WebhookInputs): WebhookServices {
  const deps: WebhookDeps = {
    endpoints: createWebhookEndpointStore(inputs.storage),
    attempts: createWebhookAttemptStore(inputs.storage),
    events: createWebhookEventStore(inputs.storage),
    deliveries: createQueueStore(inputs.storage, QUEUES.webhookDeliveries),
    bus: inputs.bus,
    secrets: inputs.secrets,
    settings: inputs.config.webhooks,
    resolver: systemResolver,
    poster: postWebhook,
    clock: Date.now,
    scopeCache: createScopeCache(),
    ...inputs.overrides,
  };
  return { endpoints: createWebhookEndpointService(deps), dispatcher: createWebhookDispatcher(deps), wanted: createSubscriberLookup(deps).wanted, deps };
}
