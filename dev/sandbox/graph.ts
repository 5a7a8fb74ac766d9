/**
 * The sandbox's Microsoft Graph on the `graph` origin: `POST /v1.0/users/{id|upn}/sendMail` and
 * `POST /v1.0/me/sendMail`, faithful to docs/providers.md "Microsoft Graph": 202 with an empty body,
 * the real error envelope (`innerError` with `date`, `request-id`, `client-request-id`) and headers,
 * and the failures our classifier must recognise.
 *
 * Order of checks (the real service does not document it; this is the order its answers imply):
 * request size (front door) -> bearer token (401) -> JSON shape (400 RequestBodyRead) -> permission
 * in the token, or for an app without it an Exchange RBAC for Applications scope holding the mailbox
 * (403) -> mailbox lookup (404) -> mailbox enabled (MailboxNotEnabledForRESTAPI) ->
 * application access policy (403 "Access to OData is disabled: [RAOP] ...") -> Send As (403 ErrorSendAsDenied)
 * -> per-mailbox concurrency and rate (429) -> headers and recipients (400) -> accepted.
 * A sendMail with no recipients therefore reaches the last step only when the mailbox is usable,
 * which is what org-mailer's Test connection relies on.
 */
import { randomUUID } from 'node:crypto';
import type { Sandbox, SandboxRequest, SandboxResponse } from './server';
import { bearerToken, checkSandboxJwt, GRAPH_RESOURCE } from './tokens';
import { findByAddress, findGrant, findUser, MicrosoftUser, primarySmtp } from './world';

/** Graph refuses requests over 4 MB (4,194,304 characters, as measured by the PnP CLI team). */
export const GRAPH_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export interface GraphLimits {
  /** Concurrent requests per mailbox before 429 ApplicationThrottled (Exchange: 4). */
  concurrency: number;
  /** Accepted messages per mailbox per minute of sandbox clock before 429; 0 = no limit. */
  ratePerMinute: number;
  /** Time each sendMail takes, so concurrency can be observed (real sendMail takes a few hundred ms). */
  latencyMs: number;
}

const DEFAULT_LIMITS: GraphLimits = { concurrency: 4, ratePerMinute: 0, latencyMs: 0 };

interface GraphState {
  limits: GraphLimits;
  inFlight: Map<string, number>;
  /** Accepted-send times (sandbox clock) per mailbox id, for the rate limit. */
  accepted: Map<string, number[]>;
  /**
   * Per mailbox (UPN, lower case): the most sendMail calls that were in flight at once, counting the
   * one arriving even when it is refused with 429, so a client over the limit shows as over it.
   */
  highWater: Map<string, number>;
  /**
   * Refuse a message without recipients BEFORE the mailbox and Send As checks. Microsoft does not
   * document the order; this switch plays the other possible order, so tests can show what a
   * recipient-less probe does NOT prove.
   */
  recipientsFirst: boolean;
  /**
   * Tenants whose sendMail refuses `internetMessageId` (400 naming it). Whether the real sendMail does
   * is not documented either way (docs/providers.md); code and text of this answer are unconfirmed.
   */
  refuseMessageIdTenants: Set<string>;
}

const SEND_MAIL_PROPERTIES = new Set(['message', 'saveToSentItems']);
/** Writable properties of microsoft.graph.message that sendMail accepts. */
const MESSAGE_PROPERTIES = new Set([
  'subject',
  'body',
  'from',
  'sender',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'replyTo',
  'attachments',
  'internetMessageHeaders',
  'importance',
  'isDeliveryReceiptRequested',
  'isReadReceiptRequested',
  'categories',
  'flag',
  'internetMessageId',
  'singleValueExtendedProperties',
  'multiValueExtendedProperties',
  'inferenceClassification',
]);
/** RFC 5322 section 3.6.4 msg-id in its common form: one "@", in angle brackets, no spaces. */
const MSG_ID = /^<[^<>@\s]{1,200}@[^<>@\s]{1,200}>$/;
const ATTACHMENT_TYPES = new Set([
  '#microsoft.graph.fileAttachment',
  '#microsoft.graph.itemAttachment',
  '#microsoft.graph.referenceAttachment',
]);

