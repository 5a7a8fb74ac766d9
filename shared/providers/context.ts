/**
 * What a provider's code gets from the app: settings and the secret store. A module of its own so
 * that the consent contract (shared/consent/types.ts) and the provider contract (./module.ts) both
 * import it without importing each other.
 */
import type { Config } from '../config';
import type { SecretStore } from '../store/types';

export interface ProviderContext {
  config: Readonly<Config>;
  secrets: SecretStore;
  /**
   * Microsoft, `MICROSOFT_CREDENTIAL=managed-identity` only: returns the managed identity's token for
   * `api://AzureADTokenExchange`, used as the platform app's client assertion. Omitted in production
   * (the Microsoft module then asks `ManagedIdentityCredential`); tests inject one.
   */
  microsoftClientAssertion?: () => Promise<string>;
  /**
   * Waits between the attempts of a bounded back-off (confirming an admin consent through Entra's
   * replication delay). Default: a timer. Tests pass one that moves a fake clock, so they never wait.
   */
  sleep?: (ms: number) => Promise<void>;
}
