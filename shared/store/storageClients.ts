/**
 * The Storage SDK clients (tables, queues, blobs) built from `config.storage`: a connection string
 * (Azurite locally, or a key-based account), or identity-based URLs with the app's own credential
 * (Azure: `AzureWebJobsStorage__*` with a managed identity; shared keys are disabled there).
 *
 * Each table, queue and container is created on first use, once per process (a cached promise;
 * a failed attempt is forgotten so the next call tries again), never assumed to exist.
 */
import type { TokenCredential } from '@azure/identity';
import { TableClient, TableServiceClientOptions } from '@azure/data-tables';
import { QueueClient, QueueServiceClient, StoragePipelineOptions } from '@azure/storage-queue';
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import type { Config, StorageConfig } from '../config';
import { CONTAINERS, QUEUES, TABLES } from './names';
import { storageFailure } from './storageErrors';

export interface StorageClients {
  /** The table client, the table created on first use. */
  table(name: string): Promise<TableClient>;
  /** The queue client, the queue created on first use. */
  queue(name: string): Promise<QueueClient>;
  /** The container client, the container created on first use. */
  container(name: string): Promise<ContainerClient>;
  /** Health: one cheap read on each service the app uses (queues, tables, blobs). Throws the SDK error. */
  ping(signal?: AbortSignal): Promise<void>;
}

/*
 * Short SDK retries: an outage must be classified (STORAGE_UNAVAILABLE) within seconds so the
 * caller's own policy (message re-delivery, health) takes over, instead of the SDK default of
 * 4 tries with up to 2 minutes of back-off.
 */
const STORAGE_RETRY: StoragePipelineOptions['retryOptions'] = {
  maxTries: 3,
  retryDelayInMs: 200,
  maxRetryDelayInMs: 2000,
  tryTimeoutInMs: 30_000,
};
const TABLE_RETRY: TableServiceClientOptions['retryOptions'] = { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 2000 };

/**
 * The per-try timeout of Table calls (the Queue and Blob SDKs have `tryTimeoutInMs`; Tables has none).
 * Generous on purpose: it exists to end a call Storage will never answer before host.json's 5-minute
 * functionTimeout, not to cut slow answers short (a timed-out try is not retried by the SDK).
 */
export const TABLE_TRY_TIMEOUT_MS = 120_000;

type TablePolicy = NonNullable<TableServiceClientOptions['additionalPolicies']>[number]['policy'];

/**
 * Bounds each Table try, so a request Storage never answers fails (classified STORAGE_UNAVAILABLE)
 * instead of holding the invocation until the host's functionTimeout. Done with our own abort signal
 * rather than `PipelineRequest.timeout`, whose timer outlives a request that failed early and keeps
 * the process alive; ours is cleared when the try ends, and unref'd.
 */
export function tableTryTimeoutPolicy(timeoutMs: number): TablePolicy {
  return {
    name: 'orgMailerTableTryTimeout',
    sendRequest: async (request, next) => {
      const controller = new AbortController();
      const outer = request.abortSignal;
      const forward = () => controller.abort();
      if (outer?.aborted) controller.abort();
      outer?.addEventListener('abort', forward, { once: true });
      const timer = setTimeout(forward, timeoutMs);
      timer.unref();
      request.abortSignal = controller.signal;
      try {
        return await next(request);
      } finally {
        clearTimeout(timer);
        outer?.removeEventListener('abort', forward);
        request.abortSignal = outer;
      }
    },
  };
}

const TABLE_POLICIES: TableServiceClientOptions['additionalPolicies'] = [
  { policy: tableTryTimeoutPolicy(TABLE_TRY_TIMEOUT_MS), position: 'perRetry' },
];

/** Connection string fields, keys compared case-insensitively as the SDKs do. */
function parseConnectionString(connectionString: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  return fields;
}

/**
 * Whether the table endpoint is plain http (Azurite). Only then may the Tables SDK send shared-key
 * requests without TLS (`allowInsecureConnection`); every real endpoint is https.
 */
