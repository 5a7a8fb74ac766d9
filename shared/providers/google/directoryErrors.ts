/**
 * Directory connections' failures on the Google side, classified once, as tables:
 * - token side: the Gmail-era classification (errors.ts reads Google's token endpoint) translated
 *   into directory codes, whose hints speak of the connection;
 * - Admin SDK answers: `error.errors[0].reason` (or an ErrorInfo `details` reason) of a Directory
 *   API 403: a non-admin account or subject is `forbidden` ("Not Authorized to access this
 *   resource/api"; `notAuthorized` is accepted too), a project without the Admin SDK API enabled is
 *   `accessNotConfigured` / SERVICE_DISABLED ("service not enabled":
 *   https://cloud.google.com/service-usage/docs/troubleshooting). docs/providers.md "Directory connections".
 * - the sync's Admin SDK answers (users.list, groups.list, members.list): the same reasons table, plus
 *   429 / `rateLimitExceeded` / `userRateLimitExceeded` / `quotaExceeded` -> DIRECTORY_THROTTLED and 401 ->
 *   DIRECTORY_REAUTH_REQUIRED (`classifyAdminDirectoryError`).
 */
import { ERROR_CODES, ErrorCode, isMailerError, MailerError } from '../../errors';
import { classifyGoogleError, failureOf, GoogleHttpFailure, isNetworkError, retryAfterSeconds } from './errors';

/** The three readonly Admin SDK Directory scopes a directory connection asks for (docs/providers.md). */
export const DIRECTORY_SCOPES = [
  'https://www.googleapis.com/auth/admin.directory.user.readonly',
  'https://www.googleapis.com/auth/admin.directory.group.readonly',
  'https://www.googleapis.com/auth/admin.directory.group.member.readonly',
] as const;

/** Sender-side code -> directory code, for what Google's token endpoint says about a directory credential. */
export const DIRECTORY_TOKEN_CODES: Readonly<Partial<Record<ErrorCode, ErrorCode>>> = {
  GOOGLE_REAUTH_REQUIRED: 'DIRECTORY_REAUTH_REQUIRED',
};

/** Admin SDK 403 reasons -> directory codes. */
export const ADMIN_SDK_REASONS: Readonly<Record<string, ErrorCode>> = {
  notAuthorized: 'DIRECTORY_NOT_ADMIN',
  forbidden: 'DIRECTORY_NOT_ADMIN',
  accessNotConfigured: 'DIRECTORY_API_DISABLED',
  SERVICE_DISABLED: 'DIRECTORY_API_DISABLED',
};

export interface DirectoryErrorContext {
  mode: 'oauth' | 'service_account';
  /** The admin account (oauth) or the impersonated subject (service_account). */
  account: string;
  serviceAccountClientId?: string;
}

/** Whose Google Cloud project a connection's Admin SDK calls go through. */
export type GoogleProject = 'platform' | 'customer';
export const projectOfMode = (mode: DirectoryErrorContext['mode']): GoogleProject => (mode === 'service_account' ? 'customer' : 'platform');

/**
 * Who can enable the Admin SDK API. An `oauth` connection calls it with a token of the platform's own
 * OAuth client, and Google checks the API is enabled in the project that owns that client (the
 * operator's); a `service_account` connection's token belongs to the customer's service account, in
 * the customer's project (https://cloud.google.com/service-usage/docs/troubleshooting: "API has not
 * been used in project ... or it is disabled" names the caller's project). Unknown: the registry's
 * hint, which names both.
 */
export function directoryApiDisabledHint(project: GoogleProject | undefined): string {
  if (project === 'platform') {
    return 'The Admin SDK API is not enabled in the platform\'s own Google Cloud project (the OAuth client this connection signs in with), so nothing in your Google Workspace can fix it. Tell the platform operator: they enable "Admin SDK API" in that project and add the admin.directory readonly scopes to its consent screen (infra/README.md, Google project for directory connections). Then sync again.';
  }
  if (project === 'customer') {
    return 'The Admin SDK API is not enabled in the Google Cloud project of your service account. In the Google Cloud console, open that project, APIs & Services > Library, enable "Admin SDK API", wait a few minutes, and try again.';
  }
  return ERROR_CODES.DIRECTORY_API_DISABLED.hint;
}

function delegationHint(context: DirectoryErrorContext): string {
  const client = context.serviceAccountClientId ? `client ID ${context.serviceAccountClientId}` : "the service account's client ID";
  return `In the Google Admin console, Security > Access and data control > API controls > Manage Domain Wide Delegation, add ${client} with the scopes ${DIRECTORY_SCOPES.join(',')}.`;
}

