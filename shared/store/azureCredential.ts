/**
 * The app's own Azure identity, for Key Vault and identity-based Storage (not for sending mail:
 * provider credentials live in shared/providers/).
 *
 * - Azure: the function app's user-assigned managed identity (`AZURE_CLIENT_ID`), no secret.
 * - Local runs and tests: a service principal (`AZURE_TENANT_ID` / `AZURE_CLIENT_ID` /
 *   `AZURE_CLIENT_SECRET`) whose tokens come from `MICROSOFT_AUTHORITY_HOST`.
 *
 * One instance per identity per process: @azure/identity caches tokens per credential instance,
 * and a new instance fetches metadata and a token again (docs/providers.md).
 */
import {
  AzureAuthorityHosts,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type TokenCredential,
  type TokenCredentialOptions,
} from '@azure/identity';
import type { Config } from '../config';

/**
 * Hosts MSAL knows; any other (a sovereign cloud we do not list, the sandbox) skips instance
 * discovery. Built on first use: reading an SDK export at module load would load the SDK file at
 * cold start (dev/build.mjs, LAZY_PACKAGES).
 */
let knownAuthorityHosts: Set<string> | undefined;

/**
 * MSAL validates an authority against the real login host's instance-discovery endpoint unless
 * told not to; for a host it does not know that call takes 5-6 s and then fails (docs/providers.md).
 */
export function isKnownAuthorityHost(authorityHost: string): boolean {
  knownAuthorityHosts ??= new Set<string>(Object.values(AzureAuthorityHosts).map((h) => new URL(h).host));
  return knownAuthorityHosts.has(new URL(authorityHost).host);
}

/**
 * A pipeline policy that gives every HTTP request of a credential a socket deadline. @azure/identity
 * does not hand `getToken`'s abortSignal to MSAL's requests (client credentials), so without it a hung
 * token endpoint would keep the connection open after the caller gave up; `timeout` makes the
 * pipeline's HTTP client abort it (https://learn.microsoft.com/javascript/api/@azure/core-rest-pipeline/pipelinerequest#@azure-core-rest-pipeline-pipelinerequest-timeout).
 */
export function callDeadlineOptions(timeoutMs: number): Pick<TokenCredentialOptions, 'additionalPolicies'> {
  return {
    additionalPolicies: [
      {
        position: 'perRetry',
        policy: {
          name: 'orgMailerCallDeadline',
          sendRequest: (request, next) => {
            if (!request.timeout || request.timeout > timeoutMs) request.timeout = timeoutMs;
            return next(request);
          },
        },
      },
    ],
  };
}

const credentials = new Map<string, TokenCredential>();

export function createAppCredential(config: Readonly<Config>): TokenCredential {
  const identity = config.azureIdentity;
  const authorityHost = config.microsoft.authorityHost;
  // The key holds the secret only to tell two secrets apart; it never leaves this map.
  const key = JSON.stringify([identity, authorityHost]);
  let credential = credentials.get(key);
  if (!credential) {
    credential =
      identity.kind === 'servicePrincipal'
        ? new ClientSecretCredential(identity.tenantId, identity.clientId, identity.clientSecret, {
            authorityHost,
            disableInstanceDiscovery: !isKnownAuthorityHost(authorityHost),
            ...callDeadlineOptions(config.providerCallTimeoutMs),
          })
        : new ManagedIdentityCredential({
            ...(identity.clientId ? { clientId: identity.clientId } : {}),
            ...callDeadlineOptions(config.providerCallTimeoutMs),
          });
    credentials.set(key, credential);
  }
  return credential;
}
