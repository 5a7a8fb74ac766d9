/**
 * Gmail API in the sandbox (docs/providers.md "Gmail API"): `messages.send` as JSON `raw` and as
 * `/upload` (multipart/related or media), and `settings.sendAs.list`. Bearer tokens are the opaque
 * `ya29.` strings `google.ts` issued, mapped to (user, scopes, expiry). Like Gmail, it reads the
 * recipients from the headers, drops Bcc from what recipients see, and silently rewrites a From
 * that is not the user's address or a verified send-as alias to the primary address.
 */
import { randomBytes } from 'node:crypto';
import { simpleParser, AddressObject } from 'mailparser';
import type { Sandbox, SandboxRequest, SandboxResponse } from './server';
import { bearerGrant, googleJson, googleWorld, INVALID_CREDENTIALS, INVALID_TOKEN_CHALLENGE } from './google';
import { AccessGrant, GoogleUser, SCOPES, findGoogleUser } from './google-world';

/** Scopes that allow messages.send (developers.google.com/gmail/api/reference/rest/v1/users.messages/send#authorization-scopes). */
const SEND_SCOPES = [SCOPES.gmailSend, SCOPES.gmailCompose, SCOPES.gmailModify, SCOPES.mailGoogleCom];
/** Scopes that allow settings.sendAs.list (…/users.settings.sendAs/list#authorization-scopes). */
const SEND_AS_LIST_SCOPES = [SCOPES.gmailReadonly, SCOPES.gmailModify, SCOPES.gmailSettingsBasic, SCOPES.mailGoogleCom];

/** 35 MB, Gmail's documented maximum for an uploaded message. */
const MAX_UPLOAD_BYTES = 35 * 1024 * 1024;
/** The simple (non-upload) endpoint's request limit. Unconfirmed: Google's front ends refuse large JSON bodies; 5 MiB is what the client assumes. */
const MAX_JSON_BYTES = 5 * 1024 * 1024;
/** Gmail API: at most 100 recipients per message (docs/providers.md). The exact error text is unconfirmed. */
const MAX_RECIPIENTS = 100;

type GmailReason = 'authError' | 'insufficientPermissions' | 'failedPrecondition' | 'invalidArgument' | 'forbidden' | 'badRequest';

const STATUS_TEXT: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  413: 'INVALID_ARGUMENT',
};

function gmailError(
  sandbox: Sandbox,
  code: number,
  reason: GmailReason,
  message: string,
  extra: { status?: string; headers?: Record<string, string> } = {},
) {
  return googleJson(
    sandbox,
    code,
    {
      error: {
        code,
        message,
        errors: [{ message: reason === 'insufficientPermissions' ? 'Insufficient Permission' : message, domain: 'global', reason }],
        status: extra.status ?? STATUS_TEXT[code] ?? 'UNKNOWN',
      },
    },
    extra.headers,
  );
}

interface Caller {
  grant: AccessGrant;
  user: GoogleUser;
}

/** Bearer token -> the user it acts for, with the scope check; an error answer otherwise. */
function authenticate(sandbox: Sandbox, req: SandboxRequest, allowed: string[]): Caller | SandboxResponse {
  const grant = bearerGrant(sandbox, req);
  if (!grant) return gmailError(sandbox, 401, 'authError', INVALID_CREDENTIALS, { headers: INVALID_TOKEN_CHALLENGE });
  if (!grant.scopes.some((s) => allowed.includes(s))) {
    return gmailError(sandbox, 403, 'insufficientPermissions', 'Request had insufficient authentication scopes.', {
      headers: {
        'WWW-Authenticate': `Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="${allowed.join(' ')}"`,
      },
    });
  }
  const user = findGoogleUser(googleWorld(sandbox), grant.userEmail);
  // A service account's own token (no `sub`) has no mailbox: Gmail answers failedPrecondition.
  if (!user || !user.gmailEnabled)
    return gmailError(sandbox, 400, 'failedPrecondition', 'Precondition check failed.', { status: 'FAILED_PRECONDITION' });
  const userId = req.params.userId.toLowerCase();
  if (userId !== 'me' && userId !== user.email) return gmailError(sandbox, 403, 'forbidden', `Delegation denied for ${user.email}`);
  return { grant, user };
}

const isAnswer = (value: Caller | SandboxResponse): value is SandboxResponse => 'status' in value;