interface Recipient {
  emailAddress?: { address?: string; name?: string };
}

interface SendMailBody {
  message: {
    subject?: string;
    from?: Recipient;
    toRecipients?: Recipient[];
    ccRecipients?: Recipient[];
    bccRecipients?: Recipient[];
    internetMessageHeaders?: Array<{ name?: string; value?: string }>;
    internetMessageId?: unknown;
    attachments?: Array<Record<string, unknown>>;
  };
  saveToSentItems?: boolean;
}

/** Caller identity from a verified token. */
export type Caller =
  | { kind: 'app'; tenantId: string; clientId: string; roles: string[] }
  | { kind: 'user'; tenantId: string; clientId: string; userId: string; scopes: string[] };

function graphDate(now: number): string {
  return new Date(now).toISOString().slice(0, 19);
}

function ids(req: SandboxRequest): { requestId: string; clientRequestId: string } {
  const header = req.headers['client-request-id'];
  return { requestId: randomUUID(), clientRequestId: (Array.isArray(header) ? header[0] : header) ?? randomUUID() };
}

export function answer(
  sandbox: Sandbox,
  req: SandboxRequest,
  status: number,
  code?: string,
  message?: string,
  extraHeaders: Record<string, string> = {},
): SandboxResponse {
  const { requestId, clientRequestId } = ids(req);
  const headers = { 'request-id': requestId, 'client-request-id': clientRequestId, ...extraHeaders };
  if (!code) return { status, headers };
  return {
    status,
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: {
      error: {
        code,
        message,
        innerError: { date: graphDate(sandbox.now()), 'request-id': requestId, 'client-request-id': clientRequestId },
      },
    },
  };
}

const WWW_AUTHENTICATE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

export async function authenticate(sandbox: Sandbox, req: SandboxRequest): Promise<Caller | SandboxResponse> {
  const token = bearerToken(req.headers);
  const unauthorized = (message: string) =>
    answer(sandbox, req, 401, 'InvalidAuthenticationToken', message, { 'WWW-Authenticate': WWW_AUTHENTICATE });
  if (!token) return unauthorized('Access token is empty.');
  const check = await checkSandboxJwt(token, { now: sandbox.now(), audience: GRAPH_RESOURCE });
  if (!check.ok) {
    if (check.reason === 'expired') return unauthorized('Access token has expired or is not yet valid.');
    if (check.reason === 'audience') return unauthorized('Access token validation failure. Invalid audience.');
    return unauthorized('IDX14100: JWT is not well formed, there are no dots (.).');
  }
  const claims = check.claims as Record<string, unknown>;
  const tenantId = String(claims.tid ?? '');
  const clientId = String(claims.appid ?? '');
  if (claims.idtyp === 'user') {
    return {
      kind: 'user',
      tenantId,
      clientId,
      userId: String(claims.oid ?? ''),
      scopes: String(claims.scp ?? '')
        .split(' ')
        .filter(Boolean),
    };
  }
  return { kind: 'app', tenantId, clientId, roles: Array.isArray(claims.roles) ? (claims.roles as string[]) : [] };
}

/** 400 RequestBodyRead for anything the OData reader would refuse. */
function readBody(req: SandboxRequest): SendMailBody | string {
  const body = req.json<Record<string, unknown>>();
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'Empty Payload. JSON content expected.';
  for (const key of Object.keys(body)) {
    if (!SEND_MAIL_PROPERTIES.has(key))
      return `The parameter '${key}' in the request payload is not a valid parameter for the operation 'sendMail'.`;
  }
  const message = body.message as Record<string, unknown> | undefined;
  if (!message || typeof message !== 'object') return "The parameter 'Message' in the request payload is missing or invalid.";
  for (const key of Object.keys(message)) {
    if (!MESSAGE_PROPERTIES.has(key)) {
      return `The property '${key}' does not exist on type 'microsoft.graph.message'. Make sure to only use property names that are defined by the type or mark the type as open type.`;
    }
  }
  for (const attachment of (message.attachments as Array<Record<string, unknown>> | undefined) ?? []) {
    if (!ATTACHMENT_TYPES.has(String(attachment['@odata.type']))) {
      return "A type named 'microsoft.graph.attachment' could not be instantiated: the '@odata.type' annotation is missing or not a known attachment type.";
    }
  }
  return body as unknown as SendMailBody;
}

