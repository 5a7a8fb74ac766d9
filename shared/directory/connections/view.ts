/**
 * ConnectionView (dir-api.md): what an admin sees of a connection. Built field by field, so by
 * construction it holds no secret and no secret NAME (`secretRefs` is never copied).
 */
import type { DirectoryConnection, DirectorySyncState } from '../../model/directory';

export type ConnectionView = Pick<
  DirectoryConnection,
  'id' | 'name' | 'provider' | 'mode' | 'status' | 'tenantId' | 'domain' | 'adminEmail' | 'consentedBy' | 'createdAt' | 'lastError'
> &
  Pick<DirectorySyncState, 'lastSyncAt' | 'lastSyncOutcome' | 'lastSyncKind' | 'counts'> & {
    /** A sync holds the connection's lease right now (since `startedAt`). */
    sync: { running: boolean; startedAt?: string };
  };

export function toConnectionView(
  connection: DirectoryConnection,
  sync: DirectorySyncState | undefined,
  now: Date = new Date(),
): ConnectionView {
  const running = !!sync?.lease && Date.parse(sync.lease.expiresAt) > now.getTime();
  const lastError = connection.lastError ?? sync?.lastError;
  const view: ConnectionView = {
    id: connection.id,
    name: connection.name,
    provider: connection.provider,
    mode: connection.mode,
    status: connection.status,
    ...(connection.tenantId ? { tenantId: connection.tenantId } : {}),
    ...(connection.domain ? { domain: connection.domain } : {}),
    ...(connection.adminEmail ? { adminEmail: connection.adminEmail } : {}),
    ...(connection.consentedBy
      ? {
          consentedBy: {
            ...(connection.consentedBy.oid ? { oid: connection.consentedBy.oid } : {}),
            username: connection.consentedBy.username,
          },
        }
      : {}),
    createdAt: connection.createdAt,
    ...(sync?.lastSyncAt ? { lastSyncAt: sync.lastSyncAt } : {}),
    ...(sync?.lastSyncOutcome ? { lastSyncOutcome: sync.lastSyncOutcome } : {}),
    ...(sync?.lastSyncKind ? { lastSyncKind: sync.lastSyncKind } : {}),
    ...(sync?.counts ? { counts: { users: sync.counts.users, groups: sync.counts.groups } } : {}),
    ...(lastError ? { lastError: { code: lastError.code, message: lastError.message, hint: lastError.hint, at: lastError.at } } : {}),
    sync: running ? { running: true, startedAt: sync!.lease!.startedAt } : { running: false },
  };
  return view;
}
