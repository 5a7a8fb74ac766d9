/**
 * Classifies every failure of Google's token endpoint and the Gmail API ONCE into a `MailerError`
 * (the error registry, shared/errors.ts). Inputs are gaxios errors (from the Google client libraries) or
 * `GoogleHttpFailure`s built from a plain fetch; both carry the status, the parsed body and headers.
 *
 * Wire shapes (docs/providers.md): the token endpoint answers `{error, error_description}`; Gmail
 * answers `{error: {code, message, errors: [{reason}], status}}`.
 */
import { isMailerError, MailerError } from '../../errors';
import type { SenderMode } from '../../model/sender';
import { parseRetryAfter } from '../retryAfter';

export const GMAIL_SEND_SCOPE = 'https://www.googleapis.com/auth/gmail.send';
/** The narrowest scope that lists send-as aliases (developers.google.com/gmail/api/reference/rest/v1/users.settings.sendAs/list). */
export const GMAIL_SETTINGS_SCOPE = 'https://www.googleapis.com/auth/gmail.settings.basic';

/** Refresh tokens of apps in Google's "Testing" publishing status expire after 7 days. */
const TESTING_TOKEN_AGE_MS = 7 * 24 * 3600 * 1000;
/** A little under 7 days still counts: clocks and the exact issue time differ by minutes. */
const TESTING_TOKEN_SLACK_MS = 60 * 60 * 1000;

type HeaderBag = Headers | Record<string, string | string[] | undefined> | undefined;

/** What a failed HTTP exchange with Google looks like, whichever client made it. */
export class GoogleHttpFailure extends Error {
  constructor(
    readonly status: number | undefined,
    readonly data: unknown,
    readonly headers?: HeaderBag,
  ) {
    super(`Google answered ${status ?? 'nothing'}`);
    this.name = 'GoogleHttpFailure';
  }
}

export interface GoogleErrorContext {
  mode: SenderMode;
  senderEmail: string;
  /** Service-account mode: the numeric client id to name in the delegation hint. */
  serviceAccountClientId?: string;
  /** OAuth mode: when the refresh token was issued (ISO, on Google's clock), for the Testing-status hint. */
  refreshTokenIssuedAt?: string;
}

export interface Failure {
  status?: number;
  data: unknown;
  headers: HeaderBag;
}

function header(headers: HeaderBag, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key ? record[key] : undefined;
  return Array.isArray(value) ? value[0] : value;
}

/** Pulls status, body and headers out of a gaxios error or a GoogleHttpFailure; undefined when there was no answer. */
export function failureOf(error: unknown): Failure | undefined {
  if (error instanceof GoogleHttpFailure)
    return error.status === undefined ? undefined : { status: error.status, data: error.data, headers: error.headers };
  const response = (error as { response?: { status?: number; data?: unknown; headers?: HeaderBag } } | null)?.response;
  if (!response || typeof response.status !== 'number') return undefined;
  let data = response.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      // keep the text
    }
  }
  return { status: response.status, data, headers: response.headers };
}

/** Google's clock at the time of the answer (its Date header), else ours: token age is measured on the clock that expires tokens. */
function serverNow(failure: Failure): number {
  const date = Date.parse(header(failure.headers, 'date') ?? '');
  return Number.isNaN(date) ? Date.now() : date;
}

/** Seconds to wait: Retry-After, else the "Retry after <RFC 3339 time>" text Gmail puts in sending-limit messages. */
export function retryAfterSeconds(failure: Failure, message: string): number | undefined {
  const now = serverNow(failure);
  const fromHeader = parseRetryAfter(header(failure.headers, 'retry-after'), now);
  if (fromHeader !== undefined) return fromHeader;
  const match = /Retry after (\d{4}-\d{2}-\d{2}T[0-9:.]+Z)/i.exec(message);
  if (!match) return undefined;
  const at = Date.parse(match[1]);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** The first error code along the `cause` chain (fetch wraps socket errors: TypeError "fetch failed" -> cause.code). */
function causeCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code) return code;
  }
  return undefined;
}

/**
 * No answer at all: a socket or TLS error code, fetch's "fetch failed", or a client-library request
 * error without a response (gaxios errors carry `config`; duck-typed because the Google libraries
 * bring their own gaxios copies, so `instanceof` is unreliable).
 */
export function isNetworkError(error: unknown): boolean {
  const code = causeCode(error);
  if (code && /^(E[A-Z_]+|UND_ERR_[A-Z_]+|ERR_SSL_[A-Z_]+|ERR_TLS_[A-Z_]+)$/.test(code)) return true;
  if (error instanceof TypeError && /fetch failed/i.test(error.message)) return true;
  return error instanceof Error && 'config' in error && !(error as { response?: unknown }).response;
}

