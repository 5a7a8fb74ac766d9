/**
 * The bodies of the HTTP API as zod schemas, and their JSON Schema for the OpenAPI document.
 *
 * Request bodies are the very schemas the handlers validate with (imported, never copied). Response
 * bodies have no validator in the code, so they are written here once and tied to the TypeScript
 * types the code returns (`describes<T>()`), so a field added to a view fails `tsc` until it is
 * documented; the integration test also holds real answers against the generated document.
 *
 * OpenAPI 3.1 Schema Objects are JSON Schema draft 2020-12, zod's default target
 * (https://spec.openapis.org/oas/v3.1.0#schema-object, https://zod.dev/json-schema). Requests are
 * converted with `io: 'input'`: a field with a default is optional for the caller. Refinements (no
 * line breaks, at most 500 recipients in total, strict Base64, "text or html") have no JSON Schema
 * form: the document is looser there, never stricter, and the server still checks them.
 */
import { z } from 'zod';
import { adminLinkInputSchema } from '../adminLinks/links';
import type { AdminLink, AdminLinksRevoked } from '../adminLinks/links';
import type { AdminSession } from '../adminLinks/token';
import { messageInputSchema } from '../delivery/schema';
import type { DeliveryView } from '../delivery/status';
import { MAX_SKIPPED_IDS } from '../model/group';
import type { GroupSend } from '../model/group';
import { ERROR_CODES, ErrorCode, MailerError } from '../errors';
import type { HealthReport } from '../health';
import type { OperatorSummary } from '../operator/summary';
import { PROVIDER_MODES } from '../providers';
import { SENDER_KEY_PATTERN } from '../model/sender';
import type { Hop, ProviderName, SenderMode } from '../model/sender';
import type { RouteExplanation } from '../senders/named';
import { explainInputSchema, routingInputSchema } from '../senders/rules';
import { consentLinkInputSchema, senderInputSchema, testInputSchema } from '../senders/schema';
import type { SenderService, VerifyResult } from '../senders/service';
import type { SenderView } from '../senders/view';
import { DELIVERY_STATUSES } from '../store/deliveryStore';
import { caseInsensitiveSource } from './caseless';
import { WEBHOOK_SCHEMAS } from './webhookSchemas';
import { DIRECTORY_COPY_SCHEMAS } from './directoryCopySchemas';
import { DIRECTORY_CONNECTION_SCHEMAS } from './directoryConnectionSchemas';

export type JsonSchema = Record<string, unknown>;

/** Every value of T fits the documented shape D, and every field of T is documented. */
type Conforms<T, D> = [T] extends [D]
  ? [Exclude<keyof T, keyof D>] extends [never]
    ? unknown
    : { undocumentedFields: Exclude<keyof T, keyof D> }
  : { doesNotFit: T };

/** Ties a response schema to the type the code returns: `tsc` fails when the two drift apart. */
const describes =
  <T>() =>
  <S extends z.ZodType>(schema: S & Conforms<T, z.output<S>>): S =>
    schema;

const PROVIDERS = Object.keys(PROVIDER_MODES) as [ProviderName, ...ProviderName[]];
const MODES = [...new Set(Object.values(PROVIDER_MODES).flat())] as [SenderMode, ...SenderMode[]];
const errorCode = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);
const instant = z.string().describe('ISO 8601 instant');

// ---- requests ----

const pascal = (name: string) => name.replace(/(^|_)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());

/** One schema per provider and mode (`MicrosoftAppRegistrationSender`): the PUT body is one of them, told apart by `mode`. */
const senderVariants = Object.entries(PROVIDER_MODES).flatMap(([provider, modes]) =>
  modes.map((mode) => ({
    id: `${pascal(provider)}${pascal(mode)}Sender`,
    mode,
    schema: senderInputSchema(mode).extend({ provider: z.literal(provider), mode: z.literal(mode) }),
  })),
);

// The handler checks `mode` against the provider by hand (for a clearer message); the document names the modes.
const consentLinkRequest = consentLinkInputSchema.extend({ mode: z.enum(MODES) });

