/**
 * What each provider (Microsoft, Google) hands the provider-neutral code: its consent flows and a
 * factory for `MailProvider`s. `shared/providers/index.ts` is the only place that maps a provider
 * name to its module; senders, consent and delivery never branch on the provider name.
 */
import type { Config } from '../config';
import type { ConsentFlow } from '../consent/types';
import type { SenderConfig, ProviderName } from '../senders/model';
import type { SecretStore } from '../store/types';
import type { MailProvider } from './types';

export interface ProviderContext {
  config: Readonly<Config>;
  secrets: SecretStore;
  /**
   * Microsoft, `MICROSOFT_CREDENTIAL=managed-identity` only: returns the managed identity's token for
   * `api://AzureADTokenExchange`, used as the platform app's client assertion. Omitted in production
   * (the Microsoft module then asks `ManagedIdentityCredential`); tests inject one.
   */
  microsoftClientAssertion?: () => Promise<string>;
}

export interface ProviderModule {
  provider: ProviderName;
  /** One per consent-based mode. */
  consentFlows: ConsentFlow[];
  /**
   * Builds the MailProvider for a saved config. Synchronous and cheap: secrets and tokens are fetched
   * on first use and then cached inside the provider. Callers cache it per (orgId, version).
   */
  create(sender: SenderConfig, context: ProviderContext): MailProvider;
}
