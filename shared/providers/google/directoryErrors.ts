/**
 * Google Admin SDK Directory API answers (users.list, groups.list, members.list), classified ONCE into
 * the directory codes of the registry (shared/errors.ts). The sync and the connection service's
 * create-time check (one users.list) both use this.
 *
 * The body is Google's JSON error `{error: {code, message, errors: [{reason, domain}], status}}`
 * (https://developers.google.com/admin-sdk/directory/v1/limits, https://cloud.google.com/apis/design/errors):
 * - 403 `notAuthorized`: the account (or the impersonated subject) is not an admin with the
 *   privilege -> DIRECTORY_NOT_ADMIN;
 * - 403 `accessNotConfigured` (status PERMISSION_DENIED, reason SERVICE_DISABLED in newer bodies):
 *   the Admin SDK API is off in the project -> DIRECTORY_API_DISABLED;
 * - 429, or 403 `rateLimitExceeded` / `userRateLimitExceeded` / `quotaExceeded` -> DIRECTORY_THROTTLED;
 * - 401 -> DIRECTORY_REAUTH_REQUIRED (invalid_grant from the token endpoint is classified by the
 *   connection's access, before any Admin SDK call).
 */
import { isMailerError, MailerError } from '../../errors';
import { failureOf, isNetworkError, retryAfterSeconds } from './errors';

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

export function classifyAdminDirectoryError(error: unknown): MailerError {
  if (isMailerError(error)) return error;
  const failure = failureOf(error);
  if (!failure) {
    const reason = isNetworkError(error) ? 'no answer' : (error as Error)?.name ?? 'error';
    return new MailerError('PROVIDER_UNAVAILABLE', `The Google Admin SDK could not be reached (${reason}).`, { providerCode: 'network' });
  }
  const status = failure.status ?? 0;
  const body = (typeof failure.data === 'object' ? failure.data : undefined) as AdminErrorBody | undefined;
  const reasons = reasonsOf(body);
  const message = (body?.error?.message ?? '').split(/\r?\n/)[0].slice(0, 300);
  const detail = `${reasons[0] ?? body?.error?.status ?? `HTTP ${status}`}${message ? `: ${message}` : ''}`;
  const providerCode = reasons[0] ?? body?.error?.status ?? String(status);
  if (status === 429 || reasons.some((r) => THROTTLE_REASONS.has(r))) {
    return new MailerError('DIRECTORY_THROTTLED', `The Google Admin SDK asked to slow down (${detail}).`, { retryAfterSeconds: retryAfterSeconds(failure, message), providerCode });
  }
  if (reasons.includes('accessNotConfigured') || reasons.includes('SERVICE_DISABLED')) {
    return new MailerError('DIRECTORY_API_DISABLED', `The Admin SDK API is not enabled for the Google Cloud project (${detail}).`, { providerCode });
  }
  if (status === 403 && (reasons.includes('notAuthorized') || reasons.includes('forbidden') || /not authorized/i.test(message))) {
    return new MailerError('DIRECTORY_NOT_ADMIN', `Google refused to list the directory: the account is not an administrator (${detail}).`, { providerCode });
  }
  if (status === 401) return new MailerError('DIRECTORY_REAUTH_REQUIRED', `Google did not accept the directory connection's token (${detail}).`, { providerCode });
  if (status === 403) return new MailerError('PROVIDER_FORBIDDEN_UNKNOWN', `The Google Admin SDK refused the request with HTTP 403 (${detail}).`, { providerCode });
  return new MailerError('PROVIDER_UNAVAILABLE', `The Google Admin SDK answered HTTP ${status} (${detail}).`, { retryAfterSeconds: retryAfterSeconds(failure, message), providerCode });
}
