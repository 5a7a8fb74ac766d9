/**
 * Every queue, table and blob container name the code uses: the single source that the stores,
 * the local host, the infra test (infra/ must create each one) and the docs read.
 * Append new names to the right object; nothing else in the code spells a name out.
 *
 * Azure naming rules (https://learn.microsoft.com/rest/api/storageservices/naming-queues-and-metadata,
 * .../understanding-the-table-service-data-model#table-names, .../naming-and-referencing-containers--blobs--and-metadata):
 * - queues and containers: 3-63 characters, lowercase letters, digits and single dashes;
 * - tables: 3-63 characters, letters and digits only (NO dashes), starting with a letter.
 * `test/unit/store-names.test.ts` holds every name below to these rules.
 */

export const QUEUES = {
  /** Messages to deliver (docs/delivery.md). */
  outbox: 'outbox',
  /** Where the Functions host moves an outbox message after maxDequeueCount failures. */
  outboxPoison: 'outbox-poison',
  /** Status changes for the SaaS backend: {id, orgId, status, at, code?, via?}. */
  deliveryEvents: 'delivery-events',
  /** Where the host moves what the `outbox-poison` trigger itself failed on; read by the poison sweep. */
  outboxPoisonPoison: 'outbox-poison-poison',
  /** Platform events (PlatformEvent JSON) for the webhook dispatcher to fan out. */
  webhookEvents: 'webhook-events',
  /** One message per (endpoint, event) to POST, re-sent with a delay for each retry. */
  webhookDeliveries: 'webhook-deliveries',
  /** One message per directory sync to run ({orgId, connectionId, owner}): the timer and `POST .../sync` enqueue, a trigger runs it. */
  directorySync: 'directory-sync',
  /**
   * The express lane: messages due at once when accepted (their mailbox has no backlog), so they never
   * wait behind other mailboxes' due floods in `outbox` (docs/delivery.md, "Per-mailbox limits and fairness").
   */
  outboxExpress: 'outbox-express',
  outboxExpressPoison: 'outbox-express-poison',
  outboxExpressPoisonPoison: 'outbox-express-poison-poison',
} as const;

export const TABLES = {
  /** Sender configs: PK orgId, RK "sender"; per-org control rows beside them (RK "adminlinks", "testsends": store/orgControls.ts). */
  senders: 'senders',
  /** Delivery status: PK orgId, RK message id. */
  deliveries: 'deliveries',
  /** Per-mailbox "next free slot" for fair scheduling (PK mailbox key, RK "next") and its concurrency permits (RK "permit-NN", store/mailboxPermits.ts). */
  mailboxSlots: 'mailboxslots',
  /** Outbox messages set aside unreadable (no id/orgId): PK day, RK uuid, with the raw text. */
  poisonMessages: 'poisonmessages',
  /** Pending consent links (PK orgId, RK state nonce) with the server-side PKCE verifier; consumed once. */
  consentStates: 'consentstates',
  /** Webhook endpoints: PK orgId (or `*` for all orgs), RK endpoint id. */
  webhookEndpoints: 'webhookendpoints',
  /** Webhook delivery attempts: PK endpoint id, RK inverted time; the last 100 are kept. */
  webhookAttempts: 'webhookattempts',
  /** Events handed to webhooks, for replay: PK event id, RK "event". */
  webhookEvents: 'webhookevents',
  /** Directory connections: PK orgId, RK connection id (shared/model/directory.ts). */
  directoryConnections: 'directoryconnections',
  /** Synced directory copies: PK `${orgId}~${connectionId}`, RK `u~<id>`, `g~<id>`, `m~<group>~<member>`, `sync`. */
  directory: 'directory',
} as const;

export const CONTAINERS = {
  /** Claim-check payloads of messages too large for a queue message. */
  payloads: 'payloads',
} as const;

/** The queue the Functions host moves a message to after `maxDequeueCount` failed tries. */
export function poisonQueueName(queueName: string): string {
  return `${queueName}-poison`;
}
