/**
 * How the directory sync gets Graph tokens for one Microsoft connection, one entry per mode:
 * - `delegated`: the admin's refresh token from Key Vault (refresh-token grant of the platform app,
 *   MICROSOFT_CLIENT_ID); every rotated refresh token replaces the stored one (delegatedToken.ts);
 * - `application`: client credentials of the separate directory app (MICROSOFT_DIRECTORY_CLIENT_ID)
 *   in the proven tenant, for `https://graph.microsoft.com/.default` (the granted app roles).
 * Tokens are cached per access object (one sync) and every token request has a deadline.
 */
import type { AccessToken } from '@azure/identity';
import { ClientSecretCredential } from '@azure/identity';
import { MailerError } from '../../errors';
import type { DirectoryAccess, DirectoryConnection, DirectoryMode } from '../../model/directory';
import { withDeadline } from '../deadline';
import type { ProviderContext } from '../module';
import { authorityOptions, GRAPH_DEFAULT_SCOPE } from './credentials';
import { refreshTokenSource } from './delegatedToken';
import { directoryTokenError } from './directoryErrors';
import { classifyCredentialError } from './errors';
import { CachedToken } from './tokenCache';
import { DIRECTORY_DELEGATED_SCOPES } from './tokenEndpoint';

type Source = (connection: DirectoryConnection, context: ProviderContext) => () => Promise<AccessToken | null>;

const reauth = (message: string) => () => new MailerError('DIRECTORY_REAUTH_REQUIRED', message);

/** The directory app's credential for one tenant; DIRECTORY_MODE_UNAVAILABLE when it is not configured. */
export function directoryAppCredential(context: ProviderContext, tenantId: string): ClientSecretCredential {
  const app = context.config.microsoft.directoryApp;
  if (!app)
    throw new MailerError(
      'DIRECTORY_MODE_UNAVAILABLE',
      'The directory app registration (MICROSOFT_DIRECTORY_CLIENT_ID) is not configured.',
    );
  return new ClientSecretCredential(tenantId, app.clientId, app.clientSecret, authorityOptions(context.config));
}

const SOURCES: Partial<Record<DirectoryMode, Source>> = {
  delegated: (connection, context) =>
    refreshTokenSource(
      {
        ref: connection.secretRefs.refreshToken,
        tenantId: connection.tenantId,
        scopes: DIRECTORY_DELEGATED_SCOPES,
        missing: reauth('No administrator sign-in is saved for this directory connection.'),
      },
      context,
    ),
  application: (connection, context) => async () => {
    if (!connection.tenantId) throw reauth('Admin consent has not been completed for this directory connection.')();
    const credential = directoryAppCredential(context, connection.tenantId);
    return withDeadline(context.config.providerCallTimeoutMs, 'The Entra ID token endpoint', (abortSignal) =>
      credential.getToken(GRAPH_DEFAULT_SCOPE, { abortSignal }),
    );
  },
};

export function microsoftDirectoryAccess(connection: DirectoryConnection, context: ProviderContext): DirectoryAccess {
  const source = SOURCES[connection.mode];
  if (!source) throw new Error(`internal: ${connection.mode} is not a Microsoft directory mode`);
  const clientId = connection.mode === 'application' ? context.config.microsoft.directoryApp?.clientId : context.config.microsoft.clientId;
  const acquire = source(connection, context);
  const tokens = new CachedToken(
    () => acquire(),
    (error) => directoryTokenError(classifyCredentialError(error, { clientId })),
  );
  return { provider: 'microsoft', accessToken: () => tokens.get() };
}
