/**
 * org-mailer's typed client (package entry `org-mailer/client`), for SaaS backends that enqueue
 * straight onto the `outbox` queue instead of calling `POST /api/orgs/{orgId}/messages`; its HTTP
 * part, `OrgMailerApi` (./http.ts), calls the management and messages API with the function key.
 *
 *   import { OrgMailerClient } from 'org-mailer/client';
 *   const mailer = new OrgMailerClient({ queueServiceUrl, blobServiceUrl, credential: new DefaultAzureCredential() });
 *   await mailer.send('acme', { id: 'invite-42', to: [{ address: 'ann@example.com' }], subject: 'Welcome', text: '...' });
 *
 * It validates with the same schema as the API and the worker (a bad message fails here, with the
 * same `fields`), claim-checks payloads over ~48 KiB to blob `payloads`, and Base64-encodes the JSON
 * as the Functions host expects. The worker creates the delivery row when the message arrives, and
 * drops a second message with an id it has already sent, so re-sending after a timeout is safe.
 * Differences from the API: the message is not scheduled against its mailbox's rate until the
 * worker first sees it, and `GET .../messages/{id}` answers 404 until then.
 */
import { toQueueMessage } from '../delivery/claimCheck';
import { Message, MessageInput, parseMessageInput } from '../delivery/schema';
import { MailerError } from '../errors';
import { ORG_ID_PATTERN } from '../model/sender';
import { ExternalStorageOptions, createExternalStorageClients } from '../store/externalStorage';
import { QUEUES } from '../store/names';
import { createQueueStore, QueueStore } from '../store/outboxQueue';
import { createPayloadStore, PayloadStore } from '../store/payloadStore';

export type { MessageInput, Message } from '../delivery/schema';
export { MAX_MESSAGE_BYTES, MAX_RECIPIENTS, CLAIM_CHECK_THRESHOLD_BYTES } from '../delivery/schema';
export { MailerError } from '../errors';
export { verifyWebhook } from './verifyWebhook';
/** The HTTP API (senders, routing, message status) with the function key: ./http.ts. */
export { OrgMailerApi } from './http';
export type { OrgMailerApiOptions, NewSenderInput, Link, TestSendResult, Enqueued } from './http';
export type { DeliveryView } from '../delivery/status';
export type { SenderView } from '../senders/view';
export type { VerifyWebhookOptions } from './verifyWebhook';
export type { PlatformEvent } from '../events/types';
/** Several senders per org: the rules `PUT /routing` takes and what `POST /routing/explain` answers. */
export type { RoutingRule, RoutedMessage } from '../senders/rules';
export type { RouteExplanation } from '../senders/named';
export type { Hop } from '../model/sender';

/** A connection string, or the account's queue and blob URLs with a `TokenCredential`. */
export type OrgMailerClientOptions = ExternalStorageOptions;

export interface SendResult {
  id: string;
  status: 'queued';
  /** The blob holding the message, when it was too large for the queue. */
  payloadRef?: string;
}

export class OrgMailerClient {
  private readonly outbox: QueueStore;
  private readonly payloads: PayloadStore;

  constructor(options: OrgMailerClientOptions) {
    const storage = createExternalStorageClients(options);
    this.outbox = createQueueStore(storage, QUEUES.outbox);
    this.payloads = createPayloadStore(storage);
  }

  /** Validates without sending. Throws MailerError INVALID_MESSAGE with `fields`. */
  static validate(orgId: string, message: MessageInput): Message {
    if (!ORG_ID_PATTERN.test(orgId)) {
      throw new MailerError('INVALID_MESSAGE', 'The organization id is not valid.', {
        fields: { orgId: 'must match ^[a-z0-9][a-z0-9-]{0,62}$ (or be _default)' },
      });
    }
    return parseMessageInput(orgId, message);
  }

  /** Validates, claim-checks if large, and enqueues. */
  async send(orgId: string, message: MessageInput): Promise<SendResult> {
    const valid = OrgMailerClient.validate(orgId, message);
    const { body, payloadRef } = await toQueueMessage(valid, this.payloads);
    await this.outbox.send(body, { timeToLiveSeconds: -1 });
    return { id: valid.id, status: 'queued', ...(payloadRef ? { payloadRef } : {}) };
  }
}
