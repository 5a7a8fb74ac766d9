/**
 * What each provider (Microsoft, Google) hands the provider-neutral code: its consent flows and a
 * factory for `MailProvider`s. `shared/providers/index.ts` is the only place that maps a provider
 * name to its module; senders, consent and delivery never branch on the provider name.
 */
import type { ConsentFlow } from '../consent/types';
import type { DirectoryAccess, DirectoryConnection } from '../model/directory';
import type { SenderConfig, ProviderName } from '../model/sender';
import type { ProviderContext } from './context';
import type { MailProvider } from './types';

export type { ProviderContext } from './context';

export interface ProviderModule {
  provider: ProviderName;
  /** One per consent-based sender mode. */
  consentFlows: ConsentFlow[];
  /** One per consent-based directory connection mode (shared/directory/connections). */
  directoryConsentFlows: ConsentFlow[];
  /** Tokens for the directory sync of one connection (per mode inside the provider). */
  directoryAccess(connection: DirectoryConnection, context: ProviderContext): DirectoryAccess;
  /**
   * Create-time check of a connection whose credentials come with the request (Google
   * `service_account`): one cheap directory read, so a bad key or subject is refused with nothing written.
   */
  verifyDirectory?(connection: DirectoryConnection, context: ProviderContext, secrets: Record<string, string>): Promise<void>;
  /**
   * Gives back, best effort, the grant a consent returned when it will not be kept (the check above
   * refused it), so a refused consent leaves nothing usable behind at the provider either.
   */
  revokeGrant?(secrets: Record<string, string>, context: ProviderContext): Promise<void>;
  /** Google: the Admin SDK listings the directory sync reads (in the module, so `@googleapis/admin` loads on first use). */
  adminDirectory?: typeof import('./google/directoryAdmin').adminDirectory;
  /**
   * Builds the MailProvider for a saved config. Synchronous and cheap: secrets and tokens are fetched
   * on first use and then cached inside the provider. Callers cache it per (orgId, version).
   */
  create(sender: SenderConfig, context: ProviderContext): MailProvider;
}
