/**
 * Storage clients for the typed client (`org-mailer/client`), which runs in the SaaS backend, not in
 * the function app. Unlike `storageClients.ts` it never creates queues or containers: the backend's
 * identity typically holds only "Storage Queue Data Message Sender" and "Storage Blob Data
 * Contributor" on the app's account, and creating a queue needs more
 * (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage#storage-queue-data-message-sender).
 * The function app creates them on first use; infra/ creates them at deployment.
 */
import type { TokenCredential } from '@azure/identity';
import { QueueServiceClient } from '@azure/storage-queue';
import { BlobServiceClient } from '@azure/storage-blob';
import { CONTAINERS, QUEUES } from './names';
import type { StorageClients } from './storageClients';

export type ExternalStorageOptions =
  { connectionString: string } | { queueServiceUrl: string; blobServiceUrl: string; credential: TokenCredential };

const RETRY = { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000, tryTimeoutInMs: 30_000 };

export function createExternalStorageClients(options: ExternalStorageOptions): StorageClients {
  const queues =
    'connectionString' in options
      ? QueueServiceClient.fromConnectionString(options.connectionString, { retryOptions: RETRY })
      : new QueueServiceClient(options.queueServiceUrl, options.credential, { retryOptions: RETRY });
  const blobs =
    'connectionString' in options
      ? BlobServiceClient.fromConnectionString(options.connectionString, { retryOptions: RETRY })
      : new BlobServiceClient(options.blobServiceUrl, options.credential, { retryOptions: RETRY });
  return {
    table: async () => {
      throw new Error('internal: the typed client uses no tables');
    },
    queue: async (name) => queues.getQueueClient(name),
    container: async (name) => blobs.getContainerClient(name),
    /** Reachability of what the client writes to: the outbox queue and the payloads container. */
    async ping(signal) {
      await Promise.all([
        queues.getQueueClient(QUEUES.outbox).getProperties({ abortSignal: signal }),
        blobs.getContainerClient(CONTAINERS.payloads).getProperties({ abortSignal: signal }),
      ]);
    },
  };
}
