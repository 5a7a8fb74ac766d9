/** The webhooks API's bodies for the OpenAPI document (see schemas.ts): requests are the handlers' own zod schemas. */
import { z } from 'zod';
import { EVENT_TYPES, EventType } from '../events/catalogue';
import type { WebhookAttempt, WebhookView } from '../webhooks/model';
import type { WebhookWithSecret } from '../webhooks/endpoints';
import { webhookCreateSchema, webhookPatchSchema, webhookReplaySchema } from '../webhooks/schema';

const instant = z.string().describe('ISO 8601 instant');

/** Same contract as schemas.ts `describes`: tsc fails when the view and its document drift. */
type Conforms<T, D> = [T] extends [D]
  ? [Exclude<keyof T, keyof D>] extends [never]
    ? unknown
    : { undocumentedFields: Exclude<keyof T, keyof D> }
  : { doesNotFit: T };
export const describes =
  <T>() =>
  <S extends z.ZodType>(schema: S & Conforms<T, z.output<S>>): S =>
    schema;

const viewFields = {
  id: z.string(),
  orgId: z.string().optional().describe('absent for an all-orgs endpoint'),
  url: z.string(),
  events: z.array(z.enum(EVENT_TYPES as [EventType, ...EventType[]])),
  description: z.string().optional(),
  enabled: z.boolean(),
  failingSince: instant.optional().describe('first failed attempt of the current run of failures'),
  disabledAt: instant.optional(),
  notice: z.object({ type: z.literal('webhook.disabled'), at: instant, reason: z.string() }).optional(),
  previousSecretExpiresAt: instant.optional().describe('until then the previous secret also signs (rotation overlap)'),
  createdAt: instant,
  updatedAt: instant,
};
const webhookView = describes<WebhookView>()(z.object(viewFields));
const withSecret = describes<WebhookWithSecret>()(
  z.object({ ...viewFields, secret: z.string().describe('whsec_...: shown only in this answer; keep it to verify signatures') }),
);
const attempt = describes<WebhookAttempt>()(
  z.object({
    eventId: z.string(),
    eventType: z.string(),
    at: instant,
    attempt: z.number().int().describe('which try of this event at this endpoint'),
    delivered: z.boolean(),
    statusCode: z.number().int().optional(),
    error: z.string().optional().describe('timeout, connection refused, refused: <why>'),
    durationMs: z.number().int(),
  }),
);

export const WEBHOOK_SCHEMAS = {
  WebhookCreate: webhookCreateSchema,
  WebhookPatch: webhookPatchSchema,
  WebhookReplay: webhookReplaySchema,
  WebhookView: webhookView,
  WebhookWithSecret: withSecret,
  WebhookList: z.object({ items: z.array(webhookView) }),
  WebhookAttempts: z.object({ items: z.array(attempt) }),
  WebhookEventQueued: z.object({ eventId: z.string() }),
};
