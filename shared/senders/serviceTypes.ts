/** What the sender service takes and answers (shared/senders/service.ts). */
import type { Config } from '../config';
import type { ConsentService } from '../consent/service';
import type { PlatformEventSink } from '../events/types';
import type { VerifyCheck } from '../providers/types';
import type { SenderStore } from '../store/senderStore';
import type { SecretStore } from '../store/types';
import type { SenderConfig } from '../model/sender';
import type { ProviderCache } from './providerCache';

export interface SenderServiceDeps {
  config: Readonly<Config>;
  store: SenderStore;
  secrets: SecretStore;
  providers: ProviderCache;
  consent: ConsentService;
  /** The sender domain's SPF, DKIM and DMARC checks (warnings), added to Test connection. */
  domainChecks?: (config: SenderConfig) => Promise<VerifyCheck[]>;
  /** The composition root's clock. */
  now: () => Date;
  /** `sender.*` platform events (webhooks), best effort: the bus, or `noEvents` where nobody listens. */
  events: PlatformEventSink;
}

export interface VerifyResult {
  ok: boolean;
  checks: VerifyCheck[];
}

/** What the OAuth callback learned: shared by every kind of consent (shared/consent/callback.ts). */
export type { ConsentResult } from '../consent/callback';
