/**
 * Validation of `PUT /orgs/{orgId}/sender` (docs/senders.md: flat JSON, per-mode fields) and of
 * the other sender API bodies. Every problem is reported at once as a 422 with `fields`
 * (field -> what is wrong), and nothing is stored unless the whole body is valid.
 */
import { z } from 'zod';
import { orgNameSchema } from '../consent/orgName';
import { MailerError } from '../errors';
import { PROVIDER_MODES } from '../providers';
import { parseServiceAccountKey, type ServiceAccountKey } from '../providers/google/serviceAccountKey';
import type { ProviderName, SenderMode } from '../model/sender';

/** Client secrets are short (Entra: 40 characters); anything over 1 KB is a paste error. */
export const MAX_SECRET_BYTES = 1024;
/** A service-account JSON key is about 2.3 KB; Key Vault holds at most 25 KB per value. */
export const MAX_KEY_BYTES = 20 * 1024;

const noLineBreaks = (value: string) => !/[\r\n]/.test(value);
// eslint-disable-next-line no-control-regex
const noControlCharacters = (value: string) => !/[\u0000-\u001f\u007f]/.test(value);

const email = (what: string) => z.email({ message: `${what} must be an email address` }).max(254, `${what} is too long`);
const guid = (what: string) => z.guid({ message: `${what} must be a GUID like 00000000-0000-0000-0000-000000000000` });

const common = {
  provider: z.string(),
  mode: z.string(),
  senderEmail: email('senderEmail'),
  senderName: z
    .string({ message: 'senderName (the alias shown as sender) is required' })
    .trim()
    .min(1, 'senderName (the alias shown as sender) is required')
    .max(256, 'senderName is longer than 256 characters')
    .refine(noLineBreaks, 'senderName must not contain line breaks (CR/LF)')
    .refine(noControlCharacters, 'senderName must not contain control characters'),
  replyTo: email('replyTo').optional(),
  fallbackToDefault: z.boolean({ message: 'fallbackToDefault must be true or false' }).optional(),
  saveToSentItems: z.boolean({ message: 'saveToSentItems must be true or false' }).optional(),
};

/**
 * Google only: the DKIM selector the admin chose in the Admin console when it is not the default
 * `google` (https://support.google.com/a/answer/174124); the sender-domain check reads
 * `<selector>._domainkey.<domain>`. A DNS label.
 */
const dkimSelector = z
  .string({ message: 'dkimSelector must be a string' })
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i, 'dkimSelector must be a DNS label such as google or mail2026')
  .optional();

const clientSecret = z
  .string({ message: 'clientSecret must be a string' })
  .min(1, 'clientSecret is empty')
  .refine(
    (s) => Buffer.byteLength(s, 'utf8') <= MAX_SECRET_BYTES,
    `clientSecret is over ${MAX_SECRET_BYTES} bytes: paste only the secret's Value`,
  )
  .refine(noLineBreaks, 'clientSecret must not contain line breaks');

/** Per mode: the fields it takes besides the common ones. Anything else is refused by name. */
const MODE_FIELDS: Record<SenderMode, z.ZodRawShape> = {
  admin_consent: {},
  delegated: {},
  oauth: { dkimSelector },
  app_registration: {
    tenantId: guid('tenantId'),
    clientId: guid('clientId'),
    // Optional on a re-save of a draft that already has a secret in Key Vault.
    clientSecret: clientSecret.optional(),
    clientSecretExpiresOn: z
      .union([z.iso.date(), z.iso.datetime({ offset: true })], {
        message: 'clientSecretExpiresOn must be an ISO date (2027-05-31) or date-time',
      })
      .optional(),
    mailboxObjectId: guid('mailboxObjectId').optional(),
  },
  service_account: {
    dkimSelector,
    // Optional on a re-save when a key is already saved for the org.
    serviceAccountKey: z
      .union([z.string(), z.record(z.string(), z.unknown())], {
        message: 'serviceAccountKey must be the JSON key (as text or as an object)',
      })
      .optional(),
  },
};

export interface SenderInput {
  provider: ProviderName;
  mode: SenderMode;
  senderEmail: string;
  senderName: string;
  replyTo?: string;
  fallbackToDefault?: boolean;
  saveToSentItems?: boolean;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  clientSecretExpiresOn?: string;
  mailboxObjectId?: string;
  /** Google: the DKIM selector, when not `google`. */
  dkimSelector?: string;
  /** The key JSON as text, validated. */
  serviceAccountKey?: string;
  /** What the key says about itself, for the row (non-secret). */
  serviceAccount?: Omit<ServiceAccountKey, 'privateKey' | 'privateKeyId'>;
}

export function fieldsOf(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) fields[key] ??= 'is not a field of this provider and mode';
      continue;
    }
    const path = issue.path.join('.') || 'body';
    fields[path] ??= issue.message;
  }
  return fields;
}

const invalid = (fields: Record<string, string>) =>
  new MailerError('VALIDATION_FAILED', `The sender configuration is invalid: ${Object.keys(fields).join(', ')}.`, { fields });