export function registerGmail(sandbox: Sandbox): void {
  sandbox.route('gmail', 'POST', '/gmail/v1/users/:userId/messages/send', async (req) => {
    const caller = authenticate(sandbox, req, SEND_SCOPES);
    if (isAnswer(caller)) return caller;
    if (req.body.length > MAX_JSON_BYTES) {
      return gmailError(sandbox, 400, 'badRequest', `Request payload size exceeds the limit: ${MAX_JSON_BYTES} bytes.`);
    }
    const raw = req.json<{ raw?: unknown }>()?.raw;
    if (typeof raw !== 'string' || raw.length === 0) {
      return gmailError(
        sandbox,
        400,
        'invalidArgument',
        "'raw' RFC822 payload message string or uploading message via /upload/* URL required",
      );
    }
    return accept(sandbox, caller, Buffer.from(raw, 'base64url'));
  });

  sandbox.route('gmail', 'POST', '/upload/gmail/v1/users/:userId/messages/send', async (req) => {
    const caller = authenticate(sandbox, req, SEND_SCOPES);
    if (isAnswer(caller)) return caller;
    if (req.body.length > MAX_UPLOAD_BYTES + 64 * 1024) {
      return gmailError(sandbox, 413, 'badRequest', 'Request Entity Too Large');
    }
    const uploadType = req.url.searchParams.get('uploadType');
    let message: Buffer | undefined;
    if (uploadType === 'media') message = req.body;
    else if (uploadType === 'multipart') message = multipartMessage(req);
    else return gmailError(sandbox, 400, 'badRequest', `Invalid upload type: ${uploadType ?? ''}`);
    if (!message)
      return gmailError(sandbox, 400, 'badRequest', 'Bad multipart/related request: expected JSON metadata and a message/rfc822 part.');
    return accept(sandbox, caller, message);
  });

  sandbox.route('gmail', 'GET', '/gmail/v1/users/:userId/settings/sendAs', (req) => {
    const caller = authenticate(sandbox, req, SEND_AS_LIST_SCOPES);
    if (isAnswer(caller)) return caller;
    const { user } = caller;
    return googleJson(sandbox, 200, {
      sendAs: [
        { sendAsEmail: user.email, displayName: user.name, replyToAddress: '', signature: '', isPrimary: true, isDefault: true },
        ...user.aliases.map((a) => ({
          sendAsEmail: a.sendAsEmail,
          displayName: a.displayName,
          replyToAddress: '',
          signature: '',
          isDefault: false,
          treatAsAlias: true,
          verificationStatus: a.verificationStatus,
        })),
      ],
    });
  });
}

/** The message/rfc822 part of a multipart/related upload (first part JSON metadata, second the message). */
function multipartMessage(req: SandboxRequest): Buffer | undefined {
  const boundary = /boundary="?([^";]+)"?/i.exec(req.headers['content-type'] ?? '')?.[1];
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let start = req.body.indexOf(delimiter);
  while (start !== -1) {
    const next = req.body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    parts.push(req.body.subarray(start + delimiter.length, next));
    start = next;
  }
  for (const part of parts) {
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd === -1) continue;
    const headers = part.subarray(0, headerEnd).toString('latin1');
    if (!/content-type:\s*message\/rfc822/i.test(headers)) continue;
    let content = part.subarray(headerEnd + 4);
    if (content.subarray(-2).toString() === '\r\n') content = content.subarray(0, -2);
    return content;
  }
  return undefined;
}

const addresses = (field: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(field) ? field : field ? [field] : [])
    .flatMap((a) => a.value)
    .flatMap((v) => (v.group ? v.group : [v]))
    .map((v) => v.address ?? '')
    .filter(Boolean);

async function accept(sandbox: Sandbox, caller: Caller, message: Buffer): Promise<SandboxResponse> {
  const parsed = await simpleParser(message, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const to = addresses(parsed.to);
  const cc = addresses(parsed.cc);
  const bcc = addresses(parsed.bcc);
  if (to.length + cc.length + bcc.length === 0) return gmailError(sandbox, 400, 'invalidArgument', 'Recipient address required');
  if (to.length + cc.length + bcc.length > MAX_RECIPIENTS) return gmailError(sandbox, 400, 'invalidArgument', 'Too many recipients');

  const { user } = caller;
  const claimed = parsed.from?.value[0];
  const claimedAddress = claimed?.address?.toLowerCase() ?? '';
  const allowed =
    claimedAddress === user.email || user.aliases.some((a) => a.sendAsEmail === claimedAddress && a.verificationStatus === 'accepted');
  const from = allowed ? { address: claimedAddress, name: claimed?.name || undefined } : { address: user.email, name: user.name };
  // What recipients get: Bcc removed; From replaced when Gmail would not send as the claimed address.
  const delivered = rewriteHeaders(message, (name) => {
    if (name === 'bcc') return null;
    if (name === 'from' && !allowed) return `From: "${user.name}" <${user.email}>`;
    return undefined;
  });

  const id = randomBytes(8).toString('hex');
  sandbox.messages.push({
    id,
    at: new Date(sandbox.now()).toISOString(),
    provider: 'google',
    mailbox: user.email,
    from,
    to,
    cc,
    bcc,
    subject: parsed.subject ?? '',
    format: 'mime',
    raw: delivered.toString('utf8'),
  });
  return googleJson(sandbox, 200, { id, threadId: id, labelIds: ['SENT'] });
}

/**
 * Rewrites the header block of an RFC 822 message. `edit(name)` returns null to drop a header,
 * a replacement line, or undefined to keep it. Folded continuation lines travel with their header.
 */
function rewriteHeaders(message: Buffer, edit: (lowercaseName: string) => string | null | undefined): Buffer {
  const crlf = message.indexOf('\r\n\r\n');
  const end = crlf !== -1 ? crlf : message.indexOf('\n\n');
  if (end === -1) return message;
  const eol = crlf !== -1 ? '\r\n' : '\n';
  const lines = message.subarray(0, end).toString('latin1').split(eol);
  const fields: string[][] = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && fields.length > 0) fields[fields.length - 1].push(line);
    else fields.push([line]);
  }
  const kept = fields.flatMap((field) => {
    const replacement = edit(field[0].split(':')[0].trim().toLowerCase());
    if (replacement === null) return [];
    return replacement === undefined ? field : [replacement];
  });
  return Buffer.concat([Buffer.from(kept.join(eol), 'latin1'), message.subarray(end)]);
}
