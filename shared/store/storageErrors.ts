/**
 * Storage failures, classified once for every store adapter: an unreachable service, a timeout,
 * throttling (429/503 ServerBusy) or a 5xx becomes STORAGE_UNAVAILABLE (retryable); anything else
 * is a fault of ours or of the deployment (a missing role, a malformed request) and becomes
 * INTERNAL. Expected answers (404, 409, 412) are handled by each store before it calls this.
 *
 * Messages name the operation and the service's status/code only: never URLs (they may carry a
 * SAS), keys or entity contents.
 */
import { MailerError } from '../errors';

/** Socket-level codes seen from Node and the Azure SDK pipeline when the service cannot be reached. */
const UNREACHABLE_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
  REQUEST_SEND_ERROR: 'request not sent',
};

interface SdkErrorShape {
  name?: string;
  code?: string;
  statusCode?: number;
  details?: { errorCode?: string; odataError?: { code?: string } };
  cause?: unknown;
}

function shape(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
}

/** The HTTP status of a Storage SDK error (RestError.statusCode), when the service answered. */
export function storageStatus(error: unknown): number | undefined {
  return shape(error).statusCode;
}

/** The service's error code: queues/blobs put it in `code`/`details.errorCode`, tables in `details.odataError.code` (docs/providers.md). */
export function storageErrorCode(error: unknown): string | undefined {
  const e = shape(error);
  return e.details?.odataError?.code ?? e.details?.errorCode ?? e.code;
}

/** A short, safe reason ("connection refused", "HTTP 503 ServerBusy", "timed out"), or undefined when the error does not mean "unavailable". */
export function unavailableReason(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = shape(e).cause, depth++) {
    const { name, code, statusCode } = shape(e);
    if (name === 'AbortError' || name === 'TimeoutError') return 'timed out';
    if (code && UNREACHABLE_CODES[code]) return UNREACHABLE_CODES[code];
    if (statusCode !== undefined && (statusCode >= 500 || statusCode === 408 || statusCode === 429)) {
      const serviceCode = storageErrorCode(e);
      return `HTTP ${statusCode}${serviceCode && serviceCode !== String(statusCode) ? ` ${serviceCode}` : ''}`;
    }
  }
  return undefined;
}

/** Classifies a Storage failure of `operation` (e.g. "read sender acme") into a MailerError. */
export function storageFailure(error: unknown, operation: string): MailerError {
  if (error instanceof MailerError) return error;
  const reason = unavailableReason(error);
  if (reason) return new MailerError('STORAGE_UNAVAILABLE', `Azure Storage is unavailable (${operation}: ${reason}).`, { cause: error });
  const status = storageStatus(error);
  const code = storageErrorCode(error);
  const detail = [status && `HTTP ${status}`, code].filter(Boolean).join(' ') || (error instanceof Error ? error.name : 'unknown error');
  return new MailerError('INTERNAL', `Azure Storage refused ${operation} (${detail}).`, { cause: error, providerCode: code });
}