/**
 * The PUT body's fields for one mode (provider and mode themselves are checked by hand first, for a
 * clearer message). Exported for the OpenAPI document, which is built from it (shared/openapi).
 */
export function senderInputSchema(mode: SenderMode) {
  return z.object({ ...common, ...MODE_FIELDS[mode] }).strict();
}

/** Throws VALIDATION_FAILED (422) with every field problem; returns the typed input otherwise. */
export function parseSenderInput(body: unknown): SenderInput {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid({ body: 'must be a JSON object' });
  const raw = body as Record<string, unknown>;
  const provider = raw.provider;
  if (typeof provider !== 'string' || !Object.hasOwn(PROVIDER_MODES, provider)) {
    throw invalid({ provider: `must be one of ${Object.keys(PROVIDER_MODES).join(', ')}` });
  }
  const modes = PROVIDER_MODES[provider as ProviderName];
  if (typeof raw.mode !== 'string' || !modes.includes(raw.mode as SenderMode)) {
    throw invalid({ mode: `must be one of ${modes.join(', ')} for ${provider}` });
  }
  const mode = raw.mode as SenderMode;
  const parsed = senderInputSchema(mode).safeParse(raw);
  if (!parsed.success) throw invalid(fieldsOf(parsed.error));
  const input = { ...parsed.data } as unknown as SenderInput & { serviceAccountKey?: string | Record<string, unknown> };

  // Optional here, like clientSecret: a re-save may keep the key already saved (the sender service checks that one exists).
  const key = input.serviceAccountKey;
  if (mode === 'service_account' && key !== undefined) {
    const text = typeof key === 'string' ? key : JSON.stringify(key);
    if (Buffer.byteLength(text, 'utf8') > MAX_KEY_BYTES)
      throw invalid({ serviceAccountKey: `is over ${MAX_KEY_BYTES / 1024} KB; upload the JSON key file itself` });
    const parsedKey = parseServiceAccountKey(text); // throws VALIDATION_FAILED with fields.serviceAccountKey
    input.serviceAccountKey = text;
    input.serviceAccount = { clientEmail: parsedKey.clientEmail, clientId: parsedKey.clientId, projectId: parsedKey.projectId };
  }
  if (input.tenantId) input.tenantId = input.tenantId.toLowerCase();
  if (input.clientId) input.clientId = input.clientId.toLowerCase();
  if (input.mailboxObjectId) input.mailboxObjectId = input.mailboxObjectId.toLowerCase();
  input.senderEmail = input.senderEmail.toLowerCase();
  return input as SenderInput;
}

/** `POST .../sender/test` body. */
export const testInputSchema = z.object({ to: email('to') }).strict();

export function parseTestInput(body: unknown): { to: string } {
  const parsed = testInputSchema.safeParse(body ?? {});
  if (!parsed.success) throw invalid(fieldsOf(parsed.error));
  return parsed.data;
}

export interface ConsentLinkInput {
  provider: ProviderName;
  mode: SenderMode;
  returnUrl?: string;
  loginHint?: string;
  /** Google sign-in only: also ask for the permission that lists send-as aliases (gmail.settings.basic). */
  aliasCheck?: boolean;
  /** The org's display name, shown on the consent's confirmation page. */
  orgName?: string;
}

/** The modes whose sign-in can be asked for alias checks (the others always can, or have no alias). */
const ALIAS_CHECK_MODES: readonly SenderMode[] = ['oauth'];

/** `POST .../sender/consent-link` body (the allowlist check of returnUrl is the consent module's). */
export const consentLinkInputSchema = z
  .object({
    provider: z.enum(Object.keys(PROVIDER_MODES) as [ProviderName, ...ProviderName[]], {
      message: `provider must be one of ${Object.keys(PROVIDER_MODES).join(', ')}`,
    }),
    mode: z.string({ message: 'mode is required' }),
    returnUrl: z
      .url({ message: 'returnUrl must be an absolute URL', protocol: /^https?$/ })
      .max(2048)
      .optional(),
    loginHint: z.string().max(256).refine(noLineBreaks, 'loginHint must not contain line breaks').optional(),
    aliasCheck: z.boolean({ message: 'aliasCheck must be true or false' }).optional(),
    orgName: orgNameSchema.optional(),
  })
  .strict();

export function parseConsentLinkInput(body: unknown): ConsentLinkInput {
  const parsed = consentLinkInputSchema.safeParse(body ?? {});
  if (!parsed.success) throw invalid(fieldsOf(parsed.error));
  const input = parsed.data as ConsentLinkInput;
  const modes = PROVIDER_MODES[input.provider];
  if (!modes.includes(input.mode)) throw invalid({ mode: `must be one of ${modes.join(', ')} for ${input.provider}` });
  if (input.aliasCheck && !ALIAS_CHECK_MODES.includes(input.mode)) {
    throw invalid({ aliasCheck: `applies only to mode ${ALIAS_CHECK_MODES.join(', ')} (sign-in with Google)` });
  }
  return input;
}