function delegationHint(context: GoogleErrorContext, scope = GMAIL_SEND_SCOPE): string {
  const client = context.serviceAccountClientId ? `client ID ${context.serviceAccountClientId}` : "the service account's client ID";
  return `In the Google Admin console, open Security > Access and data control > API controls > Manage Domain Wide Delegation, and add ${client} with the scope ${scope} (or add that scope to its existing entry).`;
}

/** OAuth-mode invalid_grant: revoked or expired, with the Testing-status explanation when the token was about 7 days old. */
function reauthRequired(failure: Failure, context: GoogleErrorContext, description: string): MailerError {
  const issuedAt = Date.parse(context.refreshTokenIssuedAt ?? '');
  const ageMs = serverNow(failure) - issuedAt;
  if (!Number.isNaN(issuedAt) && ageMs >= TESTING_TOKEN_AGE_MS - TESTING_TOKEN_SLACK_MS) {
    const days = Math.floor(ageMs / (24 * 3600 * 1000));
    return new MailerError(
      'GOOGLE_REAUTH_REQUIRED',
      `Google no longer accepts the sign-in of ${context.senderEmail}: the token expired after ${days} days.`,
      {
        providerCode: 'invalid_grant',
        hint:
          'Google expires the refresh tokens of apps in "Testing" publishing status after 7 days. The platform operator must publish the OAuth app ' +
          '(Google Cloud console > Google Auth Platform > Audience > Publish app); then Reset this sender and sign in again.',
      },
    );
  }
  return new MailerError(
    'GOOGLE_REAUTH_REQUIRED',
    `Google no longer accepts the sign-in of ${context.senderEmail} (${description || 'invalid_grant'}).`,
    {
      providerCode: 'invalid_grant',
    },
  );
}

/** Token endpoint errors: `{error, error_description}`. */
function classifyTokenError(failure: Failure, context: GoogleErrorContext, error: string, description: string): MailerError {
  const serviceAccount = context.mode === 'service_account';
  switch (error) {
    case 'invalid_grant':
      if (!serviceAccount) return reauthRequired(failure, context, description);
      if (/Invalid email or User ID/i.test(description)) {
        return new MailerError(
          'GOOGLE_DELEGATION_NOT_AUTHORIZED',
          `Google Workspace has no user ${context.senderEmail} for the service account to act as.`,
          {
            providerCode: error,
            hint: "A service account can only send as a user's primary address in the Workspace that granted the delegation. Check the sender email.",
          },
        );
      }
      return new MailerError('GOOGLE_REAUTH_REQUIRED', `Google refused the service-account key (${description || error}).`, {
        providerCode: error,
        hint: 'The key was deleted or disabled, or the service account no longer exists. Create a new JSON key, Reset this sender and upload it.',
      });
    case 'unauthorized_client':
      if (!serviceAccount) break;
      return new MailerError(
        'GOOGLE_DELEGATION_NOT_AUTHORIZED',
        `The service account is not authorized to send as ${context.senderEmail}: domain-wide delegation of ${GMAIL_SEND_SCOPE} is missing.`,
        { providerCode: error, hint: delegationHint(context) },
      );
    case 'invalid_scope':
      return new MailerError('GOOGLE_SCOPE_MISSING', `Google refused the requested scope (${description || error}).`, {
        providerCode: error,
      });
    case 'invalid_client':
      if (serviceAccount) {
        return new MailerError('GOOGLE_REAUTH_REQUIRED', 'Google does not know this service account any more.', {
          providerCode: error,
          hint: 'Create a new JSON key for an existing service account, Reset this sender and upload it.',
        });
      }
      // The platform's own OAuth client is wrong: an operator problem, not the org's.
      return new MailerError('INTERNAL', 'Google rejected the platform OAuth client: check GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET.', {
        providerCode: error,
      });
  }
  return new MailerError('GOOGLE_REAUTH_REQUIRED', `Google refused the token request (${error}).`, { providerCode: error });
}