export function tableEndpointIsHttp(connectionString: string): boolean {
  const fields = parseConnectionString(connectionString);
  if (fields.get('usedevelopmentstorage') === 'true') return true;
  const endpoint = fields.get('tableendpoint');
  if (endpoint) return endpoint.toLowerCase().startsWith('http:');
  return fields.get('defaultendpointsprotocol')?.toLowerCase() === 'http';
}

interface ServiceFactories {
  table(name: string): TableClient;
  queue(name: string): QueueClient;
  container(name: string): ContainerClient;
}

function factories(storage: StorageConfig, credential: () => TokenCredential): ServiceFactories {
  if (storage.kind === 'connectionString') {
    const cs = storage.connectionString;
    const tableOptions: TableServiceClientOptions = {
      retryOptions: TABLE_RETRY,
      additionalPolicies: TABLE_POLICIES,
      allowInsecureConnection: tableEndpointIsHttp(cs),
    };
    const queues = QueueServiceClient.fromConnectionString(cs, { retryOptions: STORAGE_RETRY });
    const blobs = BlobServiceClient.fromConnectionString(cs, { retryOptions: STORAGE_RETRY });
    return {
      table: (name) => TableClient.fromConnectionString(cs, name, tableOptions),
      queue: (name) => queues.getQueueClient(name),
      container: (name) => blobs.getContainerClient(name),
    };
  }
  const queues = new QueueServiceClient(storage.queueServiceUri, credential(), { retryOptions: STORAGE_RETRY });
  const blobs = new BlobServiceClient(storage.blobServiceUri, credential(), { retryOptions: STORAGE_RETRY });
  return {
    table: (name) =>
      new TableClient(storage.tableServiceUri, name, credential(), { retryOptions: TABLE_RETRY, additionalPolicies: TABLE_POLICIES }),
    queue: (name) => queues.getQueueClient(name),
    container: (name) => blobs.getContainerClient(name),
  };
}

/** Caches one "created" promise per name; a rejected one is dropped so the next use retries. */
function ensuredOnce<T>(create: (name: string) => Promise<T>): (name: string) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (name) => {
    let pending = cache.get(name);
    if (!pending) {
      pending = create(name);
      cache.set(name, pending);
      pending.catch(() => cache.delete(name));
    }
    return pending;
  };
}

/**
 * @param credential Used only for identity-based Storage (the connection-string case needs none);
 * a function so a connection-string setup never builds one.
 */
export function createStorageClients(config: Readonly<Pick<Config, 'storage'>>, credential: () => TokenCredential): StorageClients {
  const make = factories(config.storage, credential);
  const clients: Omit<StorageClients, 'ping'> = {
    table: ensuredOnce(async (name) => {
      const client = make.table(name);
      // createTable ignores 409 TableAlreadyExists (data-tables TableClient.createTable).
      await client.createTable().catch((error) => {
        throw storageFailure(error, `create table ${name}`);
      });
      return client;
    }),
    queue: ensuredOnce(async (name) => {
      const client = make.queue(name);
      await client.createIfNotExists().catch((error) => {
        throw storageFailure(error, `create queue ${name}`);
      });
      return client;
    }),
    container: ensuredOnce(async (name) => {
      const client = make.container(name);
      await client.createIfNotExists().catch((error) => {
        throw storageFailure(error, `create container ${name}`);
      });
      return client;
    }),
  };
  return {
    ...clients,
    async ping(signal) {
      const [queue, table, container] = await Promise.all([
        clients.queue(QUEUES.outbox),
        clients.table(TABLES.senders),
        clients.container(CONTAINERS.payloads),
      ]);
      await Promise.all([
        queue.getProperties({ abortSignal: signal }),
        table
          .listEntities({ queryOptions: { select: ['PartitionKey'] }, abortSignal: signal })
          .byPage({ maxPageSize: 1 })
          .next(),
        container.getProperties({ abortSignal: signal }),
      ]);
    },
  };
}

/** Creates every table, queue and container of `names.ts` now rather than on first use (npm start). */
export async function ensureAllStorage(storage: StorageClients): Promise<void> {
  await Promise.all([
    ...Object.values(TABLES).map((name) => storage.table(name)),
    ...Object.values(QUEUES).map((name) => storage.queue(name)),
    ...Object.values(CONTAINERS).map((name) => storage.container(name)),
  ]);
}
