/**
 * `ConnectionsForSync` (shared/model/directory.ts): what the sync needs from connections. The sync
 * never sees a secret: `access()` hands it a DirectoryAccess (tokens only), built by the provider
 * module for the connection's mode. Status changes are ETag-conditioned read-modify-writes, retried
 * once on a concurrent change (a consent callback landing at the same moment).
 */
import { isMailerError } from '../../errors';
import { createDirectoryAccess } from '../../providers';
import type { ProviderContext } from '../../providers/module';
import type { DirectoryConnectionStore } from '../../store/directoryConnectionStore';
import type { ConnectionsForSync, DirectoryConnection, DirectoryError } from '../../model/directory';
import { modeRules } from './modes';

export function createConnectionsForSync(store: DirectoryConnectionStore, context: ProviderContext, now: () => Date): ConnectionsForSync {
  async function update(
    orgId: string,
    id: string,
    change: (connection: DirectoryConnection) => DirectoryConnection | undefined,
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const stored = await store.get(orgId, id);
      if (!stored) return; // deleted meanwhile: nothing to mark
      const next = change(stored.connection);
      if (!next) return;
      try {
        await store.replace({ ...next, updatedAt: now().toISOString() }, stored.etag);
        return;
      } catch (error) {
        if (attempt > 0 || !isMailerError(error) || error.code !== 'CONCURRENT_UPDATE') throw error;
      }
    }
  }

  return {
    get: async (orgId, id) => (await store.get(orgId, id))?.connection,
    listActive: async () => (await store.listActive()).map((stored) => stored.connection),
    access: (connection) => createDirectoryAccess(connection, context, modeRules(connection.provider, connection.mode)?.customer),
    markNeedsAttention: (orgId, id, error: DirectoryError) =>
      update(orgId, id, (connection) => ({
        ...connection,
        status: 'needs_attention',
        lastError: { code: error.code, message: error.message, hint: error.hint, at: error.at },
      })),
    markActive: (orgId, id) =>
      update(orgId, id, (connection) => {
        if (connection.status === 'active' && !connection.lastError) return undefined;
        const next: DirectoryConnection = { ...connection, status: 'active' };
        delete next.lastError;
        return next;
      }),
  };
}
