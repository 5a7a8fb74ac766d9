/**
 * Entra ID credentials for the Microsoft modes (docs/senders.md):
 * - the platform app (admin_consent, and the client of delegated sign-in): its secret from settings,
 *   or `MICROSOFT_CREDENTIAL=managed-identity`, where a managed identity token is the client
 *   assertion of a federated identity credential, so production holds no platform secret at all
 *   (https://learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity);
 * - the customer's own app registration (app_registration): tenant, client id, secret from Key Vault.
 */
import { ClientAssertionCredential, ClientSecretCredential, ManagedIdentityCredential, TokenCredential } from '@azure/identity';
import type { Config } from '../../config';
import { MailerError } from '../../errors';
import { callDeadlineOptions, isKnownAuthorityHost } from '../../store/azureCredential';
import { withDeadline } from '../deadline';
import type { ProviderContext } from '../module';

/** App-only Graph scope: the permissions the admin granted, as `roles` in the token. */
export const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';
/** The audience Entra expects for a managed identity token used as a federated client assertion. */
const TOKEN_EXCHANGE_SCOPE = 'api://AzureADTokenExchange/.default';
const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * Options for every credential. Without `disableInstanceDiscovery` MSAL asks the public cloud about an
 * unknown authority host and fails after seconds (docs/providers.md); for the real hosts it stays on.
 */
export function authorityOptions(
  config: Readonly<Config>,
): { authorityHost: string; disableInstanceDiscovery: boolean } & ReturnType<typeof callDeadlineOptions> {
  return {
    authorityHost: config.microsoft.authorityHost,
    disableInstanceDiscovery: !isKnownAuthorityHost(config.microsoft.authorityHost),
    ...callDeadlineOptions(config.providerCallTimeoutMs),
  };
}

let managedIdentity: ManagedIdentityCredential | undefined;

/** The managed identity's token for api://AzureADTokenExchange: the platform app's client assertion. */
function clientAssertionSource(context: ProviderContext): () => Promise<string> {
  if (context.microsoftClientAssertion) return context.microsoftClientAssertion;
  return async () => {
    const identity = context.config.azureIdentity;
    managedIdentity ??= new ManagedIdentityCredential({
      ...(identity.kind === 'managedIdentity' && identity.clientId ? { clientId: identity.clientId } : {}),
      ...callDeadlineOptions(context.config.providerCallTimeoutMs),
    });
    const credential = managedIdentity;
    const token = await withDeadline(context.config.providerCallTimeoutMs, 'The managed identity endpoint', (abortSignal) =>
      credential.getToken(TOKEN_EXCHANGE_SCOPE, { abortSignal }),
    );
    if (!token) throw new MailerError('PROVIDER_UNAVAILABLE', 'The managed identity returned no token for the federated credential.');
    return token.token;
  };
}

/** The platform app's credential for one customer tenant (client credentials). */
export function platformAppCredential(context: ProviderContext, tenantId: string): TokenCredential {
  const { config } = context;
  if (config.microsoft.credential === 'managed-identity') {
    return new ClientAssertionCredential(tenantId, config.microsoft.clientId, clientAssertionSource(context), authorityOptions(config));
  }
  return new ClientSecretCredential(tenantId, config.microsoft.clientId, config.microsoft.clientSecret ?? '', authorityOptions(config));
}

/** The customer's own app registration. */
export function customerAppCredential(config: Readonly<Config>, tenantId: string, clientId: string, clientSecret: string): TokenCredential {
  return new ClientSecretCredential(tenantId, clientId, clientSecret, authorityOptions(config));
}

/**
 * Client authentication of the platform app for our own token-endpoint requests (authorization code
 * and refresh token grants): `client_secret`, or a federated `client_assertion`.
 */
export async function platformClientAuthentication(context: ProviderContext): Promise<Record<string, string>> {
  const { config } = context;
  if (config.microsoft.credential === 'managed-identity') {
    return { client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: await clientAssertionSource(context)() };
  }
  return { client_secret: config.microsoft.clientSecret ?? '' };
}
