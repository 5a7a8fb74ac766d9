/**
 * Validation of `POST .../directory/connections`: every problem at once, as a 422
 * DIRECTORY_INVALID_CONNECTION with `fields` (field -> what is wrong); nothing is written unless the
 * whole body is valid. Unknown provider or mode, a name of control characters or over 64 characters,
 * a field the mode does not take: each named.
 */
import { z } from 'zod';
import { orgNameSchema } from '../../consent/orgName';
import { MailerError } from '../../errors';
import { CONNECTION_NAME_PATTERN, DIRECTORY_MODES, type DirectoryMode, type DirectoryProvider } from '../../model/directory';
import { modeRules } from './modes';

/** A service-account JSON key is about 2.3 KB; Key Vault holds at most 25 KB per value. */
const MAX_KEY_BYTES = 20 * 1024;

export interface ConnectionInput {
  name: string;
  provider: DirectoryProvider;
  mode: DirectoryMode;
  returnUrl?: string;
  loginHint?: string;
  /** The org's display name, shown on the consent's confirmation page. */
  orgName?: string;
  /** The key file's JSON text (an object is accepted and serialized). */
  serviceAccountKey?: string;
  adminEmail?: string;
}

/** The body schema (also the OpenAPI document's DirectoryConnectionCreate). */
export const connectionInputSchema = z.strictObject({
  name: z
    .string({ message: 'name is required' })
    .trim()
    .min(1, 'name is required')
    .max(64, 'name is longer than 64 characters')
    .regex(CONNECTION_NAME_PATTERN, 'name must not contain control characters or line breaks'),
  provider: z.string({ message: 'provider is required' }),
  mode: z.string({ message: 'mode is required' }),
  returnUrl: z.url({ message: 'returnUrl must be an absolute URL' }).max(2048).optional(),
  loginHint: z.string().max(256, 'loginHint is too long').optional(),
  orgName: orgNameSchema.optional(),
  serviceAccountKey: z
    .union([z.string(), z.record(z.string(), z.unknown())], { message: 'serviceAccountKey must be the JSON key file (text or object)' })
    .transform((key) => (typeof key === 'string' ? key : JSON.stringify(key)))
    .refine((key) => Buffer.byteLength(key, 'utf8') <= MAX_KEY_BYTES, 'serviceAccountKey is larger than a key file')
    .optional(),
  adminEmail: z.email({ message: 'adminEmail must be an email address' }).max(254).optional(),
});

function invalid(fields: Record<string, string>): MailerError {
  return new MailerError('DIRECTORY_INVALID_CONNECTION', `The directory connection is invalid: ${Object.keys(fields).join(', ')}.`, {
    fields,
  });
}

export function parseConnectionInput(body: unknown): ConnectionInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new MailerError('BAD_REQUEST', 'The body must be a JSON object.');
  const parsed = connectionInputSchema.safeParse(body);
  const fields: Record<string, string> = {};
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.code === 'unrecognized_keys' ? issue.keys.join(',') : String(issue.path[0] ?? 'body');
      fields[field] ??= issue.code === 'unrecognized_keys' ? 'is not a field of a directory connection' : issue.message;
    }
  }
  const raw = body as Record<string, unknown>;
  const providers = Object.keys(DIRECTORY_MODES);
  if (typeof raw.provider === 'string' && !providers.includes(raw.provider)) fields.provider = `must be one of ${providers.join(', ')}`;
  const modes = DIRECTORY_MODES[raw.provider as DirectoryProvider];
  if (modes && typeof raw.mode === 'string' && !modes.includes(raw.mode as DirectoryMode))
    fields.mode = `${raw.provider} modes are ${modes.join(', ')}`;
  const rules = modeRules(String(raw.provider), String(raw.mode));
  if (rules) {
    for (const need of rules.requires) if (raw[need] === undefined) fields[need] ??= `is required for ${rules.provider} ${rules.mode}`;
    for (const extra of ['serviceAccountKey', 'adminEmail'] as const) {
      if (raw[extra] !== undefined && !rules.requires.includes(extra)) fields[extra] ??= `is not taken by ${rules.provider} ${rules.mode}`;
    }
  }
  if (Object.keys(fields).length || !parsed.success) throw invalid(fields);
  const input = parsed.data;
  return {
    ...input,
    provider: input.provider as DirectoryProvider,
    mode: input.mode as DirectoryMode,
    ...(input.adminEmail ? { adminEmail: input.adminEmail.toLowerCase() } : {}),
  };
}
