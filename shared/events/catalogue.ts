/**
 * The event catalogue: every event type a SaaS can subscribe a webhook to, with the zod schema of
 * its `data`. One table feeds the subscription check (an unknown type is refused with 422) and the
 * `webhooks` section of the OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.0#oas-webhooks).
 *
 * Names follow the Standard Webhooks convention of dotted, lowercase types
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#payload-structure).
 * `data` never carries message bodies, recipients' addresses or secrets: only ids, states and codes.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

const instant = z.string().describe('ISO 8601 instant');
const code = z.string().describe('An error code of the API (see the Error schema)');

const messageData = z.object({
  messageId: z.string().describe('The id chosen at enqueue'),
  status: z.enum(['queued', 'sent', 'retrying', 'failed', 'uncertain', 'expanded', 'partly_failed']),
  attempts: z.number().int().describe('Provider attempts so far'),
  at: instant,
  category: z.string().optional(),
  via: z.enum(['org', 'default']).optional().describe("Which sender the last attempt used: the org's own or the default sender"),
  code: code.optional().describe('Why it is retrying, failed or uncertain'),
  nextAttemptAt: instant.optional(),
  parentId: z.string().optional().describe("a per-recipient copy of a message to directory groups: that message's id"),
  group: z
    .object({
      expandedCount: z.number().int(),
      sent: z.number().int(),
      failed: z.number().int(),
      uncertain: z.number().int(),
      pending: z.number().int(),
    })
    .optional()
    .describe('a message to directory groups: recipients expanded, and its copies by outcome'),
});

const senderData = z.object({
  provider: z.enum(['microsoft', 'google']),
  mode: z.string(),
  senderEmail: z.string(),
  status: z.enum(['draft', 'active', 'needs_attention']),
  version: z.number().int(),
  senderKey: z.string().optional().describe("Which of the org's senders, when not its `default` one"),
  code: code.optional().describe('What needs attention'),
  hint: z.string().optional().describe('What the org admin can do about it'),
});

const secretExpiringData = z.object({
  provider: z.enum(['microsoft', 'google']),
  senderEmail: z.string(),
  clientId: z.string().optional().describe('the app registration whose secret expires'),
  expiresOn: instant,
  daysBefore: z.union([z.literal(30), z.literal(7), z.literal(1)]).describe('the notice threshold crossed: 30, 7 or 1 days before'),
  daysLeft: z.number().int().describe('whole days left when the notice was made'),
});

const connectionId = z.string().optional().describe('The directory connection the change was synced from');
const directoryUserData = z.object({ userId: z.string(), email: z.string().optional(), displayName: z.string().optional(), connectionId });
const directoryGroupData = z.object({
  groupId: z.string(),
  email: z.string().optional(),
  displayName: z.string().optional(),
  connectionId,
});
const directoryMembersData = z.object({
  groupId: z.string(),
  connectionId,
  added: z
    .array(z.string())
    .describe('ids of users or groups that joined the group (at most 100 per event; a larger change is several events)'),
  removed: z.array(z.string()).describe('ids of users or groups that left the group (at most 100 per event)'),
});

const webhookTestData = z.object({ endpointId: z.string(), note: z.string() });
const webhookDisabledData = z.object({
  endpointId: z.string(),
  url: z.string(),
  failingSince: instant,
  disabledAt: instant,
  lastError: z.string().optional().describe('The status code or error of the last attempt'),
});

const entry = <S extends z.ZodType>(summary: string, data: S) => ({ summary, data });

export const EVENT_CATALOGUE = {
  'message.queued': entry('A message was accepted and queued', messageData),
  'message.sent': entry('The provider accepted the message', messageData),
  'message.retrying': entry('A transient failure; the message is retried later', messageData),
  'message.failed': entry('The message will not be sent (final)', messageData),
  'message.uncertain': entry('The provider may or may not have sent the message (no answer after sending began)', messageData),
  'message.expanded': entry('A message to directory groups was expanded: one copy per recipient is queued', messageData),
  'message.partly_failed': entry('A message to directory groups ended with some copies sent and some not (final)', messageData),
  'sender.activated': entry("A test send succeeded: the org's own sender is active and locked", senderData),
  'sender.needs_attention': entry("The org's sender failed for a reason an admin must fix", senderData),
  'sender.reset': entry("The org's sender was reset: its secrets are deleted and mail goes out from the default sender", senderData),
  'sender.secret_expiring': entry("The sender's client secret expires in 30, 7 or 1 days", secretExpiringData),
  'directory.user.created': entry('A user appeared in the org directory', directoryUserData),
  'directory.user.updated': entry('A user of the org directory changed', directoryUserData),
  'directory.user.deleted': entry('A user left the org directory', directoryUserData),
  'directory.user.disabled': entry(
    'A user of the org directory was disabled (Entra accountEnabled false, Google suspended)',
    directoryUserData,
  ),
  'directory.group.created': entry('A group appeared in the org directory', directoryGroupData),
  'directory.group.updated': entry('A group of the org directory changed', directoryGroupData),
  'directory.group.deleted': entry('A group left the org directory', directoryGroupData),
  'directory.group.members_changed': entry('Members joined or left a group of the org directory', directoryMembersData),
  'webhook.test': entry('Sent by POST /api/webhooks/{webhookId}/test', webhookTestData),
  'webhook.disabled': entry('An endpoint failed for 5 days in a row and was disabled', webhookDisabledData),
} as const;

export type EventType = keyof typeof EVENT_CATALOGUE;
export const EVENT_TYPES = Object.keys(EVENT_CATALOGUE) as EventType[];

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(EVENT_CATALOGUE, value);
}

/** The `data` of each type, for producers. */
export type EventData<T extends EventType> = z.output<(typeof EVENT_CATALOGUE)[T]['data']>;

/**
 * A stable event id from what happened: the same parts always give the same id, so a re-published
 * event is the same event and receivers de-duplicate on `webhook-id`.
 */
export function stableEventId(...parts: Array<string | number>): string {
  return `evt_${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32)}`;
}
