/**
 * Directory syncs, thin: `POST .../connections/{id}/sync` (and its settings-page twin
 * `POST /manage/directory/connections/{id}/sync`) takes the connection's
 * lease and queues the sync (202, or 409 DIRECTORY_SYNC_RUNNING with `runningSince`); the timer
 * queues the active connections due (DIRECTORY_SYNC_INTERVAL_HOURS); the `directory-sync` queue
 * trigger runs a sync page by page for up to DIRECTORY_SYNC_BUDGET_SECONDS, then it hands on to a
 * new message (shared/directory/sync/engine.ts, docs/directory.md).
 */
import type { HttpHandler, HttpRequest } from '@azure/functions';
import { getServices } from '@shared/services';
import { QUEUES } from '@shared/store/names';
import { asAdmin } from './adminSender';
import { handle, json, orgIdFrom } from './http';
import { defineHttp, defineQueue, defineTimer, type QueueHandler, type TimerHandler } from './registry';

/** Every 15 minutes: each run queues only connections whose last sync is older than the interval. */
export const DIRECTORY_SYNC_SCHEDULE = '0 */15 * * * *';

const sync = () => getServices().directory.sync;

const requestSync = async (orgId: string, request: HttpRequest) => json(202, await sync().request(orgId, request.params.id ?? ''));

export const directoryConnectionSync: HttpHandler = handle((request) => requestSync(orgIdFrom(request), request));

defineHttp({
  name: 'directoryConnectionSync',
  route: 'orgs/{orgId}/directory/connections/{id}/sync',
  methods: ['POST'],
  authLevel: 'function',
  handler: directoryConnectionSync,
});

/** The settings page's "Sync now" (the org is the admin link's). */
export const adminDirectoryConnectionSync: HttpHandler = asAdmin(({ orgId }, request) => requestSync(orgId, request));

defineHttp({
  name: 'adminDirectoryConnectionSync',
  route: 'manage/directory/connections/{id}/sync',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: adminDirectoryConnectionSync,
});

export const directorySyncTimer: TimerHandler = async (_timer, context) => {
  const requested = await sync().tick();
  context.log(`directory sync timer: ${requested} connection(s) queued`);
};

defineTimer({ name: 'directorySyncTimer', schedule: DIRECTORY_SYNC_SCHEDULE, handler: directorySyncTimer });

export const directorySyncRun: QueueHandler = async (message, context) => {
  const result = await sync().run(message);
  context.log(`directory sync: ${result.outcome}${result.kind ? ` ${result.kind}` : ''}${result.error ? ` ${result.error.code}` : ''}`);
};

defineQueue({ name: 'directorySyncRun', queueName: QUEUES.directorySync, handler: directorySyncRun });
