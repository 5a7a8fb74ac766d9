/**
 * A directory sync wired for the tests: the real store, sync rows, reader and engine against Azurite
 * and the sandbox (base URLs from the test run's config), with a small ConnectionsForSync fake whose
 * DirectoryAccess hands out a token obtained from the sandbox's own token endpoints, the events it
 * publishes recorded, the queued syncs recorded, and the throttling waits recorded instead of slept.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@shared/config';
import { MailerError } from '@shared/errors';
import { syncEndpoints } from '@shared/directory/copyServices';
import { createCursorCodec } from '@shared/directory/cursor';
import type { ConnectionsForSync, DirectoryConnection, DirectoryError, DirectoryProvider } from '@shared/model/directory';
import { createDirectoryReader } from '@shared/directory/reader';
import { createDirectorySyncService } from '@shared/directory/sync/engine';
import type { SyncBudget } from '@shared/directory/sync/progress';
import type { PlatformEvent } from '@shared/events/types';
import { createDirectoryStore, type DirectoryStore } from '@shared/store/directoryStore';
import { createDirectorySeenLog } from '@shared/store/directorySeenLog';
import { createDirectorySyncRowStore, type DirectorySyncRowStore } from '@shared/store/directorySyncRow';
import type { QueueStore } from '@shared/store/outboxQueue';
import { createStorageClients } from '@shared/store/storageClients';
import { DIRECTORY_THROTTLE_BOUND } from '@shared/providers/throttleWait';
import { sandboxControl } from '../support/env';

export const config = loadConfig();
export const storage = createStorageClients(config, () => {
  throw new Error('connection-string Storage needs no credential');
});

export interface SyncHarness {
  orgId: string;
  connection: DirectoryConnection;
  events: PlatformEvent[];
  queued: unknown[];
  waits: number[];
  attention: DirectoryError[];
  /** The bearer token the fake access hands out (tests swap it). */
  token: { value: string };
  store: DirectoryStore;
  sync: ReturnType<typeof createDirectorySyncService>;
  reader: ReturnType<typeof createDirectoryReader>;
  operations: { count: number };
}

export interface HarnessOptions {
  store?: (store: DirectoryStore) => DirectoryStore;
  rows?: (rows: DirectorySyncRowStore) => DirectorySyncRowStore;
  customer?: string;
  clock?: () => Date;
  /** Replaces the time budget of each queue invocation (a page count). */
  budget?: () => SyncBudget;
}

export function syncHarness(provider: DirectoryProvider, options: HarnessOptions = {}): SyncHarness {
  const orgId = `sync-${randomBytes(4).toString('hex')}`;
  const connection: DirectoryConnection = {
    orgId,
    id: `dc${randomBytes(5)
      .toString('hex')
      .replace(/[0189]/g, 'a')
      .slice(0, 10)
      .padEnd(10, 'b')}`,
    name: 'Test directory',
    provider,
    mode: provider === 'microsoft' ? 'application' : 'service_account',
    status: 'active',
    secretRefs: {},
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  };
  const events: PlatformEvent[] = [];
  const queued: unknown[] = [];
  const waits: number[] = [];
  const attention: DirectoryError[] = [];
  const token = { value: '' };
  const operations = { count: 0 };
  const base = createDirectoryStore(storage, { countOperations: (n) => (operations.count += n) });
  const store = options.store ? options.store(base) : base;
  const connections: ConnectionsForSync = {
    get: async (o, id) => (o === orgId && id === connection.id ? connection : undefined),
    listActive: async () => (connection.status === 'active' ? [connection] : []),
    access: () => ({ provider, accessToken: async () => token.value, ...(options.customer ? { customer: options.customer } : {}) }),
    markNeedsAttention: async (_o, _id, error) => {
      attention.push(error);
      connection.status = 'needs_attention';
    },
    markActive: async () => {
      connection.status = 'active';
    },
  };
  const queue = {
    name: 'directory-sync',
    send: async (value: unknown) => (queued.push(value), { id: String(queued.length) }),
  } as unknown as QueueStore;
  const sync = createDirectorySyncService({
    store,
    rows: (options.rows ?? ((rows) => rows))(createDirectorySyncRowStore(storage)),
    connections,
    events: async (event) => {
      events.push(event);
    },
    seen: createDirectorySeenLog(storage),
    queue,
    endpoints: { ...syncEndpoints(config), throttle: { ...DIRECTORY_THROTTLE_BOUND, sleep: async (ms) => void waits.push(ms) } },
    intervalMs: 6 * 3600_000,
    budgetMs: config.directorySyncBudgetMs,
    budget: options.budget,
    clock: options.clock ?? (() => new Date()),
  });
  return {
    orgId,
    connection,
    events,
    queued,
    waits,
    attention,
    token,
    store,
    sync,
    reader: createDirectoryReader(base, createCursorCodec(config.stateSigningKey)),
    operations,
  };
}

/** A store whose next non-empty write, once armed, fails with STORAGE_UNAVAILABLE. */
export function storageFailsOnce(): { arm(): void; store: (store: DirectoryStore) => DirectoryStore } {
  let armed = false;
  return {
    arm: () => {
      armed = true;
    },
    store: (store) => ({
      ...store,
      apply: async (...args) => {
        if (armed && args[2].length > 0) {
          armed = false;
          throw new MailerError('STORAGE_UNAVAILABLE', 'Azure Storage is unavailable (test).');
        }
        return store.apply(...args);
      },
    }),
  };
}

/** A budget of `pages` saved pages per invocation (no real time involved). */
export function pageBudget(pages: number): () => SyncBudget {
  return () => {
    let saved = 0;
    return { spent: () => ++saved >= pages };
  };
}

/** Request counts of the sandbox's directory APIs by kind (`users/delta:initial`, ...). */
export async function directoryRequests(provider: DirectoryProvider): Promise<Record<string, number>> {
  return (await sandboxControl<{ byKind: Record<string, number> }>('GET', `directory/requests?provider=${provider}`)).byKind;
}

/** The events as `type subject` lines, sorted (subject: the user or group id). */
export function eventLines(events: PlatformEvent[]): string[] {
  return events
    .map((e) => {
      const data = e.data as { userId?: string; groupId?: string; added?: string[]; removed?: string[] };
      const changes = data.added ? ` +[${data.added.join(',')}] -[${data.removed!.join(',')}]` : '';
      return `${e.type} ${data.userId ?? data.groupId}${changes}`;
    })
    .sort();
}