// ---- responses ----

const errorBody = describes<{ error: ReturnType<MailerError['toJSON']> }>()(
  z.object({
    error: z.object({
      code: errorCode,
      message: z.string(),
      hint: z.string().optional().describe('What an admin can do about it'),
      fields: z.record(z.string(), z.string()).optional().describe('field path -> what is wrong with it'),
    }),
  }),
);

const senderView = describes<SenderView>()(
  z.object({
    orgId: z.string(),
    senderKey: z
      .string()
      .optional()
      .describe("which of the org's senders (on the /senders/{key} routes; the /sender routes mean `default`)"),
    provider: z.enum(PROVIDERS),
    mode: z.enum(MODES),
    senderEmail: z.string(),
    senderName: z.string(),
    replyTo: z.string().optional(),
    fallbackToDefault: z.boolean(),
    saveToSentItems: z.boolean(),
    status: z.enum(['draft', 'active', 'needs_attention']),
    locked: z.boolean().describe('true once a test send succeeded: PUT answers 409 until reset'),
    version: z.number().int(),
    tenantId: z.string().optional(),
    clientId: z.string().optional(),
    clientSecretExpiresOn: z.string().optional(),
    mailboxObjectId: z.string().optional(),
    accountEmail: z.string().optional(),
    refreshTokenIssuedAt: instant.optional(),
    consentedAt: instant.optional(),
    consentedBy: z
      .object({ oid: z.string(), username: z.string() })
      .optional()
      .describe('Microsoft: the user whose verified sign-in proved the tenant (object id, preferred_username)'),
    dkimSelector: z.string().optional().describe('Google: the DKIM selector when not "google"'),
    secrets: z.record(z.string(), z.string()).describe('secret -> a safe hint ("saved 2026-11-22"); never a value'),
    lastTest: z.object({ ok: z.boolean(), at: instant, to: z.string().optional(), code: errorCode.optional() }).optional(),
    lastError: z.object({ code: errorCode, message: z.string(), hint: z.string(), at: instant }).optional(),
    lastUsedAt: instant.optional().describe('last successful send or sign-in refresh (recorded at most hourly)'),
    sendingVia: z.enum(['org', 'default']).describe("where this org's messages go out from right now"),
    notice: z.string(),
    warnings: z
      .array(
        z.object({
          code: errorCode,
          message: z.string(),
          hint: z.string(),
          expiresOn: z.string().optional(),
          checkedAt: instant.optional(),
        }),
      )
      .optional()
      .describe('what to fix before messages start failing, e.g. a client secret expiring within 30 days; computed when read'),
    createdAt: instant,
    updatedAt: instant,
  }),
);

const link = describes<AdminLink>()(z.object({ url: z.string(), expiresAt: instant }));

const verifyResult = describes<VerifyResult>()(
  z.object({
    ok: z.boolean(),
    checks: z.array(
      z.object({
        name: z.string(),
        ok: z.boolean(),
        code: errorCode.optional(),
        message: z.string().optional(),
        hint: z.string().optional(),
        skipped: z.boolean().optional().describe('not checked: the reason is in message (e.g. it cannot be told without sending)'),
        level: z.literal('warning').optional().describe('a warning (sender domain SPF, DKIM, DMARC): never blocks activation'),
      }),
    ),
  }),
);

const testResult = describes<Awaited<ReturnType<SenderService['test']>>>()(
  z.object({ ok: z.literal(true), sentTo: z.string(), sender: senderView }),
);

const hop = describes<Hop>()(
  z.object({
    sender: z.string(),
    status: z.enum(['draft', 'active', 'needs_attention', 'missing']),
    reason: z.string().describe('its last error code, or NO_ACTIVE_SENDER'),
  }),
);

const routeExplanation = describes<RouteExplanation>()(
  z.object({
    sender: z.string().describe("the sender key, or `_platform` for the platform's default sender"),
    via: z.enum(['org', 'default']),
    reason: z.string().describe('which rule matched and which senders were passed over, in plain words'),
    hops: z.array(hop),
    provider: z.string(),
    senderEmail: z.string(),
  }),
);