/** May `actor` send as `mailbox`? Its own mailbox, or Send As granted on the other one. */
function maySendAs(actor: MicrosoftUser, mailbox: MicrosoftUser): boolean {
  return actor.id === mailbox.id || mailbox.sendAs.includes(actor.id);
}

const addresses = (list: Recipient[] | undefined) => (list ?? []).map((r) => r.emailAddress?.address ?? '').filter(Boolean);

const hasRecipients = (body: SendMailBody) =>
  [body.message.toRecipients, body.message.ccRecipients, body.message.bccRecipients].some((list) => addresses(list).length > 0);

const noRecipients = (sandbox: Sandbox, req: SandboxRequest) =>
  answer(
    sandbox,
    req,
    400,
    'ErrorInvalidRecipients',
    "At least one recipient isn't valid., A message can't be sent because it contains no recipients.",
  );

/**
 * Whose mailbox the call sends from, and as whom, or the refusal: permission (the token's, or an
 * Exchange RBAC for Applications scope), mailbox lookup, application access policy, Send As.
 */
function authorizeSend(
  sandbox: Sandbox,
  req: SandboxRequest,
  caller: Caller,
  target: string,
  body: SendMailBody,
): { mailbox: MicrosoftUser; from: MicrosoftUser } | SandboxResponse {
  const world = sandbox.microsoft;
  const denied = () => answer(sandbox, req, 403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
  const mailbox =
    target === 'me' && caller.kind === 'user' ? findUser(world, caller.tenantId, caller.userId) : findUser(world, caller.tenantId, target);
  const grant = caller.kind === 'app' ? findGrant(world, caller.tenantId, caller.clientId) : undefined;
  // Without Entra's Mail.Send an app may still send where Exchange RBAC for Applications assigns it
  // "Application Mail.Send" (https://learn.microsoft.com/exchange/permissions-exo/application-rbac).
  // Microsoft documents no text for a mailbox outside that scope; the plain access denied below is
  // what community reports show, and is unconfirmed.
  if (caller.kind === 'app' && !caller.roles.includes('Mail.Send') && !(mailbox && grant?.exchangeMailSendUserIds?.includes(mailbox.id)))
    return denied();
  if (!mailbox) return answer(sandbox, req, 404, 'ErrorInvalidUser', `The requested user '${target}' is invalid.`);
  if (!mailbox.mailboxEnabled) {
    return answer(
      sandbox,
      req,
      404,
      'MailboxNotEnabledForRESTAPI',
      'The mailbox is either inactive, soft-deleted, or is hosted on-premise.',
    );
  }

  let actor: MicrosoftUser = mailbox;
  if (caller.kind === 'app') {
    // An application access policy's refusal, as captured from Exchange Online (its docs name only "Access to OData is disabled"):
    // https://learn.microsoft.com/graph/auth-limit-mailbox-access, https://github.com/microsoftgraph/microsoft-graph-docs/pull/21382
    const policy = grant?.accessPolicyUserIds;
    if (policy && !policy.includes(mailbox.id))
      return answer(
        sandbox,
        req,
        403,
        'ErrorAccessDenied',
        'Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.',
      );
  } else {
    const me = findUser(world, caller.tenantId, caller.userId);
    if (!me) return answer(sandbox, req, 404, 'ErrorInvalidUser', `The requested user '${caller.userId}' is invalid.`);
    actor = me;
    // Another user's mailbox in the URL needs Mail.Send.Shared AND Send As on it.
    if (mailbox.id !== me.id && !caller.scopes.includes('Mail.Send.Shared')) return denied();
  }
  const sendAsDenied = () =>
    answer(
      sandbox,
      req,
      403,
      'ErrorSendAsDenied',
      'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account., Cannot submit message.',
    );
  if (!maySendAs(actor, mailbox)) return sendAsDenied();
  const fromAddress = body.message.from?.emailAddress?.address;
  const from = fromAddress ? findByAddress(world, caller.tenantId, fromAddress) : mailbox;
  if (!from || (!maySendAs(mailbox, from) && !maySendAs(actor, from))) return sendAsDenied();
  return { mailbox, from };
}

export function registerGraph(sandbox: Sandbox): void {
  const state: GraphState = {
    limits: { ...DEFAULT_LIMITS },
    inFlight: new Map(),
    accepted: new Map(),
    highWater: new Map(),
    recipientsFirst: false,
    refuseMessageIdTenants: new Set(),
  };
  sandbox.onReset(() => {
    state.limits = { ...DEFAULT_LIMITS };
    state.recipientsFirst = false;
    state.refuseMessageIdTenants.clear();
    state.inFlight.clear();
    state.accepted.clear();
    state.highWater.clear();
  });

  const sendMail = async (req: SandboxRequest, target: string | 'me'): Promise<SandboxResponse> => {
    if (req.body.length > GRAPH_MAX_REQUEST_BYTES) {
      // Code unconfirmed (docs/providers.md gives status and message only); a 2015 capture used BadRequest.
      return answer(sandbox, req, 413, 'BadRequest', 'The maximum request length supported is 4MB.');
    }
    const caller = await authenticate(sandbox, req);
    if ('status' in caller) return caller;
    const body = readBody(req);
    if (typeof body === 'string') return answer(sandbox, req, 400, 'RequestBodyRead', body);

    if (body.message.internetMessageId !== undefined && state.refuseMessageIdTenants.has(caller.tenantId)) {
      return answer(sandbox, req, 400, 'ErrorInvalidProperty', "The property 'InternetMessageId' can be set only on a draft message.");
    }
    if (state.recipientsFirst && !hasRecipients(body)) return noRecipients(sandbox, req);
    if (caller.kind === 'user' && !caller.scopes.includes('Mail.Send')) {
      return answer(sandbox, req, 403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
    }
    if (target === 'me' && caller.kind === 'app') {
      return answer(sandbox, req, 400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    }

    const authorized = authorizeSend(sandbox, req, caller, target, body);
    if ('status' in authorized) return authorized;
    const { mailbox, from } = authorized;

    const upn = mailbox.userPrincipalName.toLowerCase();
    state.highWater.set(upn, Math.max(state.highWater.get(upn) ?? 0, (state.inFlight.get(mailbox.id) ?? 0) + 1));
    const throttled = admit(state, mailbox.id, sandbox.now());
    if (throttled) return answer(sandbox, req, 429, throttled.code, throttled.message, { 'Retry-After': throttled.retryAfter });
    state.inFlight.set(mailbox.id, (state.inFlight.get(mailbox.id) ?? 0) + 1);
    try {
      if (state.limits.latencyMs > 0) await new Promise((r) => setTimeout(r, state.limits.latencyMs));
      // An RFC 2822 msg-id, "<left@right>" (https://learn.microsoft.com/graph/api/resources/message#properties);
      // Exchange refuses anything else when it builds the MIME message.
      const messageId = body.message.internetMessageId;
      if (messageId !== undefined && (typeof messageId !== 'string' || !MSG_ID.test(messageId))) {
        return answer(
          sandbox,
          req,
          400,
          'ErrorInvalidInternetMessageId',
          `The internet message id '${String(messageId)}' is not in the format '<id@domain>' (RFC 2822).`,
        );
      }
      for (const header of body.message.internetMessageHeaders ?? []) {
        if (!/^x-/i.test(header.name ?? '')) {
          return answer(
            sandbox,
            req,
            400,
            'InvalidInternetMessageHeader',
            `The internet message header name '${header.name ?? ''}' should start with 'x-' or 'X-'.`,
          );
        }
      }
      const to = addresses(body.message.toRecipients);
      const cc = addresses(body.message.ccRecipients);
      const bcc = addresses(body.message.bccRecipients);
      if (!hasRecipients(body)) return noRecipients(sandbox, req);
      const now = sandbox.now();
      state.accepted.set(mailbox.id, [...(state.accepted.get(mailbox.id) ?? []).filter((t) => now - t < 60_000), now]);
      sandbox.messages.push({
        id: randomUUID(),
        at: new Date(now).toISOString(),
        provider: 'microsoft',
        mailbox: mailbox.userPrincipalName,
        // Without a display name in `from`, Exchange uses the directory's.
        // Exchange writes the mailbox's primary SMTP address into From, whichever of its addresses was given.
        from: { address: primarySmtp(from), name: body.message.from?.emailAddress?.name || from.displayName },
        to,
        cc,
        bcc,
        subject: body.message.subject ?? '',
        format: 'graph-json',
        raw: req.body.toString('utf8'),
      });
      return answer(sandbox, req, 202);
    } finally {
      state.inFlight.set(mailbox.id, (state.inFlight.get(mailbox.id) ?? 1) - 1);
    }
  };

  sandbox.route('graph', 'POST', '/v1.0/me/sendMail', (req) => sendMail(req, 'me'));
  sandbox.route('graph', 'POST', '/v1.0/users/:user/sendMail', (req) => sendMail(req, req.params.user));

  sandbox.route('*', 'GET', '/_sandbox/graph/limits', () => ({ status: 200, body: state.limits }));
  sandbox.route('*', 'POST', '/_sandbox/graph/refuse-internet-message-id', (req) => {
    const tenantIds = req.json()?.tenantIds;
    if (!Array.isArray(tenantIds) || !tenantIds.every((t) => typeof t === 'string'))
      return { status: 400, body: { error: 'tenantIds must be a list of tenant ids' } };
    state.refuseMessageIdTenants = new Set(tenantIds as string[]);
    return { status: 200, body: { tenantIds } };
  });
  sandbox.route('*', 'POST', '/_sandbox/graph/check-order', (req) => {
    const recipientsFirst = req.json()?.recipientsFirst;
    if (typeof recipientsFirst !== 'boolean') return { status: 400, body: { error: 'recipientsFirst must be true or false' } };
    state.recipientsFirst = recipientsFirst;
    return { status: 200, body: { recipientsFirst } };
  });
  // { "<mailbox upn>": <most sendMail calls in flight at once> } since the last reset or DELETE.
  sandbox.route('*', 'GET', '/_sandbox/graph/concurrency', () => ({ status: 200, body: Object.fromEntries(state.highWater) }));
  sandbox.route('*', 'DELETE', '/_sandbox/graph/concurrency', () => {
    state.highWater.clear();
    return { status: 204 };
  });
  sandbox.route('*', 'POST', '/_sandbox/graph/limits', (req) => {
    const input = req.json() ?? {};
    for (const key of ['concurrency', 'ratePerMinute', 'latencyMs'] as const) {
      if (input[key] === undefined) continue;
      if (!Number.isInteger(input[key]) || input[key] < 0) return { status: 400, body: { error: `${key} must be a whole number >= 0` } };
      state.limits[key] = input[key];
    }
    return { status: 200, body: state.limits };
  });
}

/** 429 answers of docs/providers.md: mailbox concurrency, then the per-minute rate. */
function admit(state: GraphState, mailboxId: string, now: number): { code: string; message: string; retryAfter: string } | undefined {
  if ((state.inFlight.get(mailboxId) ?? 0) >= state.limits.concurrency) {
    return { code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.', retryAfter: '1' };
  }
  const rate = state.limits.ratePerMinute;
  if (rate > 0) {
    const recent = (state.accepted.get(mailboxId) ?? []).filter((t) => now - t < 60_000);
    if (recent.length >= rate) {
      const wait = (60_000 - (now - recent[0])) / 1000;
      // Fractional seconds, as Graph sends them ("Retry-After: 2.128").
      return { code: 'TooManyRequests', message: 'Please retry again later.', retryAfter: wait.toFixed(3) };
    }
  }
  return undefined;
}