/** Gmail API errors: `{error: {code, message, errors: [{reason}], status}}`. */
function classifyGmailError(
  failure: Failure,
  context: GoogleErrorContext,
  body: { message?: string; errors?: Array<{ reason?: string }>; status?: string },
): MailerError {
  const reason = body.errors?.[0]?.reason ?? body.status ?? '';
  const message = body.message ?? '';
  const providerCode = reason || String(failure.status ?? 0);
  // Gmail reports Workspace sending limits as dailyLimitExceeded / userRateLimitExceeded (403), or as a 429
  // "User-rate limit exceeded.  Retry after <time>" (docs/providers.md): all are the mailbox's limit, not a burst.
  const sendingLimit = reason === 'dailyLimitExceeded' || reason === 'userRateLimitExceeded' || /User-rate limit exceeded/i.test(message);
  if (sendingLimit) {
    return new MailerError(
      'GOOGLE_SENDING_LIMIT',
      `Google refused to send for ${context.senderEmail}: ${message || 'sending limit reached'}.`,
      {
        providerCode,
        retryAfterSeconds: retryAfterSeconds(failure, message),
      },
    );
  }
  switch (reason) {
    case 'insufficientPermissions':
    case 'ACCESS_TOKEN_SCOPE_INSUFFICIENT':
      return new MailerError('GOOGLE_SCOPE_MISSING', `The Google token for ${context.senderEmail} lacks the scope this call needs.`, {
        providerCode,
        ...(context.mode === 'service_account' ? { hint: delegationHint(context) } : {}),
      });
    case 'failedPrecondition':
      return new MailerError(
        'GOOGLE_GMAIL_DISABLED',
        `Gmail refused the request for ${context.senderEmail} (failedPrecondition): Gmail is not enabled for this user.`,
        { providerCode },
      );
    case 'rateLimitExceeded':
      return new MailerError('PROVIDER_THROTTLED', 'Gmail asked us to slow down (rateLimitExceeded).', {
        providerCode,
        retryAfterSeconds: retryAfterSeconds(failure, message),
      });
    case 'authError':
      return new MailerError('GOOGLE_REAUTH_REQUIRED', `Gmail did not accept the access token for ${context.senderEmail}.`, {
        providerCode,
      });
    case 'invalidArgument':
    case 'badRequest':
    case 'invalid':
      // Gmail's own wording ("Invalid To header", "Recipient address required") names the field, never content.
      return new MailerError('INVALID_MESSAGE', `Gmail refused the message: ${message || reason}.`, { providerCode });
  }
  return byStatus(failure, providerCode, message);
}

function byStatus(failure: Failure, providerCode: string, message: string): MailerError {
  const status = failure.status ?? 0;
  if (status === 429)
    return new MailerError('PROVIDER_THROTTLED', 'Google asked us to slow down.', {
      providerCode,
      retryAfterSeconds: retryAfterSeconds(failure, message),
    });
  if (status >= 500 || status === 408)
    return new MailerError('PROVIDER_UNAVAILABLE', `Google answered ${status}.`, {
      providerCode,
      retryAfterSeconds: retryAfterSeconds(failure, message),
    });
  if (status === 413) return new MailerError('INVALID_MESSAGE', 'Gmail refused the message as too large.', { providerCode });
  if (status === 401) return new MailerError('GOOGLE_REAUTH_REQUIRED', 'Google did not accept the credentials.', { providerCode });
  // Every 403 Google documents as needing the admin's fix is matched by reason above; any other one
  // must not mark a working sender broken (https://developers.google.com/workspace/gmail/api/guides/handle-errors).
  if (status === 403) {
    return new MailerError(
      'PROVIDER_FORBIDDEN_UNKNOWN',
      `Google refused the request with HTTP 403 ${providerCode}${message ? `: ${message}` : ''}.`,
      { providerCode },
    );
  }
  return new MailerError('INVALID_MESSAGE', `Google refused the request (${status} ${providerCode}).`, { providerCode });
}

/** Gmail (not the token endpoint) answered 401: the access token was revoked or expired early; a fresh one may work. */
export function isGmailAuthError(error: unknown): boolean {
  const failure = failureOf(error);
  const body = (failure?.data as { error?: unknown } | undefined)?.error;
  return failure?.status === 401 && typeof body === 'object' && body !== null;
}

/** The one classifier for Google failures. A MailerError passes through unchanged. */
export function classifyGoogleError(error: unknown, context: GoogleErrorContext): MailerError {
  if (isMailerError(error)) return error;
  const failure = failureOf(error);
  if (!failure) {
    // No cause is attached for client-library errors: their `config` holds the request's Authorization header.
    const code = causeCode(error) ?? (error as Error | null)?.name ?? 'error';
    if (isNetworkError(error) || error instanceof GoogleHttpFailure) {
      return new MailerError('PROVIDER_UNAVAILABLE', 'Google could not be reached.', { providerCode: code });
    }
    const safeCause = error instanceof Error && !('config' in error) ? error : undefined;
    return new MailerError('INTERNAL', 'Unexpected failure while talking to Google.', { providerCode: code, cause: safeCause });
  }
  const data = failure.data as { error?: unknown; error_description?: unknown } | undefined;
  if (failure.status === 429 || (failure.status ?? 0) >= 500) {
    // Throttling and outages look alike on both endpoints; Gmail's reason still decides sending limits.
    if (data && typeof data.error === 'object' && data.error) return classifyGmailError(failure, context, data.error as object);
    return byStatus(failure, typeof data?.error === 'string' ? data.error : String(failure.status), '');
  }
  if (data && typeof data.error === 'string') return classifyTokenError(failure, context, data.error, String(data.error_description ?? ''));
  if (data && typeof data.error === 'object' && data.error) return classifyGmailError(failure, context, data.error as object);
  return byStatus(failure, String(failure.status), '');
}
