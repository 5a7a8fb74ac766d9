/**
 * Builds the sender-side services (provider cache, consent, sender API logic, resolver) from the
 * stores; `shared/services.ts` calls this once per process.
 */
import type { AdminLinkGenerations } from '../adminLinks/generations';
import type { Config } from '../config';
import type { PlatformEventSink } from '../events/types';
import { createConsentService, ConsentService } from '../consent/service';
import { consentFlow } from '../providers';
import type { ProviderContext } from '../providers/module';
import { createConsentStateStore } from '../store/consentStates';
import type { OrgControlStore } from '../store/orgControls';
import type { SenderStore } from '../store/senderStore';
import type { StorageClients } from '../store/storageClients';
import type { SecretStore } from '../store/types';
import type { DomainChecker } from '../deliverability';
import { ProviderCache } from './providerCache';
import { createUsageRecorder } from './usage';
import { createSenderResolver, SenderResolver } from './resolve';
import { guardSenderService } from './guards';
import { createSenderService, SenderService } from './service';
import { createNamedSenders, NamedSenders } from './named';
import { createTestConnectionLimiter, createTestSendLimiter } from './testSendLimit';

export interface SenderServices {
  providers: ProviderCache;
  consent: ConsentService;
  senderService: SenderService;
  senderResolver: SenderResolver;
  /** Several senders per org: the list, named senders, routing rules and explain. */
  namedSenders: NamedSenders;
}

export interface SenderServicesDeps {
  config: Readonly<Config>;
  storage: StorageClients;
  secrets: SecretStore;
  senders: SenderStore;
  /** Per-org control rows (test-send window) and the admin-link generations a Reset revokes. */
  controls: OrgControlStore;
  adminLinks: AdminLinkGenerations;
  /** Test seam for `MICROSOFT_CREDENTIAL=managed-identity` (see ProviderContext). */
  microsoftClientAssertion?: () => Promise<string>;
  /** Test seam for the pauses of bounded back-offs (see ProviderContext). */
  sleep?: (ms: number) => Promise<void>;
  /** Where sender status changes are published (webhooks). */
  events?: PlatformEventSink;
  /** SPF / DKIM / DMARC checks, built once by the composition root (shared/services.ts). */
  domainChecks: DomainChecker;
}

export function createSenderServices(deps: SenderServicesDeps): SenderServices {
  const context: ProviderContext = {
    config: deps.config,
    secrets: deps.secrets,
    microsoftClientAssertion: deps.microsoftClientAssertion,
    sleep: deps.sleep,
  };
  const providers = new ProviderCache(context);
  const consent = createConsentService({
    config: deps.config,
    states: createConsentStateStore(deps.storage),
    context,
    flowFor: consentFlow,
  });
  const senderService = guardSenderService(
    createSenderService({
      config: deps.config,
      store: deps.senders,
      secrets: deps.secrets,
      providers,
      consent,
      events: deps.events,
      domainChecks: deps.domainChecks,
    }),
    {
      testSends: createTestSendLimiter(deps.controls, deps.config.testSendLimit),
      connectionTests: createTestConnectionLimiter(deps.controls, deps.config.testConnectionLimit),
      adminLinks: deps.adminLinks,
    },
  );
  const senderResolver = createSenderResolver({
    store: deps.senders,
    providers,
    events: deps.events,
    recordUse: createUsageRecorder(deps.senders),
  });
  return {
    providers,
    consent,
    senderService,
    senderResolver,
    namedSenders: createNamedSenders({ store: deps.senders, service: senderService, resolver: senderResolver }),
  };
}
