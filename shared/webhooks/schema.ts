/**
 * Request bodies of the webhooks API, validated here and documented from the same zod schemas
 * (shared/openapi). An event type outside the catalogue is refused with its own code
 * (WEBHOOK_EVENT_UNKNOWN, 422) naming the type, other faults with VALIDATION_FAILED and `fields`.
 */
import { z } from 'zod';
import { MailerError } from '../errors';
import { EVENT_TYPES, EventType, isEventType } from '../events/catalogue';
import { ORG_ID_PATTERN } from '../model/sender';

const eventType = z.enum(EVENT_TYPES as [EventType, ...EventType[]]);
const events = z.array(eventType).min(1).max(EVENT_TYPES.length).describe('The event types to receive');
const url = z.string().max(2048).describe('https URL of the receiver; must resolve to public addresses');
const description = z.string().max(500);

export const webhookCreateSchema = z
  .object({
    url,
    events,
    orgId: z.string().regex(ORG_ID_PATTERN).optional().describe('The org whose events to receive; absent: every org'),
    description: description.optional(),
  })
  .strict();

export const webhookPatchSchema = z
  .object({
    url: url.optional(),
    events: events.optional(),
    description: description.optional(),
    enabled: z.boolean().optional().describe('true re-enables a disabled endpoint'),
  })
  .strict();

export const webhookReplaySchema = z.object({ eventId: z.string().min(1).max(100) }).strict();

export type WebhookCreateInput = z.output<typeof webhookCreateSchema>;
export type WebhookPatchInput = z.output<typeof webhookPatchSchema>;

function parse<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const unknown = (body as { events?: unknown } | undefined)?.events;
  if (Array.isArray(unknown)) {
    const bad = unknown.filter((t) => !isEventType(t));
    if (bad.length) {
      throw new MailerError(
        'WEBHOOK_EVENT_UNKNOWN',
        `Unknown event type: ${bad
          .map((t) => JSON.stringify(t))
          .join(', ')
          .slice(0, 300)}.`,
        {
          fields: { events: `unknown: ${bad.map(String).join(', ').slice(0, 300)}` },
        },
      );
    }
  }
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const fields: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') for (const key of issue.keys) fields[key] ??= 'is not a field';
    else fields[issue.path.join('.') || 'body'] ??= issue.message;
  }
  throw new MailerError('VALIDATION_FAILED', `The ${what} is invalid: ${Object.keys(fields).join(', ')}.`, { fields });
}

export const parseWebhookCreate = (body: unknown) => parse(webhookCreateSchema, body, 'webhook endpoint');
export const parseWebhookPatch = (body: unknown) => parse(webhookPatchSchema, body, 'webhook change');
export const parseWebhookReplay = (body: unknown) => parse(webhookReplaySchema, body, 'replay request');
