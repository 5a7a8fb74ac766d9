/** What the sender service takes and answers (shared/senders/service.ts). */
import type { Config } from '../config';
import type { ConsentService } from '../consent/service';
import type { MailerError } from '../errors';
import type { PlatformEventSink } from '../events/types';
import type { VerifyCheck } from '../providers/types';
import type { SenderStore } from '../store/senderStore';
import type { SecretStore } from '../store/types';
import type { SenderConfig, SenderMode } from './model';
import type { ProviderCache } from './providerCache';
import type { SenderView } from './view';

export interface SenderServiceDeps {
  config: Readonly<Config>;
  store: SenderStore;
  secrets: SecretStore;
  providers: ProviderCache;
  consent: ConsentService;
  /** The sender domain's SPF, DKIM and DMARC checks (warnings), added to Test connection. */
  domainChecks?: (config: SenderConfig) => Promise<VerifyCheck[]>;
  now?: () => Date;
  /** `sender.*` platform events (webhooks); best effort. */
  events?: PlatformEventSink;
}

export interface VerifyResult {
  ok: boolean;
  checks: VerifyCheck[];
}

/** What the OAuth callback learned, for the result page or the redirect. */
export interface ConsentResult {
  orgId?: string;
  provider: string;
  mode?: SenderMode;
  /** Only when it was signed into the state AND is still allowed. */
  returnUrl?: string;
  sender?: SenderView;
  error?: MailerError;
  /** A consent step proved something and continues at this provider URL (a redirect, nothing stored yet). */
  next?: string;
}
