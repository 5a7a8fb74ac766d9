/**
 * Directory connections' failures on the Google side, classified once, as tables:
 * - token side: the Gmail-era classification (errors.ts reads Google's token endpoint) translated
 *   into directory codes, whose hints speak of the connection;
 * - Admin SDK answers: `error.errors[0].reason` (or an ErrorInfo `details` reason) of a Directory
 *   API 403: a non-admin account or subject is `forbidden` ("Not Authorized to access this
 *   resource/api"; `notAuthorized` is accepted too), a project without the Admin SDK API enabled is
 *   `accessNotConfigured` / SERVICE_DISABLED ("service not enabled":
 *   https://cloud.google.com/service-usage/docs/troubleshooting). docs/providers.md "Directory connections".
 * (The sync adds the rest of the Admin SDK answers here.)
 */
import { ERROR_CODES, ErrorCode, isMailerError, MailerError } from '../../errors';
import { classifyGoogleError, GoogleHttpFailure } from './errors';

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

function delegationHint(context: DirectoryErrorContext): string {
  const client = context.serviceAccountClientId ? `client ID ${context.serviceAccountClientId}` : "the service account's client ID";
  return `In the Google Admin console, Security > Access and data control > API controls > Manage Domain Wide Delegation, add ${client} with the scopes ${DIRECTORY_SCOPES.join(',')}.`;
}

function adminSdkReason(error: unknown): { reason: string; message: string } | undefined {
  const data = error instanceof GoogleHttpFailure ? error.data : (error as { response?: { data?: unknown } } | null)?.response?.data;
  const body = (typeof data === 'string' ? safeJson(data) : data) as { error?: { message?: string; errors?: Array<{ reason?: string }>; details?: Array<{ reason?: string }> } } | undefined;
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
    const message = code === 'DIRECTORY_NOT_ADMIN'
      ? `Google refused to list the directory for ${who}: not a Workspace administrator with read access to users and groups (${sdk.reason}).`
      : `Google refused the directory request: the Admin SDK API is not enabled in the Cloud project (${sdk.reason}).`;
    return new MailerError(code, message, { providerCode: sdk.reason });
  }
  const classified = classifyGoogleError(error, { mode: context.mode, senderEmail: context.account, serviceAccountClientId: context.serviceAccountClientId });
  if (classified.code === 'GOOGLE_DELEGATION_NOT_AUTHORIZED' || classified.code === 'GOOGLE_SCOPE_MISSING') {
    return new MailerError(classified.code, classified.message.replace(/gmail\.send|https:\/\/www\.googleapis\.com\/auth\/gmail\.send/g, 'the directory scopes'), {
      providerCode: classified.providerCode,
      hint: context.mode === 'service_account' ? delegationHint(context) : 'Sign in again and allow org-mailer to see the users and groups of your domain.',
    });
  }
  const code = DIRECTORY_TOKEN_CODES[classified.code];
  if (!code) return classified;
  return new MailerError(code, classified.message, { providerCode: classified.providerCode, hint: ERROR_CODES[code].hint });
}
