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
import { createAppCredential } from './store/azureCredential';
import { QUEUES } from './store/names';
import { createQueueStore, QueueStore } from './store/outboxQueue';
import { createPayloadStore, PayloadStore } from './store/payloadStore';
import { createSecretStore } from './store/secretStore';
import { createSenderStore, SenderStore } from './store/senderStore';
import { createStorageClients, StorageClients } from './store/storageClients';
import type { SecretStore } from './store/types';
import { createSenderServices, SenderServices } from './senders';
import { createDeliveryServices, DeliveryServices } from './delivery';
import type { PlatformEventSink } from './events/types';
import { createDomainChecker, DomainChecker } from './deliverability';

export interface Services extends SenderServices {
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
  /** A queue store for any other queue (the local host's triggers and their poison queues). */
  queue(name: string): QueueStore;
  /** Enqueue, the outbox worker, the poison handler and the delivery rows (shared/delivery/index.ts). */
  delivery: DeliveryServices;
  /** Platform events (e.g. sender.secret_expiring): for now JSON on the delivery-events queue. */
  platformEvents: PlatformEventSink;
  /** The sender domain's SPF, DKIM and DMARC checks (DNS_SERVERS, DNS_CHECK_TIMEOUT_SECONDS). */
  domainChecks: DomainChecker;
}

export function createServices(config: Readonly<Config>): Services {
  // One credential per process: it caches its tokens (platform-notes.md, Entra ID).
  const credential = createAppCredential(config);
  const storage = createStorageClients(config, () => credential);
  const queues = new Map<string, QueueStore>();
  const queue = (name: string): QueueStore => {
    let store = queues.get(name);
    if (!store) queues.set(name, (store = createQueueStore(storage, name)));
    return store;
  };

  const secrets = createSecretStore(config, credential);
  const senders = createSenderStore(storage);
  const services: Omit<Services, 'delivery' | 'platformEvents' | 'domainChecks'> = {
    config,
    credential,
    storage,
    secrets,
    senders,
    // Sender API, consent and the resolver delivery uses (shared/senders/index.ts).
    ...createSenderServices({ config, storage, secrets, senders }),
    outbox: queue(QUEUES.outbox),
    outboxPoison: queue(QUEUES.outboxPoison),
    deliveryEvents: queue(QUEUES.deliveryEvents),
    payloads: createPayloadStore(storage),
    queue,
  };
  const { outbox, deliveryEvents, payloads, senderResolver: resolver } = services;
  // Best effort, as a sink must be: a failed put is logged (id and type only), never thrown.
  const platformEvents: PlatformEventSink = (event) =>
    deliveryEvents.send(event).then(
      () => undefined,
      () => console.warn(`platform event ${event.type} ${event.id} could not be queued`),
    );
  return {
    ...services,
    delivery: createDeliveryServices({ config, storage, outbox, deliveryEvents, payloads, resolver }),
    platformEvents,
    domainChecks: createDomainChecker(config),
  };
}

let current: Services | undefined;

/** The process-wide services, built on first use from `getConfig()`. */
export function getServices(): Services {
  current ??= createServices(getConfig());
  return current;
}

/** Forgets the process-wide services (and config), so the next `getServices()` reads the environment again. */
export function resetServicesForTests(): void {
  current = undefined;
  resetConfigForTests();
}
