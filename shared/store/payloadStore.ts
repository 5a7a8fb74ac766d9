/**
 * Claim-check payloads in blob container `payloads`: a message too large for a queue message
 * (64 KiB of Base64 text) is stored here and the queue message carries only its blob name
 * (`payloadRef`, docs/delivery.md).
 */
import type { ContainerClient } from '@azure/storage-blob';
import { MailerError } from '../errors';
import { CONTAINERS } from './names';
import type { StorageClients } from './storageClients';
import { storageFailure, storageStatus } from './storageErrors';

export interface PayloadStore {
  put(name: string, data: Buffer | string, contentType?: string): Promise<void>;
  /** The payload, or undefined when there is none by that name. */
  get(name: string): Promise<Buffer | undefined>;
  /** Missing is not an error (a delivery may be completed twice). */
  delete(name: string): Promise<void>;
}

/** Blob names are chosen by our code (e.g. `<orgId>/<message id>`), but ids come from clients: refuse anything odd. */
function checkName(name: string): string {
  // Blob names: 1-1024 characters; no control characters, no backslash (rewritten to "/" by some tools), no dot segments.
  if (
    !name ||
    name.length > 1024 ||
    // eslint-disable-next-line no-control-regex -- control characters are exactly what a blob name may not hold
    /[\u0000-\u001f\u007f\\]/.test(name) ||
    name.split('/').some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new MailerError('INVALID_MESSAGE', 'The payload reference is not a valid blob name.', {
      fields: { payloadRef: 'not a valid blob name' },
    });
  }
  return name;
}

export function createPayloadStore(storage: StorageClients): PayloadStore {
  const container = (): Promise<ContainerClient> => storage.container(CONTAINERS.payloads);
  const failure = (error: unknown, what: string, name: string) => storageFailure(error, `${what} payload ${name}`);

  return {
    async put(name, data, contentType = 'application/json') {
      const blob = (await container()).getBlockBlobClient(checkName(name));
      const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      try {
        await blob.uploadData(body, { blobHTTPHeaders: { blobContentType: contentType } });
      } catch (error) {
        throw failure(error, 'write', name);
      }
    },

    async get(name) {
      const blob = (await container()).getBlockBlobClient(checkName(name));
      try {
        return await blob.downloadToBuffer();
      } catch (error) {
        if (storageStatus(error) === 404) return undefined;
        throw failure(error, 'read', name);
      }
    },

    async delete(name) {
      const blob = (await container()).getBlockBlobClient(checkName(name));
      try {
        await blob.deleteIfExists();
      } catch (error) {
        throw failure(error, 'delete', name);
      }
    },
  };
}
