/**
 * The webhooks routes' notes for the OpenAPI document (see operations.ts), and the document's
 * `webhooks` section: one entry per event type of the catalogue, its body the event envelope with
 * that type's `data` (https://spec.openapis.org/oas/v3.1.0#oas-webhooks).
 */
import { z } from 'zod';
import { EVENT_CATALOGUE } from '../events/catalogue';
import type { OperationDoc } from './operationTypes';
import type { JsonSchema } from './schemas';

const scope = [
  {
    name: 'orgId',
    description: "The endpoint's org; absent for an all-orgs endpoint (an id of another org answers 404)",
    schema: { type: 'string' },
  },
];
const view = (description: string) => ({ description, schema: 'WebhookView' as const });

export const WEBHOOK_OPERATIONS: Record<string, OperationDoc> = {
  'POST webhooks': {
    summary: 'Register a webhook endpoint for one org (orgId) or all orgs; the answer shows its signing secret, once',
    description:
      'The URL must be https without credentials and resolve only to public addresses. At most 20 endpoints per org (and for all orgs). Deliveries are signed per Standard Webhooks, at least once and unordered: de-duplicate on `webhook-id`.',
    tag: 'webhooks',
    body: { schema: 'WebhookCreate', required: true },
    answers: {
      201: { description: 'Registered; `secret` is shown only here', schema: 'WebhookWithSecret', headers: { Location: 'The endpoint' } },
    },
    errors: [400, 413, 422],
  },
  'GET webhooks': {
    summary: 'The endpoints of one org (orgId) or of the all-orgs scope',
    tag: 'webhooks',
    query: scope,
    answers: { 200: { description: 'The endpoints', schema: 'WebhookList' } },
    errors: [400],
  },
  'GET webhooks/{webhookId}': {
    summary: 'One endpoint (never its secret)',
    tag: 'webhooks',
    query: scope,
    answers: { 200: view('The endpoint') },
    errors: [400, 404],
  },
  'PATCH webhooks/{webhookId}': {
    summary: 'Change the URL, events, description, or enable / disable the endpoint',
    tag: 'webhooks',
    query: scope,
    body: { schema: 'WebhookPatch', required: true },
    answers: { 200: view('The changed endpoint') },
    errors: [400, 404, 413, 422],
  },
  'DELETE webhooks/{webhookId}': {
    summary: 'Delete the endpoint, its secrets and attempts log',
    tag: 'webhooks',
    query: scope,
    answers: { 204: { description: 'Deleted' } },
    errors: [400, 404],
  },
  'POST webhooks/{webhookId}/rotate-secret': {
    summary: 'A new signing secret (shown once); the old one keeps signing, as a second signature, for 24 hours',
    tag: 'webhooks',
    query: scope,
    answers: { 200: { description: 'The endpoint and its new secret', schema: 'WebhookWithSecret' } },
    errors: [400, 404],
  },
  'POST webhooks/{webhookId}/test': {
    summary: 'Send a `webhook.test` event to this endpoint',
    tag: 'webhooks',
    query: scope,
    answers: { 202: { description: 'Queued for delivery', schema: 'WebhookEventQueued' } },
    errors: [400, 404],
  },
  'GET webhooks/{webhookId}/attempts': {
    summary: 'The last 100 delivery attempts, newest first',
    tag: 'webhooks',
    query: scope,
    answers: { 200: { description: 'Attempts: event id, time, status code or error, duration', schema: 'WebhookAttempts' } },
    errors: [400, 404],
  },
  'POST webhooks/{webhookId}/replay': {
    summary: 'Deliver a past event to this endpoint again (same `webhook-id`)',
    tag: 'webhooks',
    query: scope,
    body: { schema: 'WebhookReplay', required: true },
    answers: { 202: { description: 'Queued for delivery', schema: 'WebhookEventQueued' } },
    errors: [400, 404, 413, 422],
  },
};

/** `webhooks`: what a receiver gets, one entry per event type, `data` from the catalogue's zod schema. */
export function webhooksSection(): Record<string, JsonSchema> {
  const section: Record<string, JsonSchema> = {};
  for (const [type, { summary, data }] of Object.entries(EVENT_CATALOGUE)) {
    const { $schema: _schema, ...dataSchema } = z.toJSONSchema(data, { io: 'output' }) as JsonSchema;
    section[type] = {
      post: {
        summary,
        description:
          'Signed per Standard Webhooks: headers `webhook-id` (the event id; de-duplicate on it), `webhook-timestamp` (Unix seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, space-separated, two during a secret rotation). Verify with `verifyWebhook` from `org-mailer/client` or the `standardwebhooks` package. Answer 2xx within 10 s; anything else is retried with back-off for up to 24 hours.',
        tags: ['webhooks'],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['id', 'type', 'timestamp', 'orgId', 'data'],
                properties: {
                  id: { type: 'string', description: 'Stable event id' },
                  type: { type: 'string', const: type },
                  timestamp: { type: 'string', description: 'ISO 8601 instant' },
                  orgId: { type: 'string' },
                  data: dataSchema,
                },
              },
            },
          },
        },
        responses: { '200': { description: 'Any 2xx: delivered' } },
      },
    };
  }
  return section;
}
