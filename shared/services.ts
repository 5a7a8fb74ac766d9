/**
 * The composition root: every long-lived object of the app (config, credential, stores, and later
 * the sender and delivery services), built once per process from the settings. Triggers call
 * `getServices()`; tests build their own with `createServices(config)` (e.g. pointing Storage at a
 * closed port) without touching the process-wide one.
 *
 * To add a service: add a field to `Services` and one line in `createServices`, after what it
 * needs. Keep it a plain object: no container, no decorators.
 */
import type { TokenCredential } from '@azure/identity';
import { Config, getConfig, resetConfigForTests } from './config';
import { AdminLinkGenerations, createAdminLinkGenerations } from './adminLinks/generations';
import { createAppCredential } from './store/azureCredential';
import { QUEUES } from './store/names';
import { createOrgControlStore } from './store/orgControls';
import { createQueueStore, QueueStore } from './store/outboxQueue';
import { createPayloadStore, PayloadStore } from './store/payloadStore';
import { createSecretStore } from './store/secretStore';
import { createSenderStore, SenderStore } from './store/senderStore';
import { createStorageClients, StorageClients } from './store/storageClients';
import type { SecretStore } from './store/types';
import { createSenderServices, SenderServices } from './senders';
import { createDeliveryServices, DeliveryServices } from './delivery';
import { observeOutboundCalls } from './telemetry/outboundCalls';
import { startAzureMonitorTelemetry } from './telemetry/setup';
import { observeSenderWrites } from './telemetry/senderObserver';
import { rememberOrgListings } from './senders/listingMemory';
import { createEventBus } from './events/bus';
import type { PlatformEventSink } from './events/types';
import { createWebhookServices, createWebhookSubscribers, WebhookServices } from './webhooks';
import { createDomainChecker, DomainChecker } from './deliverability';
import { createConsentCallback, type ConsentCallback } from './consent/callback';
import { createDirectoryConnectionServices, type DirectoryConnectionServices } from './directory/connections';
import { createDirectoryConnectionStore } from './store/directoryConnectionStore';
import { createDirectoryCopyServices, DirectoryCopyServices } from './directory/copyServices';
import { rememberGroupMembers } from './directory/memberMemo';
import { checkHealth, createHealthProbe, type HealthAnswer } from './health';

export interface Services extends SenderServices, DirectoryConnectionServices, DirectoryCopyServices {
  config: Readonly<Config>;
  /** The app's own identity (Key Vault, identity-based Storage). */
  credential: TokenCredential;
  storage: StorageClients;
  secrets: SecretStore;
  senders: SenderStore;
  outbox: QueueStore;
  outboxPoison: QueueStore;
  deliveryEvents: QueueStore;
  payloads: PayloadStore;
  /** The per-org admin-link generation (revoke, Reset), checked on every `/api/manage/*` call. */
  adminLinkGenerations: AdminLinkGenerations;
  /** A queue store for any other queue (the local host's triggers and their poison queues). */
  queue(name: string): QueueStore;
  /** Enqueue, the outbox worker, the poison handler and the delivery rows (shared/delivery/index.ts). */
  delivery: DeliveryServices;
  /** Platform events (message.*, sender.*, ...) onto queue `webhook-events`. */
  events: PlatformEventSink;
  /** Webhook endpoints API and dispatcher (shared/webhooks/index.ts). */
  webhooks: WebhookServices;
  /** The sender domain's SPF, DKIM and DMARC checks (DNS_SERVERS, DNS_CHECK_TIMEOUT_SECONDS). */
  domainChecks: DomainChecker;
  /** The OAuth callback: verifies the state, then stores into what the consent was for (a sender or a directory connection). */
  consentCallback: ConsentCallback;
  /** `GET /api/health`: this instance's last Storage and Key Vault check, at most HEALTH_CACHE_MS old. */
  health: () => Promise<HealthAnswer>;
}

/** What a test may hand to the services it builds; production passes nothing. */
export interface ServicesOptions {
  /** The pauses of bounded back-offs (ProviderContext.sleep); tests move the sandbox clock instead of waiting. */
  sleep?: (ms: number) => Promise<void>;
  /** The health probe's clock (its per-instance cache window); default `Date.now`. */
  healthClock?: () => number;
}