const groupSend = describes<GroupSend>()(
  z.object({
    groups: z.array(
      z.object({ ref: z.string().describe('as the message named it'), connection: z.string(), groupId: z.string(), name: z.string() }),
    ),
    expandedCount: z.number().int().describe('distinct final recipients, each sent a copy of its own (explicit addresses included)'),
    skipped: z
      .object({ disabled: z.number().int(), noMail: z.number().int(), disabledIds: z.array(z.string()), noMailIds: z.array(z.string()) })
      .describe(`members not sent to, counted, with their directory user ids (at most ${MAX_SKIPPED_IDS} ids each)`),
    outcomes: z
      .object({
        sent: z.number().int(),
        failed: z.number().int(),
        uncertain: z.number().int(),
        pending: z.number().int(),
        reasons: z.record(z.string(), z.number().int()).describe('error code -> copies not sent for it'),
      })
      .describe("the copies' outcomes at the last rollup"),
    expandedAt: instant,
    checks: z.number().int().describe('rollup checks so far'),
  }),
);

const deliveryView = describes<DeliveryView>()(
  z.object({
    orgId: z.string(),
    id: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    createdAt: instant,
    updatedAt: instant,
    category: z.string().optional(),
    workspace: z.string().optional(),
    recipients: z.number().int().optional(),
    via: z.enum(['org', 'default']).optional(),
    viaReason: z.string().optional(),
    provider: z.enum(PROVIDERS).optional(),
    sender: z.string().optional().describe('the mailbox address used'),
    senderKey: z
      .string()
      .optional()
      .describe("which of the org's senders took it (routing rules), or `_platform` for the platform's default sender"),
    hops: z.array(hop).optional().describe('the senders the route passed over first, and why (fallback)'),
    nextAttemptAt: instant.optional(),
    sentAt: instant.optional(),
    failedAt: instant.optional(),
    uncertainAt: instant
      .optional()
      .describe('status uncertain: the outcome of an attempt is unknown (the provider may have accepted it); it is not sent again'),
    providerMessageId: z.string().optional(),
    group: groupSend.optional().describe('a message to directory groups: the groups, the expansion and how the per-recipient copies ended'),
    parent: z.string().optional().describe("a per-recipient copy of a message to groups: that message's id"),
    member: z.string().optional().describe('a per-recipient copy for a group member: the directory user id'),
    error: z.object({ code: errorCode, message: z.string().optional(), hint: z.string().optional() }).optional(),
  }),
);

/** Built in functions/messages.ts; no named type to tie it to, so the integration test checks it. */
const enqueued = z.object({
  id: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  duplicate: z.literal(true).optional().describe('a message with this id existed already; nothing new was queued'),
});

const health = describes<HealthReport>()(
  z.object({
    status: z.enum(['ok', 'unavailable']),
    checks: z.record(z.string(), z.string().describe('"ok", "unavailable: <reason>" or "access denied: <reason>"')),
  }),
);

const statusCounts = z.record(z.string(), z.number().int()).describe('delivery status -> messages created in the period');
const operatorSummary = describes<OperatorSummary>()(
  z.object({
    generatedAt: instant,
    deliveries: z.object({
      lastHour: statusCounts,
      lastDay: statusCounts,
      topFailingOrgs: z.array(z.object({ orgId: z.string(), failed: z.number().int(), topCode: z.string().optional() })),
      truncated: z.boolean().describe('more rows than one scan reads: counts are lower bounds'),
    }),
    senders: z.object({
      byStatus: z.record(z.string(), z.number().int()),
      topCodes: z.array(z.object({ code: z.string(), count: z.number().int() })).describe('lastError codes of senders that need attention'),
    }),
    queues: z.object({
      outbox: z.object({ length: z.number().int(), oldestAgeSeconds: z.number().int().optional() }),
      poison: z.record(z.string(), z.number().int()).describe('poison queue -> approximate length'),
    }),
    platformSecretDaysLeft: z
      .number()
      .int()
      .optional()
      .describe('days until the platform client secret expires (MICROSOFT_CLIENT_SECRET_EXPIRES_ON)'),
  }),
);

