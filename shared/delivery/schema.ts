/**
 * The message schema (docs/delivery.md), version 1, validated with zod at every entry point: the
 * HTTP enqueue API, the typed client and the queue worker. A message has NO `from`: the sender comes
 * only from the org's saved configuration, so a message cannot choose to send from the CEO's mailbox.
 *
 * Limits, and why:
 * - recipients: RFC 5321 addresses (ASCII dot-atom local part, LDH domain; no quoted local parts,
 *   no address literals), at least 1 and at most 500 in to + cc + bcc (Graph's per-message limit;
 *   the Gmail provider refuses more than its own 100 with INVALID_MESSAGE, never splits);
 * - no CR or LF (nor other control characters) in any header value: names, subject, custom headers
 *   and attachment names (header injection);
 * - subject at most 998 characters (RFC 5322 section 2.1.1 line limit);
 * - custom headers only `X-` names (Graph refuses others with InvalidInternetMessageHeader);
 * - attachments' Base64 is checked strictly (alphabet, padding, length multiple of 4);
 * - the whole message, as JSON with attachments in Base64, at most MAX_MESSAGE_BYTES (3.5 MiB), so
 *   that the Graph sendMail request built from it, about the same size, stays under Graph's 4 MB
 *   request limit (https://learn.microsoft.com/graph/api/user-sendmail, "Limits").
 *
 * A `to`/`cc`/`bcc` entry may also name a directory group, `{ group, connection? }` (a group id or
 * group mail of the org's synced directory): the worker expands it at send time and sends one copy
 * per final recipient (shared/delivery/groupFanout.ts). A group counts as one entry here.
 */
import { z } from 'zod';
import { MailerError } from '../errors';
import { CATEGORY } from '../model/patterns';
import { ORG_ID_PATTERN } from '../model/sender';
import { CONNECTION_ID_PATTERN } from '../model/directory';
import type { OutgoingMail } from '../providers/types';

export const MESSAGE_VERSION = 1;
export const MAX_RECIPIENTS = 500;
export const MAX_SUBJECT_LENGTH = 998;
export const MAX_ATTACHMENTS = 50;
export const MAX_CUSTOM_HEADERS = 10;
export const MAX_MESSAGE_BYTES = 3.5 * 1024 * 1024;
/** Above this many bytes of encoded queue message, the payload goes to blob storage (claim check):
 * a Storage queue message holds at most 64 KiB, and Base64 grows the JSON by a third. */
export const CLAIM_CHECK_THRESHOLD_BYTES = 48 * 1024;

/** Client-chosen idempotency key; also the Table RowKey, so no `/ \ # ?` or control characters. */
export const MESSAGE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@=+-]{0,127}$/;
const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const ADDRESS = new RegExp(`^${ATEXT}(?:\\.${ATEXT})*@${LABEL}(?:\\.${LABEL})+$`);
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const HEADER_NAME = /^X-[A-Za-z0-9-]{1,74}$/i;
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
// No groups: a repeated group over megabytes of Base64 overflows V8's regexp stack.
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;
const isBase64 = (s: string) => s.length % 4 === 0 && BASE64_CHARS.test(s);

/** A single-line header value: no CR/LF or other control characters. */
const headerText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !CONTROL_CHARS.test(s), 'must not contain CR, LF or other control characters');

const address = z.strictObject({
  address: z
    .string()
    .max(254)
    .refine((s) => !CONTROL_CHARS.test(s), 'must not contain CR, LF or other control characters')
    .refine((s) => ADDRESS.test(s) && s.indexOf('@') <= 64, 'must be an RFC 5321 address like name@example.com'),
  name: headerText(256).optional(),
});

const attachment = z.strictObject({
  name: headerText(255)
    .min(1)
    .refine((s) => !/[/\\]/.test(s), 'must be a file name without / or \\'),
  contentType: z.string().regex(MEDIA_TYPE, 'must be a media type like application/pdf').default('application/octet-stream'),
  contentBase64: z.string().refine(isBase64, 'must be standard Base64 (A-Z a-z 0-9 + /, = padding, no line breaks)'),
});

/** A directory group by id or mail (case-insensitive), optionally in one named connection. */
const groupRef = z.strictObject({
  group: z
    .string()
    .min(1)
    .max(256)
    .refine(
      (s) => !CONTROL_CHARS.test(s) && s.trim() === s,
      'must be a group id or group mail without spaces around it or control characters',
    ),
  connection: z.string().regex(CONNECTION_ID_PATTERN, 'must be a directory connection id (dc + 10 characters)').optional(),
});
export type GroupRef = z.output<typeof groupRef>;
export type AddressEntry = z.output<typeof address>;
export type RecipientEntry = AddressEntry | GroupRef;
export const isGroupRef = (entry: RecipientEntry): entry is GroupRef => 'group' in entry;

const recipients = z
  .array(z.union([address, groupRef]))
  .max(MAX_RECIPIENTS)
  .default([]);

