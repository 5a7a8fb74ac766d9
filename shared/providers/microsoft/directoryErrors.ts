/**
 * Directory connections' failures on the Microsoft side, classified once. The token side reuses the
 * sender classification (errors.ts reads Entra's answers) and translates its codes through ONE table
 * into the directory codes, whose hints speak of the connection, not of a sender.
 *
 * Graph answers to directory reads (users, groups, delta queries):
 * - 403 `Authorization_RequestDenied` (or the other "no permission in the token" codes): the token has
 *   neither the delegated scope nor the app role User.Read.All / Group.Read.All
 *   (https://learn.microsoft.com/graph/resolve-auth-errors#403-forbidden-error) -> DIRECTORY_CONSENT_DENIED.
 * - 401: the token itself was refused -> DIRECTORY_REAUTH_REQUIRED (sign in / consent again).
 * - 429 and 503/504 with `Retry-After`: throttled (https://learn.microsoft.com/graph/throttling); the
 *   caller waits within a bound and then gives up with DIRECTORY_THROTTLED (retryable).
 * - 410 Gone (`syncStateNotFound`, `resyncRequired`): the delta token expired; the sync must restart
 *   with a full round (https://learn.microsoft.com/graph/delta-query-overview#synchronization-reset).
 */
import { ERROR_CODES, ErrorCode, MailerError } from '../../errors';
import { parseRetryAfter } from '../retryAfter';

/** Sender-side code -> directory code, for what the token endpoint says about a directory credential. */
export const DIRECTORY_TOKEN_CODES: Readonly<Partial<Record<ErrorCode, ErrorCode>>> = {
  // invalid_grant (AADSTS70008 expired, 50173 password changed, 70043 revoked...): sign in again.
  MS_REAUTH_REQUIRED: 'DIRECTORY_REAUTH_REQUIRED',
  // AADSTS65001 (consent_required) / AADSTS700016 (no service principal): nobody granted the permissions.
  MS_CONSENT_MISSING: 'DIRECTORY_CONSENT_DENIED',
  MS_APP_NOT_IN_TENANT: 'DIRECTORY_CONSENT_DENIED',
};

/** A token-side failure of a directory credential as a directory MailerError (other codes pass unchanged). */
export function directoryTokenError(error: MailerError): MailerError {
  const code = DIRECTORY_TOKEN_CODES[error.code];
  if (!code) return error;
  return new MailerError(code, error.message, {
    hint: ERROR_CODES[code].hint,
    providerCode: error.providerCode,
    retryAfterSeconds: error.retryAfterSeconds,
  });
}

/** The delta token or nextLink is no longer valid: restart the delta query without a token. */
export class GraphSyncReset extends Error {
  constructor(readonly providerCode: string) {
    super(`Microsoft Graph asked for a full resynchronization (${providerCode}).`);
    this.name = 'GraphSyncReset';
  }
}

const DENIED = new Set(['Authorization_RequestDenied', 'ErrorAccessDenied', 'NoPermissionsInAccessToken', 'AccessDenied', 'Forbidden']);

export interface GraphAnswer {
  status: number;
  /** The parsed JSON body, when there was one. */
  body?: { error?: { code?: string; message?: string } };
  retryAfter?: string | null;
}

const firstLine = (text: string | undefined) => (text ?? '').split(/\r?\n/)[0].slice(0, 300);

/** A failed Graph directory answer as a MailerError (or a GraphSyncReset for 410). */
export function classifyGraphDirectoryError(answer: GraphAnswer): MailerError | GraphSyncReset {
  const code = answer.body?.error?.code ?? '';
  const detail = `${code || `HTTP ${answer.status}`}${answer.body?.error?.message ? `: ${firstLine(answer.body.error.message)}` : ''}`;
  const retryAfterSeconds = parseRetryAfter(answer.retryAfter);
  if (answer.status === 410 || code === 'syncStateNotFound' || code === 'resyncRequired' || code === 'syncStateInvalid')
    return new GraphSyncReset(code || 'HTTP 410');
  if (answer.status === 403 && DENIED.has(code)) {
    return new MailerError('DIRECTORY_CONSENT_DENIED', `Microsoft Graph refused to read the directory (${detail}).`, {
      providerCode: code,
    });
  }
  if (answer.status === 401) {
    return new MailerError('DIRECTORY_REAUTH_REQUIRED', `Microsoft Graph did not accept the directory connection's token (${detail}).`, {
      providerCode: code || '401',
    });
  }
  if (answer.status === 429 || answer.status === 503 || answer.status === 504) {
    return new MailerError('DIRECTORY_THROTTLED', `Microsoft Graph asked to slow down (${detail}).`, {
      retryAfterSeconds,
      providerCode: code || String(answer.status),
    });
  }
  if (answer.status === 403) {
    return new MailerError('PROVIDER_FORBIDDEN_UNKNOWN', `Microsoft Graph refused the directory read with HTTP 403 (${detail}).`, {
      providerCode: code,
    });
  }
  return new MailerError('PROVIDER_UNAVAILABLE', `Microsoft Graph answered the directory read with HTTP ${answer.status} (${detail}).`, {
    retryAfterSeconds,
    providerCode: code || String(answer.status),
  });
}

/** A network failure (no answer). */
export function graphUnreachable(error: unknown): MailerError {
  const reason = (error as { cause?: { code?: string } })?.cause?.code ?? (error as Error)?.name ?? 'error';
  return new MailerError('PROVIDER_UNAVAILABLE', `Microsoft Graph could not be reached for the directory read (${reason}).`, {
    providerCode: reason,
  });
}