const adminSession = describes<AdminSession>()(
  z.object({
    orgId: z.string(),
    returnUrl: z.string().optional(),
    orgName: z.string().optional().describe("the org's display name, as given with the admin link"),
    expiresAt: instant,
  }),
);
const adminLinksRevoked = describes<AdminLinksRevoked>()(
  z.object({ orgId: z.string(), revokedAt: instant.describe('links issued before this instant no longer work') }),
);

/** Component name -> zod schema. Request bodies first; `SenderInput` is filled in below. */
export const SCHEMAS = {
  ...Object.fromEntries(senderVariants.map((v) => [v.id, v.schema])),
  SenderInput: z.discriminatedUnion('mode', senderVariants.map((v) => v.schema) as unknown as [z.ZodObject, ...z.ZodObject[]]),
  ConsentLinkRequest: consentLinkRequest,
  TestRequest: testInputSchema,
  MessageInput: messageInputSchema,
  AdminLinkRequest: adminLinkInputSchema,
  Error: errorBody,
  SenderView: senderView,
  Link: link,
  VerifyResult: verifyResult,
  TestResult: testResult,
  DeliveryView: deliveryView,
  NewSender: z
    .object({ key: z.string().regex(SENDER_KEY_PATTERN) })
    .passthrough()
    .describe('`key` plus the fields of SenderInput (provider, mode, senderEmail, ...)'),
  SenderList: z.object({ senders: z.array(senderView).describe('default first') }),
  Routing: routingInputSchema,
  ExplainRequest: explainInputSchema,
  RouteExplanation: routeExplanation,
  DeliveryPage: z.object({ items: z.array(deliveryView), cursor: z.string().optional().describe('pass as ?cursor= for the next page') }),
  Enqueued: enqueued,
  Health: health,
  OperatorSummary: operatorSummary,
  AdminSession: adminSession,
  AdminLinksRevoked: adminLinksRevoked,
  ErrorHint: z.object({ code: errorCode, hint: z.string() }),
  ...WEBHOOK_SCHEMAS,
  ...DIRECTORY_COPY_SCHEMAS,
  ...DIRECTORY_CONNECTION_SCHEMAS,
} satisfies Record<string, z.ZodType>;

export type SchemaName = keyof typeof SCHEMAS;

type OverrideContext = Parameters<NonNullable<z.core.ToJSONSchemaParams['override']>>[0];

/** A case-insensitive zod regex keeps its meaning in the document (see caseless.ts), or is dropped rather than made stricter. */
function caseInsensitivePatterns({ zodSchema, jsonSchema }: OverrideContext): void {
  const checks = (zodSchema._zod.def as { checks?: Array<{ _zod: { def: { pattern?: unknown } } }> }).checks ?? [];
  for (const { _zod } of checks) {
    const pattern = _zod.def.pattern;
    if (!(pattern instanceof RegExp && pattern.flags.includes('i') && jsonSchema.pattern === pattern.source)) continue;
    const spelled = caseInsensitiveSource(pattern.source);
    if (spelled) jsonSchema.pattern = spelled;
    else delete jsonSchema.pattern;
  }
}

/** `components.schemas`: every schema above as JSON Schema, shared parts as `$ref`s between them. */
export function componentSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(SCHEMAS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io: 'input',
    uri: (id) => `#/components/schemas/${id}`,
    override: caseInsensitivePatterns,
  });
  const out: Record<string, JsonSchema> = {};
  for (const [id, { $schema: _schema, $id: _id, ...rest }] of Object.entries(schemas)) out[id] = rest;
  // OpenAPI's discriminator lets client generators pick the variant by `mode` (each mode belongs to one provider).
  out.SenderInput.discriminator = {
    propertyName: 'mode',
    mapping: Object.fromEntries(senderVariants.map((v) => [v.mode, `#/components/schemas/${v.id}`])),
  };
  return out;
}