/** The fields a caller supplies (the HTTP body is exactly this; the queue message adds orgId). */
const contentShape = {
  v: z.literal(MESSAGE_VERSION).default(MESSAGE_VERSION),
  id: z.string().regex(MESSAGE_ID_PATTERN, 'must be 1-128 characters: letters, digits and . _ : @ = + - (not first)'),
  to: recipients,
  cc: recipients,
  bcc: recipients,
  replyTo: z.array(address).max(10).default([]),
  subject: headerText(MAX_SUBJECT_LENGTH).min(1),
  text: z.string().optional(),
  html: z.string().optional(),
  attachments: z.array(attachment).max(MAX_ATTACHMENTS).default([]),
  headers: z
    .record(z.string().regex(HEADER_NAME, 'custom header names must start with X- (letters, digits, dashes)'), headerText(998))
    .default({})
    .refine((h) => Object.keys(h).length <= MAX_CUSTOM_HEADERS, `at most ${MAX_CUSTOM_HEADERS} custom headers`)
    .refine((h) => new Set(Object.keys(h).map((k) => k.toLowerCase())).size === Object.keys(h).length, 'header names must be unique'),
  category: z.string().regex(CATEGORY, 'must be 1-64 letters, digits and _ . : -').optional(),
  /** Which workspace (team, subsidiary) of the org the message belongs to; routing rules may match on it. */
  workspace: z.string().regex(CATEGORY, 'must be 1-64 letters, digits and _ . : -').optional(),
  /**
   * When a worker finds an attempt whose outcome is unknown (it stopped, or Storage failed, between
   * calling the provider and recording the answer): false (default) records `uncertain` and sends
   * nothing more; true sends again, accepting that the recipient may get it twice.
   */
  resendIfUncertain: z.boolean().default(false),
};

type Refinable = { to: unknown[]; cc: unknown[]; bcc: unknown[]; text?: string; html?: string };
function crossChecks(message: Refinable, ctx: z.RefinementCtx): void {
  const total = message.to.length + message.cc.length + message.bcc.length;
  if (total === 0) ctx.addIssue({ code: 'custom', path: ['to'], message: 'at least one recipient is required (to, cc or bcc)' });
  if (total > MAX_RECIPIENTS) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${MAX_RECIPIENTS} recipients in to + cc + bcc (found ${total})` });
  }
  if (!message.text && !message.html) ctx.addIssue({ code: 'custom', path: ['text'], message: 'text or html is required' });
}

/** The HTTP body and the typed client's input: a message without orgId. */
export const messageInputSchema = z.strictObject(contentShape).superRefine(crossChecks);
/** A complete v1 message (the queue message, or the blob behind a claim check). */
export const messageSchema = z
  .strictObject({ ...contentShape, orgId: z.string().regex(ORG_ID_PATTERN, 'must be an org id') })
  .superRefine(crossChecks);

export type MessageInput = z.input<typeof messageInputSchema>;
export type Message = z.output<typeof messageSchema>;

/** The problems of a failed parse, as `{ "to.0.address": "..." }` for the 422 `fields`. */
export function issueFields(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of flattenUnions(error.issues)) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key].join('.');
        fields[path] ??=
          key === 'from' && issue.path.length === 0
            ? 'there is no "from": messages go out from the sender saved for the org'
            : 'is not a known field';
      }
      continue;
    }
    const path = issue.path.map(String).join('.') || '(message)';
    // A bad record key (custom header name) nests the reason one level down.
    fields[path] ??= issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  }
  return fields;
}

/**
 * A recipient is an address OR a group: a bad entry fails both. Report the branch it was meant to be
 * (the one with fewer problems: `{address}` misses `group` and has an unknown key for the group branch),
 * with the entry's path in front, so `to.0.address` still names the bad address.
 */
function flattenUnions(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
    const closest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best));
    return flattenUnions(closest.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })));
  });
}

function invalid(fields: Record<string, string>): MailerError {
  const summary = Object.entries(fields)
    .slice(0, 3)
    .map(([path, problem]) => `${path}: ${problem}`)
    .join('; ');
  return new MailerError('INVALID_MESSAGE', `The message is invalid (${summary}).`, { fields });
}

function checkSize(message: unknown): void {
  const bytes = Buffer.byteLength(JSON.stringify(message), 'utf8');
  if (bytes > MAX_MESSAGE_BYTES) {
    throw invalid({ '(message)': `is ${bytes} bytes as JSON; the limit is ${MAX_MESSAGE_BYTES} bytes (3.5 MiB), attachments included` });
  }
}

/** Validates a caller's message for `orgId`. Throws MailerError INVALID_MESSAGE with `fields`. */
export function parseMessageInput(orgId: string, input: unknown): Message {
  const parsed = messageInputSchema.safeParse(input);
  if (!parsed.success) throw invalid(issueFields(parsed.error));
  const message: Message = { ...parsed.data, orgId };
  checkSize(message);
  return message;
}

/** Validates a complete message (queue message content or claim-checked blob). */
export function parseMessage(input: unknown): Message {
  const parsed = messageSchema.safeParse(input);
  if (!parsed.success) throw invalid(issueFields(parsed.error));
  checkSize(parsed.data);
  return parsed.data;
}

/** The group entries of a message's to, cc and bcc (empty for a plain message). */
export function groupRefsOf(message: Pick<Message, 'to' | 'cc' | 'bcc'>): GroupRef[] {
  return [...message.to, ...message.cc, ...message.bcc].filter(isGroupRef);
}

/** Only addresses: the worker expands groups into one message per recipient before anything is sent. */
function addressesOnly(entries: RecipientEntry[]): AddressEntry[] {
  if (entries.some(isGroupRef)) throw new MailerError('INTERNAL', 'A group entry reached the provider unexpanded.');
  return entries as AddressEntry[];
}

/** What the provider sends. Attachments are decoded here, once, after validation. */
export function toOutgoingMail(message: Message): OutgoingMail {
  return {
    id: message.id,
    to: addressesOnly(message.to),
    cc: addressesOnly(message.cc),
    bcc: addressesOnly(message.bcc),
    replyTo: message.replyTo,
    subject: message.subject,
    text: message.text,
    html: message.html,
    attachments: message.attachments.map((a) => ({
      name: a.name,
      contentType: a.contentType,
      content: Buffer.from(a.contentBase64, 'base64'),
    })),
    headers: message.headers,
  };
}