export function createServices(config: Readonly<Config>, options: ServicesOptions = {}): Services {
  // One credential per process: it caches its tokens (docs/providers.md).
  const credential = createAppCredential(config);
  const storage = createStorageClients(config, () => credential);
  const queues = new Map<string, QueueStore>();
  const queue = (name: string): QueueStore => {
    let store = queues.get(name);
    if (!store) queues.set(name, (store = createQueueStore(storage, name)));
    return store;
  };

  const secrets = createSecretStore(config, credential);
  const senders = rememberOrgListings(observeSenderWrites(createSenderStore(storage)));
  // Token requests, Key Vault reads and send durations are measured where they leave the process.
  observeOutboundCalls(config);
  const controls = createOrgControlStore(storage);
  const adminLinkGenerations = createAdminLinkGenerations(controls);
  // The bus asks the subscribers which events anyone listens to; the webhooks publish `webhook.disabled` on it.
  const subscribers = createWebhookSubscribers(storage);
  const events: PlatformEventSink = createEventBus(queue(QUEUES.webhookEvents), { wanted: subscribers.wanted });
  const webhooks = createWebhookServices({ config, storage, secrets, bus: events, subscribers });
  // One domain checker per process: the sender service's Test connection and the health run share its resolver.
  const domainChecks = createDomainChecker(config);
  const services: Omit<
    Services,
    | 'delivery'
    | 'events'
    | 'webhooks'
    | 'domainChecks'
    | 'consentCallback'
    | 'health'
    | keyof DirectoryConnectionServices
    | keyof DirectoryCopyServices
  > = {
    config,
    credential,
    storage,
    secrets,
    senders,
    // Sender API, consent and the resolver delivery uses (shared/senders/index.ts).
    ...createSenderServices({
      config,
      storage,
      secrets,
      senders,
      controls,
      adminLinks: adminLinkGenerations,
      events,
      domainChecks,
      sleep: options.sleep,
    }),
    adminLinkGenerations,
    outbox: queue(QUEUES.outbox),
    outboxPoison: queue(QUEUES.outboxPoison),
    deliveryEvents: queue(QUEUES.deliveryEvents),
    payloads: createPayloadStore(storage),
    queue,
  };
  const { outbox, deliveryEvents, payloads, senderResolver: resolver } = services;
  const directory = createDirectoryConnectionServices({
    store: createDirectoryConnectionStore(storage),
    consent: services.consent,
    context: { config, secrets, sleep: options.sleep },
    // The synced copy (built just below, from these connections) tells each connection's sync state and deletes its rows.
    readSyncState: (orgId, id) => copy.directorySync.status(orgId, id),
    deleteSyncedCopy: (orgId, id) => copy.directorySync.removeCopy(orgId, id),
  });
  // The synced directory copy: reader, sync service, store (shared/directory/copyServices.ts).
  const copy: DirectoryCopyServices = createDirectoryCopyServices({
    config,
    storage,
    events,
    queue,
    connections: directory.connectionsForSync,
  });
  return {
    ...services,
    ...directory,
    ...copy,
    consentCallback: createConsentCallback(services.consent, {
      sender: services.senderService.applyConsent,
      directory: directory.directoryConnections.applyConsent,
    }),
    // Messages to directory groups are expanded from the synced copy (shared/delivery/groupFanout.ts);
    // the enqueue-time check and the send-time expansion share one reading of a group's members.
    delivery: createDeliveryServices({
      config,
      storage,
      outbox,
      deliveryEvents,
      payloads,
      resolver,
      events,
      directory: rememberGroupMembers(copy.directoryReader),
      clock: Date.now,
    }),
    events,
    webhooks,
    domainChecks,
    health: createHealthProbe(() => checkHealth(services), { clock: options.healthClock }),
  };
}

let current: Services | undefined;
let injected: ServicesOptions = {};

/** The process-wide services, built on first use from `getConfig()`. */
export function getServices(): Services {
  if (!current) {
    current = createServices(getConfig(), injected);
    startAzureMonitorTelemetry(current.config.telemetryConnectionString, current.credential);
  }
  return current;
}

/**
 * What an instance gives back when it stops (the host's graceful shutdown, functions/lifecycle.ts):
 * the mailbox permits it leases, so other instances need not wait for their leases to run out.
 * Nothing is built for it: an instance that never sent holds nothing.
 */
export async function closeServices(): Promise<void> {
  await current?.delivery.limiter.close();
}

/**
 * Builds the process-wide services with `options` from the next `getServices()` on (the local host's
 * `services` option); the returned undo forgets them again.
 */
export function useServicesOptionsForTests(options: ServicesOptions): () => void {
  injected = options;
  current = undefined;
  return () => {
    injected = {};
    current = undefined;
  };
}

/** Forgets the process-wide services (and config), so the next `getServices()` reads the environment again. */
export function resetServicesForTests(): void {
  current = undefined;
  resetConfigForTests();
}
