/**
 * Storage queues as the Functions host reads them: message text is Base64 (host.json
 * `messageEncoding: base64`, the default), and inside it JSON. One generic `QueueStore` serves the
 * `outbox`, `delivery-events` and poison queues, and the local host's queue triggers.
 *
 * `@azure/storage-queue` does not encode for us (docs/providers.md), so encoding lives here, once.
 */
import type { QueueClient } from '@azure/storage-queue';
import { MailerError } from '../errors';
import type { StorageClients } from './storageClients';
import { storageFailure, storageStatus } from './storageErrors';

/** Storage's own bounds: a message may be hidden at most 7 days, and its text is at most 64 KiB. */
export const MAX_VISIBILITY_DELAY_SECONDS = 7 * 24 * 3600;
export const MAX_MESSAGE_TEXT_BYTES = 64 * 1024;

export function encodeQueueMessage(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * What a queue trigger receives for a stored message text, as the Functions host and
 * `@azure/functions` v4 produce it: Base64-decoded, then `JSON.parse` when that succeeds, else the
 * string (src/converters/fromRpcTypedData.ts `tryJsonParse`). `undefined` when the text is not
 * Base64 at all (the host cannot decode it and sets it aside in the poison queue).
 */
export function decodeQueueMessage(messageText: string): { ok: true; value: unknown; text: string } | { ok: false } {
  const compact = messageText.replace(/\s+/g, '');
  if (!BASE64.test(compact)) return { ok: false };
  const text = Buffer.from(compact, 'base64').toString('utf8');
  try {
    return { ok: true, value: JSON.parse(text), text };
  } catch {
    return { ok: true, value: text, text };
  }
}

export interface SendOptions {
  /** Hide the message this long before any reader sees it (fairness scheduling, retries). */
  visibilityDelaySeconds?: number;
  /** Seconds until Storage drops the message; default 7 days, -1 = never. */
  timeToLiveSeconds?: number;
}

export interface QueueEntry {
  id: string;
  popReceipt: string;
  dequeueCount: number;
  insertionTime: Date;
  expirationTime: Date;
  nextVisibleTime?: Date;
  /** The stored (Base64) text, as it must be copied to a poison queue. */
  messageText: string;
}

export interface QueueStore {
  readonly name: string;
  /** Enqueues `value` as Base64 JSON. */
  send(value: unknown, options?: SendOptions): Promise<{ id: string }>;
  /** Enqueues an already-encoded text unchanged (moving a message to its poison queue). */
  sendEncoded(messageText: string, options?: SendOptions): Promise<{ id: string }>;
  /** Takes up to `max` (1-32) visible messages, hiding them for `visibilityTimeoutSeconds`. */
  receive(max: number, visibilityTimeoutSeconds: number): Promise<QueueEntry[]>;
  /** Removes a received message (done). A message already gone is not an error. */
  delete(entry: Pick<QueueEntry, 'id' | 'popReceipt'>): Promise<void>;
  /** Makes a received message visible again after `visibilityTimeoutSeconds` (failed; try later). */
  release(entry: Pick<QueueEntry, 'id' | 'popReceipt'>, visibilityTimeoutSeconds: number): Promise<void>;
  /** Up to 32 visible messages, decoded, without taking them (tests, diagnostics). */
  peek(max?: number): Promise<unknown[]>;
  /** Approximate number of messages, visible or not. */
  count(): Promise<number>;
}

function delaySeconds(seconds: number | undefined): number | undefined {
  if (seconds === undefined || seconds <= 0) return undefined;
  return Math.min(Math.ceil(seconds), MAX_VISIBILITY_DELAY_SECONDS);
}

export function createQueueStore(storage: StorageClients, name: string): QueueStore {
  const queue = (): Promise<QueueClient> => storage.queue(name);
  const failure = (error: unknown, what: string) => storageFailure(error, `${what} queue ${name}`);

  async function sendEncoded(messageText: string, options: SendOptions = {}): Promise<{ id: string }> {
    if (Buffer.byteLength(messageText) > MAX_MESSAGE_TEXT_BYTES) {
      // A caller bug (large messages go through the payload store, docs/delivery.md), not bad input.
      throw new MailerError(
        'INTERNAL',
        `A queue message of ${Buffer.byteLength(messageText)} bytes exceeds Storage's ${MAX_MESSAGE_TEXT_BYTES}; it should have been claim-checked.`,
      );
    }
    const client = await queue();
    try {
      const sent = await client.sendMessage(messageText, {
        visibilityTimeout: delaySeconds(options.visibilityDelaySeconds),
        messageTimeToLive: options.timeToLiveSeconds,
      });
      return { id: sent.messageId };
    } catch (error) {
      throw failure(error, 'send to');
    }
  }

  return {
    name,
    send: (value, options) => sendEncoded(encodeQueueMessage(value), options),
    sendEncoded,

    async receive(max, visibilityTimeoutSeconds) {
      const client = await queue();
      try {
        const { receivedMessageItems } = await client.receiveMessages({
          numberOfMessages: Math.max(1, Math.min(32, max)),
          visibilityTimeout: Math.max(1, Math.ceil(visibilityTimeoutSeconds)),
        });
        return receivedMessageItems.map((m) => ({
          id: m.messageId,
          popReceipt: m.popReceipt,
          dequeueCount: m.dequeueCount,
          insertionTime: m.insertedOn,
          expirationTime: m.expiresOn,
          nextVisibleTime: m.nextVisibleOn,
          messageText: m.messageText,
        }));
      } catch (error) {
        throw failure(error, 'receive from');
      }
    },

    async delete(entry) {
      const client = await queue();
      try {
        await client.deleteMessage(entry.id, entry.popReceipt);
      } catch (error) {
        if (storageStatus(error) === 404) return;
        throw failure(error, 'delete from');
      }
    },

    async release(entry, visibilityTimeoutSeconds) {
      const client = await queue();
      try {
        // Text omitted: only the visibility changes (Update Message without a body).
        await client.updateMessage(entry.id, entry.popReceipt, undefined, Math.max(0, Math.ceil(visibilityTimeoutSeconds)));
      } catch (error) {
        if (storageStatus(error) === 404) return;
        throw failure(error, 'release in');
      }
    },

    async peek(max = 32) {
      const client = await queue();
      try {
        const { peekedMessageItems } = await client.peekMessages({ numberOfMessages: Math.max(1, Math.min(32, max)) });
        return peekedMessageItems.map((m) => {
          const decoded = decodeQueueMessage(m.messageText);
          return decoded.ok ? decoded.value : m.messageText;
        });
      } catch (error) {
        throw failure(error, 'peek into');
      }
    },

    async count() {
      const client = await queue();
      try {
        return (await client.getProperties()).approximateMessagesCount ?? 0;
      } catch (error) {
        throw failure(error, 'read');
      }
    },
  };
}
