/**
 * The create-time check of a Google directory connection: one `users.list` with maxResults=1
 * through @googleapis/admin (directory_v1), with the connection's own token. It proves the key or
 * sign-in works, the subject is an admin who may read users (else DIRECTORY_NOT_ADMIN), and the
 * Admin SDK API is enabled in the project (else DIRECTORY_API_DISABLED), before anything is written.
 * https://developers.google.com/workspace/admin/directory/reference/rest/v1/users/list
 */
import { admin, auth } from '@googleapis/admin';
import type { DirectoryConnection } from '../../model/directory';
import type { SecretStore } from '../../store/types';
import type { ProviderContext } from '../module';
import { googleDirectoryAccess } from './directoryAccess';
import { classifyDirectoryError } from './directoryErrors';

/** Secrets not written anywhere yet (create time), served to the access code as if from Key Vault. */
function inMemory(values: Record<string, string>): SecretStore {
  return {
    get: async (name) => values[name],
    set: async (name, value) => void (values[name] = value),
    delete: async (name) => void delete values[name],
    forget: () => undefined,
    ping: async () => undefined,
  };
}

export async function verifyGoogleDirectory(
  connection: DirectoryConnection,
  context: ProviderContext,
  secrets: Record<string, string>,
): Promise<void> {
  // The connection's refs name the in-memory values by purpose, so the same token code runs as the sync's.
  const probe: DirectoryConnection = {
    ...connection,
    secretRefs: Object.fromEntries(Object.keys(secrets).map((purpose) => [purpose, purpose])),
  };
  const access = googleDirectoryAccess(probe, { ...context, secrets: inMemory({ ...secrets }) });
  const token = await access.accessToken();
  const timeoutMs = context.config.providerCallTimeoutMs;
  const client = new auth.OAuth2({ transporterOptions: { fetchImplementation: fetch, timeout: timeoutMs } });
  client.setCredentials({ access_token: token });
  const api = admin({ version: 'directory_v1', auth: client, rootUrl: `${context.config.google.adminApiUrl}/` });
  try {
    await api.users.list({ customer: access.customer, maxResults: 1 }, { timeout: timeoutMs });
  } catch (error) {
    throw classifyDirectoryError(error, {
      mode: connection.mode === 'service_account' ? 'service_account' : 'oauth',
      account: connection.adminEmail ?? 'the Google account',
    });
  }
}