function adminSdkReason(error: unknown): { reason: string; message: string } | undefined {
  const data = error instanceof GoogleHttpFailure ? error.data : (error as { response?: { data?: unknown } } | null)?.response?.data;
  const body = (typeof data === 'string' ? safeJson(data) : data) as
    { error?: { message?: string; errors?: Array<{ reason?: string }>; details?: Array<{ reason?: string }> } } | undefined;
  if (!body?.error || typeof body.error !== 'object') return undefined;
  const reasons = [...(body.error.errors ?? []).map((e) => e.reason), ...(body.error.details ?? []).map((d) => d.reason)];
  const reason = reasons.find((r): r is string => !!r && Object.hasOwn(ADMIN_SDK_REASONS, r));
  return reason ? { reason, message: String(body.error.message ?? '').slice(0, 300) } : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The one classifier for a Google directory credential's token request or Admin SDK answer. */
export function classifyDirectoryError(error: unknown, context: DirectoryErrorContext): MailerError {
  if (isMailerError(error)) return error;
  const sdk = adminSdkReason(error);
  if (sdk) {
    const code = ADMIN_SDK_REASONS[sdk.reason];
    const who = context.mode === 'service_account' ? `the impersonated admin ${context.account}` : context.account;
    const message =
      code === 'DIRECTORY_NOT_ADMIN'
        ? `Google refused to list the directory for ${who}: not a Workspace administrator with read access to users and groups (${sdk.reason}).`
        : `Google refused the directory request: the Admin SDK API is not enabled in the Cloud project (${sdk.reason}).`;
    return new MailerError(code, message, {
      providerCode: sdk.reason,
      hint: code === 'DIRECTORY_API_DISABLED' ? directoryApiDisabledHint(projectOfMode(context.mode)) : undefined,
    });
  }
  const classified = classifyGoogleError(error, {
    mode: context.mode,
    senderEmail: context.account,
    serviceAccountClientId: context.serviceAccountClientId,
  });
  if (classified.code === 'GOOGLE_DELEGATION_NOT_AUTHORIZED' || classified.code === 'GOOGLE_SCOPE_MISSING') {
    return new MailerError(
      classified.code,
      classified.message.replace(/gmail\.send|https:\/\/www\.googleapis\.com\/auth\/gmail\.send/g, 'the directory scopes'),
      {
        providerCode: classified.providerCode,
        hint:
          context.mode === 'service_account'
            ? delegationHint(context)
            : 'Sign in again and allow org-mailer to see the users and groups of your domain.',
      },
    );
  }
  const code = DIRECTORY_TOKEN_CODES[classified.code];
  if (!code) return classified;
  return new MailerError(code, classified.message, { providerCode: classified.providerCode, hint: ERROR_CODES[code].hint });
}

interface AdminErrorBody {
  error?: { code?: number; message?: string; status?: string; errors?: Array<{ reason?: string }>; details?: Array<{ reason?: string }> };
}

const THROTTLE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded', 'RATE_LIMIT_EXCEEDED']);

function reasonsOf(body: AdminErrorBody | undefined): string[] {
  const error = body?.error;
  return [...(error?.errors ?? []), ...(error?.details ?? [])].map((e) => e.reason ?? '').filter(Boolean);
}

/** True for a 404 (a group deleted between groups.list and its members.list). */
export function isAdminNotFound(error: unknown): boolean {
  return failureOf(error)?.status === 404;
}

/** `project`: the connection's, when the caller knows it, so a disabled API names who can enable it. */
export function classifyAdminDirectoryError(error: unknown, project?: GoogleProject): MailerError {
  if (isMailerError(error)) return error;
  const failure = failureOf(error);
  if (!failure) {
    const reason = isNetworkError(error) ? 'no answer' : ((error as Error)?.name ?? 'error');
    return new MailerError('PROVIDER_UNAVAILABLE', `The Google Admin SDK could not be reached (${reason}).`, { providerCode: 'network' });
  }
  const status = failure.status ?? 0;
  const body = (typeof failure.data === 'object' ? failure.data : undefined) as AdminErrorBody | undefined;
  const reasons = reasonsOf(body);
  const message = (body?.error?.message ?? '').split(/\r?\n/)[0].slice(0, 300);
  const detail = `${reasons[0] ?? body?.error?.status ?? `HTTP ${status}`}${message ? `: ${message}` : ''}`;
  const providerCode = reasons[0] ?? body?.error?.status ?? String(status);
  if (status === 429 || reasons.some((r) => THROTTLE_REASONS.has(r))) {
    return new MailerError('DIRECTORY_THROTTLED', `The Google Admin SDK asked to slow down (${detail}).`, {
      retryAfterSeconds: retryAfterSeconds(failure, message),
      providerCode,
    });
  }
  const known = reasons.find((r) => Object.hasOwn(ADMIN_SDK_REASONS, r));
  const code = known ? ADMIN_SDK_REASONS[known] : status === 403 && /not authorized/i.test(message) ? 'DIRECTORY_NOT_ADMIN' : undefined;
  if (code === 'DIRECTORY_API_DISABLED')
    return new MailerError(code, `The Admin SDK API is not enabled for the Google Cloud project (${detail}).`, {
      providerCode,
      hint: directoryApiDisabledHint(project),
    });
  if (code)
    return new MailerError(code, `Google refused to list the directory: the account is not an administrator (${detail}).`, {
      providerCode,
    });
  if (status === 401)
    return new MailerError('DIRECTORY_REAUTH_REQUIRED', `Google did not accept the directory connection's token (${detail}).`, {
      providerCode,
    });
  if (status === 403)
    return new MailerError('PROVIDER_FORBIDDEN_UNKNOWN', `The Google Admin SDK refused the request with HTTP 403 (${detail}).`, {
      providerCode,
    });
  return new MailerError('PROVIDER_UNAVAILABLE', `The Google Admin SDK answered HTTP ${status} (${detail}).`, {
    retryAfterSeconds: retryAfterSeconds(failure, message),
    providerCode,
  });
}
