/**
 * The composition root: every long-lived object of the app, built once per process from the
 * settings. Triggers call `getServices()`; tests build their own with `createServices(config)`
 * (e.g. pointing Storage at a closed port) without touching the process-wide one.
 *
 * Built in dependency order: each line uses only what the lines above it built (no forward
 * reference, no closure over something built later; test/unit/services-order.test.ts checks it),
 * and every capability gets each dependency it uses handed down, never a callback that climbs back.
 * The result is nested per capability. To add a service: add a field to its capability (or a new
 * capability to `Services`) and one line below what it needs. A plain object: no container.
 */
import type { TokenCredential } from '@azure/identity';
import { Config, getConfig, resetConfigForTests } from './config';
import { createAdminLinkGenerations, createAdminLinks, type AdminLinks } from './adminLinks';
import { createAppCredential } from './store/azureCredential';
import { QUEUES } from './store/names';
import { createOrgControlStore } from './store/orgControls';
import { createQueueStore, QueueStore } from './store/outboxQueue';
import { createPayloadStore } from './store/payloadStore';
import { createSecretStore } from './store/secretStore';
import { createSenderStore } from './store/senderStore';
import { createConsentStateStore } from './store/consentStates';
import { createStorageClients, StorageClients } from './store/storageClients';
import type { SecretStore } from './store/types';
import { consentFlow } from './providers';
import type { ProviderContext } from './providers/module';
import { createSenderServices, SenderServices } from './senders';
import type { SenderResolver } from './senders/resolve';
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
import { createConsentService, type ConsentService } from './consent/service';
import type { DirectoryReader } from './model/directory';
import { createDirectoryServices, type DirectoryServices } from './directory/services';
import { rememberGroupMembers } from './directory/memberMemo';
import { checkHealth, createHealthProbe, type HealthAnswer } from './health';

/** The app's queues: the outbox's, by field, and any other by name (the local host's triggers and their poison queues). */
export interface Queues {
  outbox: QueueStore;
  outboxPoison: QueueStore;
  deliveryEvents: QueueStore;
  /** One store per queue name, made on first use. */
  named(name: string): QueueStore;
}

/** What every capability stands on: the settings, the app's own identity, Storage, Key Vault and the queues. */
export interface Platform {
  config: Readonly<Config>;
  /** The app's own identity (Key Vault, identity-based Storage). */
  credential: TokenCredential;
  storage: StorageClients;
  secrets: SecretStore;
  queues: Queues;
}

/** Consent links and their states, and the OAuth callback that stores into what a consent was for. */
export interface ConsentServices {
  service: ConsentService;
  /** Verifies the state, then applies the consent to a sender or a directory connection. */
  callback: ConsentCallback;
}

export interface Services extends Platform {
  /** Platform events (message.*, sender.*, ...) onto queue `webhook-events`. */
  events: PlatformEventSink;
  /** The sender domain's SPF, DKIM and DMARC checks (DNS_SERVERS, DNS_CHECK_TIMEOUT_SECONDS). */
  domainChecks: DomainChecker;
  /** Admin links and the sessions they grant; each `/api/manage/*` call checks the org's link generation. */
  adminLinks: AdminLinks;
  consent: ConsentServices;
  /** Sender API, named senders and routing, and the resolver delivery uses (shared/senders/index.ts). */
  senders: SenderServices;
  /** Directory connections, the synced copy, its reader and its sync (shared/directory/services.ts). */
  directory: DirectoryServices;
  /** Webhook endpoints API and dispatcher (shared/webhooks/index.ts). */
  webhooks: WebhookServices;
  /** Enqueue, the outbox worker, the poison handler and the delivery rows (shared/delivery/index.ts). */
  delivery: DeliveryServices;
  /** `GET /api/health`: this instance's last Storage and Key Vault check, at most HEALTH_CACHE_MS old. */
  health: () => Promise<HealthAnswer>;
}

/** What a test may hand to the services it builds; production passes nothing. */
export interface ServicesOptions {
  /** The pauses of bounded back-offs (ProviderContext.sleep); tests move the sandbox clock instead of waiting. */
  sleep?: (ms: number) => Promise<void>;
  /** The process's one clock, handed to every capability (delivery decisions, links, leases, the health probe's window); default `Date.now`. */
  clock?: () => number;
}

