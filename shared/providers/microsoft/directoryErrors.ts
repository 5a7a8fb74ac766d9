/**
 * Directory connections' failures on the Microsoft side, classified once. The token side reuses the
 * sender classification (errors.ts reads Entra's answers) and translates its codes through ONE table
 * into the directory codes, whose hints speak of the connection, not of a sender. (Graph answer
 * classification for directory reads is added here by the sync.)
 */
import { ERROR_CODES, ErrorCode, MailerError } from '../../errors';

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
  return new MailerError(code, error.message, { hint: ERROR_CODES[code].hint, providerCode: error.providerCode, retryAfterSeconds: error.retryAfterSeconds });
}
