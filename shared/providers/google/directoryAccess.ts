/**
 * How the directory sync gets Admin SDK tokens for one Google connection, one entry per mode:
 * - `oauth`: the admin's refresh token from Key Vault through the platform OAuth client; should
 *   Google ever return a new refresh token, it replaces the stored one;
 * - `service_account`: the org's key (Key Vault) signs a JWT bearer assertion whose `sub` is the
 *   admin it impersonates (domain-wide delegation), for the three readonly directory scopes.
 * `customer` is `my_customer`: the customer of the admin the token acts for
 * (https://developers.google.com/workspace/admin/directory/reference/rest/v1/users/list).
 * Every token request has the PROVIDER_CALL_TIMEOUT_SECONDS deadline (gaxios `timeout`, withDeadline).
 */
import { MailerError } from '../../errors';
import type { DirectoryAccess, DirectoryConnection, DirectoryMode } from '../../model/directory';
import { withDeadline } from '../deadline';
import type { ProviderContext } from '../module';
import { classifyDirectoryError, DIRECTORY_SCOPES, projectOfMode, type DirectoryErrorContext } from './directoryErrors';
import { platformOAuthClient } from './oauthClient';
import { parseServiceAccountKey } from './serviceAccountKey';
import { ServiceAccountTokenSource } from './serviceAccountToken';

export { MY_CUSTOMER } from '../../model/directory';
import { MY_CUSTOMER } from '../../model/directory';

type Token = () => Promise<string>;
type Source = (connection: DirectoryConnection, context: ProviderContext, errors: DirectoryErrorContext) => Token;

function secretRef(connection: DirectoryConnection, purpose: string): string {
  const ref = connection.secretRefs[purpose];
  if (!ref) throw new MailerError('DIRECTORY_REAUTH_REQUIRED', `The directory connection ${connection.id} has no ${purpose} saved.`);
  return ref;
}

const SOURCES: Partial<Record<DirectoryMode, Source>> = {
  oauth: (connection, context) => {
    const timeoutMs = context.config.providerCallTimeoutMs;
    return async () => {
      const ref = secretRef(connection, 'refreshToken');
      const refreshToken = await context.secrets.get(ref);
      const client = platformOAuthClient(context.config.google, undefined, timeoutMs);
      client.setCredentials({ refresh_token: refreshToken });
      let rotated: string | undefined;
      client.on('tokens', (tokens) => (rotated = tokens.refresh_token ?? undefined));
      const { token } = await withDeadline(timeoutMs, "Google's token endpoint", () => client.getAccessToken());
      if (rotated && rotated !== refreshToken) await context.secrets.set(ref, rotated).catch(() => undefined);
      if (!token) throw new MailerError('PROVIDER_UNAVAILABLE', "Google's token endpoint answered without an access token.");
      return token;
    };
  },
  service_account: (connection, context, errors) => {
    let source: ServiceAccountTokenSource | undefined;
    return async () => {
      if (!source) {
        const key = parseServiceAccountKey(await context.secrets.get(secretRef(connection, 'serviceAccountKey')));
        errors.serviceAccountClientId = key.clientId;
        source = new ServiceAccountTokenSource(
          key,
          errors.account,
          DIRECTORY_SCOPES,
          context.config.google.tokenUrl,
          context.config.providerCallTimeoutMs,
        );
      }
      return (await source.get()).access_token;
    };
  },
};

export function googleDirectoryAccess(connection: DirectoryConnection, context: ProviderContext): DirectoryAccess {
  const build = SOURCES[connection.mode];
  if (!build) throw new Error(`internal: ${connection.mode} is not a Google directory mode`);
  const errors: DirectoryErrorContext = {
    mode: connection.mode as DirectoryErrorContext['mode'],
    account: connection.adminEmail ?? 'the Google account',
  };
  const token = build(connection, context, errors);
  // The service-account source caches its token itself; the OAuth one is cached here (one sync, one token).
  let cached: { token: string; until: number } | undefined;
  return {
    provider: 'google',
    customer: MY_CUSTOMER,
    googleProject: projectOfMode(errors.mode),
    async accessToken() {
      if (cached && cached.until > Date.now()) return cached.token;
      try {
        const value = await token();
        cached = { token: value, until: Date.now() + 30 * 60_000 };
        return value;
      } catch (error) {
        throw classifyDirectoryError(error, errors);
      }
    },
  };
}