function createQueues(storage: StorageClients): Queues {
  const stores = new Map<string, QueueStore>();
  const named = (name: string): QueueStore => {
    const store = stores.get(name) ?? createQueueStore(storage, name);
    stores.set(name, store);
    return store;
  };
  return { outbox: named(QUEUES.outbox), outboxPoison: named(QUEUES.outboxPoison), deliveryEvents: named(QUEUES.deliveryEvents), named };
}

function createPlatform(config: Readonly<Config>): Platform {
  // One credential per process: it caches its tokens (docs/providers.md).
  const credential = createAppCredential(config);
  const storage = createStorageClients(config, () => credential);
  return { config, credential, storage, secrets: createSecretStore(config, credential), queues: createQueues(storage) };
}

/** What delivery sends through, built before it by the capabilities it stands on. */
interface DeliveryParts {
  resolver: SenderResolver;
  events: PlatformEventSink;
  directory: DirectoryReader;
  clock: () => number;
}

/** The one call of `createDeliveryServices`, so a change of its inputs is made in one place. */
function createDelivery(platform: Platform, parts: DeliveryParts): DeliveryServices {
  const { config, storage, queues } = platform;
  return createDeliveryServices({
    config,
    storage,
    outbox: queues.outbox,
    deliveryEvents: queues.deliveryEvents,
    payloads: createPayloadStore(storage),
    resolver: parts.resolver,
    events: parts.events,
    // Messages to directory groups are expanded from the synced copy (shared/delivery/groupFanout.ts);
    // the enqueue-time check and the send-time expansion share one reading of a group's members.
    directory: rememberGroupMembers(parts.directory),
    clock: parts.clock,
  });
}

export function createServices(config: Readonly<Config>, options: ServicesOptions = {}): Services {
  const clock = options.clock ?? Date.now;
  const platform = createPlatform(config);
  const { credential, storage, secrets, queues } = platform;
  // Token requests, Key Vault reads and send durations are measured where they leave the process.
  observeOutboundCalls(config);
  // The bus asks the subscribers which events anyone listens to; the webhooks publish `webhook.disabled` on it.
  const subscribers = createWebhookSubscribers(storage);
  const events = createEventBus(queues.named(QUEUES.webhookEvents), { wanted: subscribers.wanted });
  // One domain checker per process: the sender service's Test connection and the health run share its resolver.
  const domainChecks = createDomainChecker(config);
  // One provider context per process: senders, consent and directory connections reach providers through it.
  const context: ProviderContext = { config, secrets, sleep: options.sleep };
  const consent = createConsentService({ config, states: createConsentStateStore(storage), context, flowFor: consentFlow, now: clock });
  const controls = createOrgControlStore(storage);
  const generations = createAdminLinkGenerations(controls);
  const senderStore = rememberOrgListings(observeSenderWrites(createSenderStore(storage)));
  const senders = createSenderServices({
    config,
    store: senderStore,
    context,
    consent,
    controls,
    adminLinks: generations,
    events,
    domainChecks,
    clock,
  });
  const directory = createDirectoryServices({
    config,
    storage,
    context,
    consent,
    events,
    syncQueue: queues.named(QUEUES.directorySync),
    clock,
  });
  const appliers = { sender: senders.service.applyConsent, directory: directory.connections.applyConsent };
  return {
    config,
    credential,
    storage,
    secrets,
    queues,
    events,
    domainChecks,
    adminLinks: createAdminLinks({ config, returnUrlAllowed: consent.returnUrlAllowed, generations, now: clock }),
    consent: { service: consent, callback: createConsentCallback(consent, appliers) },
    senders,
    directory,
    webhooks: createWebhookServices({ config, storage, secrets, bus: events, subscribers, clock }),
    delivery: createDelivery(platform, { resolver: senders.resolver, events, directory: directory.reader, clock }),
    health: createHealthProbe(() => checkHealth(platform), { clock }),
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
