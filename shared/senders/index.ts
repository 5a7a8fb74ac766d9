/**
 * Builds the sender capability (provider cache, sender API logic, resolver, named senders) from the
 * sender store and the consent service; `shared/services.ts` calls this once per process.
 */
import type { AdminLinkGenerations } from '../adminLinks/generations';
import type { Config } from '../config';
import type { PlatformEventSink } from '../events/types';
import type { ConsentService } from '../consent/service';
import type { ProviderContext } from '../providers/module';
import type { OrgControlStore } from '../store/orgControls';
import type { SenderStore } from '../store/senderStore';
import type { DomainChecker } from '../deliverability';
import { ProviderCache } from './providerCache';
import { createUsageRecorder } from './usage';
import { createSenderResolver, SenderResolver } from './resolve';
import { guardSenderService } from './guards';
import { createSenderService, SenderService } from './service';
import { createNamedSenders, NamedSenders } from './named';
import { createTestConnectionLimiter, createTestSendLimiter } from './testSendLimit';

export interface SenderServices {
  /** The sender rows (Table `senders`), as the rest of the app reads and writes them. */
  store: SenderStore;
  providers: ProviderCache;
  /** The sender API's logic (connect, consent, test, delete), behind its limits and admin-link checks. */
  service: SenderService;
  /** Which sender and mailbox a message goes out through (delivery). */
  resolver: SenderResolver;
  /** Several senders per org: the list, named senders, routing rules and explain. */
  named: NamedSenders;
}

export interface SenderServicesDeps {
  config: Readonly<Config>;
  store: SenderStore;
  /** What provider code gets (settings, secrets, test seams); one per process, shared with the directory. */
  context: ProviderContext;
  /** Consent links and their states, shared with directory connections. */
  consent: ConsentService;
  /** Per-org control rows (test-send window) and the admin-link generations a Reset revokes. */
  controls: OrgControlStore;
  adminLinks: AdminLinkGenerations;
  /** Where sender status changes are published (webhooks); `noEvents` where nobody listens. */
  events: PlatformEventSink;
  /** SPF / DKIM / DMARC checks, built once by the composition root (shared/services.ts). */
  domainChecks: DomainChecker;
  /** The composition root's clock. */
  clock: () => number;
}

export function createSenderServices(deps: SenderServicesDeps): SenderServices {
  const { store, events } = deps;
  const now = () => new Date(deps.clock());
  const providers = new ProviderCache(deps.context);
  const service = guardSenderService(
    createSenderService({
      config: deps.config,
      store,
      secrets: deps.context.secrets,
      providers,
      consent: deps.consent,
      events,
      domainChecks: deps.domainChecks,
      now,
    }),
    {
      testSends: createTestSendLimiter(deps.controls, deps.config.testSendLimit),
      connectionTests: createTestConnectionLimiter(deps.controls, deps.config.testConnectionLimit),
      adminLinks: deps.adminLinks,
    },
  );
  const resolver = createSenderResolver({ store, providers, events, now, recordUse: createUsageRecorder(store) });
  return { store, providers, service, resolver, named: createNamedSenders({ store, service, resolver }) };
}
