import { MailerError } from '@shared/errors';
import { classifyGoogleError, GoogleHttpFailure, isGmailAuthError, type GoogleErrorContext } from '@shared/providers/google/errors';

const DAY = 24 * 3600 * 1000;
const oauth: GoogleErrorContext = { mode: 'oauth', senderEmail: 'alerts@fabrikam.example' };
const serviceAccount: GoogleErrorContext = {
  mode: 'service_account',
  senderEmail: 'alerts@fabrikam.example',
  serviceAccountClientId: '104118754880926455301',
};

const tokenError = (status: number, error: string, description: string, headers: Record<string, string> = {}) =>
  new GoogleHttpFailure(status, { error, error_description: description }, headers);
const gmailError = (status: number, reason: string, message: string, headers: Record<string, string> = {}) =>
  new GoogleHttpFailure(
    status,
    { error: { code: status, message, errors: [{ message, domain: 'global', reason }], status: 'X' } },
    headers,
  );

describe('classifyGoogleError: token endpoint', () => {
  const googleNow = Date.parse('2026-11-22T12:00:00Z');
  const dated = { date: new Date(googleNow).toUTCString() };

  it("invalid_grant on an 8-day-old refresh token explains Testing-status 7-day tokens, measured on Google's clock", () => {
    const error = classifyGoogleError(tokenError(400, 'invalid_grant', 'Token has been expired or revoked.', dated), {
      ...oauth,
      refreshTokenIssuedAt: new Date(googleNow - 8 * DAY).toISOString(),
    });
    expect(error.code).toBe('GOOGLE_REAUTH_REQUIRED');
    expect(error.retryable).toBe(false);
    expect(error.hint).toMatch(/Testing/);
    expect(error.hint).toMatch(/7 days/);
  });

  it('invalid_grant on a young token (revoked) gives the plain re-auth hint', () => {
    const error = classifyGoogleError(tokenError(400, 'invalid_grant', 'Token has been expired or revoked.', dated), {
      ...oauth,
      refreshTokenIssuedAt: new Date(googleNow - 2 * 3600 * 1000).toISOString(),
    });
    expect(error.code).toBe('GOOGLE_REAUTH_REQUIRED');
    expect(error.hint).not.toMatch(/Testing/);
  });

  it('unauthorized_client of a service account names the client id and the exact scope to delegate', () => {
    const error = classifyGoogleError(
      tokenError(
        401,
        'unauthorized_client',
        'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
      ),
      serviceAccount,
    );
    expect(error.code).toBe('GOOGLE_DELEGATION_NOT_AUTHORIZED');
    expect(error.hint).toContain('104118754880926455301');
    expect(error.hint).toContain('https://www.googleapis.com/auth/gmail.send');
  });

  it('a service account asked to act as an unknown user is a sender problem, not a re-auth', () => {
    const error = classifyGoogleError(tokenError(400, 'invalid_grant', 'Invalid email or User ID'), serviceAccount);
    expect(error.code).toBe('GOOGLE_DELEGATION_NOT_AUTHORIZED');
    expect(error.message).toContain('alerts@fabrikam.example');
  });

  it("a wrong platform client is an operator fault (500), not the org admin's", () => {
    const error = classifyGoogleError(tokenError(401, 'invalid_client', 'The OAuth client was not found.'), oauth);
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toContain('GOOGLE_CLIENT_SECRET');
  });

  it('token endpoint 503 and 429 are transient', () => {
    expect(classifyGoogleError(tokenError(503, 'server_error', 'x'), oauth).code).toBe('PROVIDER_UNAVAILABLE');
    const throttled = classifyGoogleError(tokenError(429, 'temporarily_unavailable', 'x', { 'retry-after': '3' }), oauth);
    expect(throttled.code).toBe('PROVIDER_THROTTLED');
    expect(throttled.retryAfterSeconds).toBe(3);
  });
});

describe('classifyGoogleError: Gmail API', () => {
  it('maps reasons to registry codes', () => {
    expect(
      classifyGoogleError(gmailError(403, 'insufficientPermissions', 'Request had insufficient authentication scopes.'), oauth).code,
    ).toBe('GOOGLE_SCOPE_MISSING');
    expect(classifyGoogleError(gmailError(400, 'failedPrecondition', 'Precondition check failed.'), oauth).code).toBe(
      'GOOGLE_GMAIL_DISABLED',
    );
    expect(classifyGoogleError(gmailError(400, 'invalidArgument', 'Invalid To header'), oauth)).toMatchObject({
      code: 'INVALID_MESSAGE',
      retryable: false,
    });
    expect(classifyGoogleError(gmailError(401, 'authError', 'Request had invalid authentication credentials.'), oauth).code).toBe(
      'GOOGLE_REAUTH_REQUIRED',
    );
  });

  it('daily and per-user sending limits are GOOGLE_SENDING_LIMIT (retryable)', () => {
    for (const reason of ['dailyLimitExceeded', 'userRateLimitExceeded']) {
      const error = classifyGoogleError(gmailError(403, reason, 'Daily Limit Exceeded'), oauth);
      expect(error).toMatchObject({ code: 'GOOGLE_SENDING_LIMIT', retryable: true });
    }
  });

  it('reads "Retry after <time>" from a sending-limit 429, relative to Google\'s Date header', () => {
    const now = Date.parse('2026-11-22T12:57:00Z');
    const error = classifyGoogleError(
      gmailError(429, 'rateLimitExceeded', 'User-rate limit exceeded.  Retry after 2026-11-22T12:57:51.196Z', {
        date: new Date(now).toUTCString(),
      }),
      oauth,
    );
    expect(error.code).toBe('GOOGLE_SENDING_LIMIT');
    expect(error.retryAfterSeconds).toBe(52);
  });

  it('429 rateLimitExceeded is PROVIDER_THROTTLED with Retry-After', () => {
    const error = classifyGoogleError(
      gmailError(429, 'rateLimitExceeded', 'Resource has been exhausted (e.g. check quota).', { 'Retry-After': '7' }),
      oauth,
    );
    expect(error).toMatchObject({ code: 'PROVIDER_THROTTLED', retryable: true, retryAfterSeconds: 7 });
  });

  it('5xx and no answer at all are PROVIDER_UNAVAILABLE', () => {
    expect(classifyGoogleError(gmailError(503, 'backendError', 'The service is currently unavailable.'), oauth).code).toBe(
      'PROVIDER_UNAVAILABLE',
    );
    expect(classifyGoogleError(new GoogleHttpFailure(undefined, undefined), oauth).code).toBe('PROVIDER_UNAVAILABLE');
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(classifyGoogleError(reset, oauth).code).toBe('PROVIDER_UNAVAILABLE');
  });

  it('passes a MailerError through and tells a Gmail 401 from a token-endpoint 401', () => {
    const original = new MailerError('SECRET_STORE_UNAVAILABLE', 'vault down');
    expect(classifyGoogleError(original, oauth)).toBe(original);
    expect(isGmailAuthError(gmailError(401, 'authError', 'x'))).toBe(true);
    expect(isGmailAuthError(tokenError(401, 'unauthorized_client', 'x'))).toBe(false);
  });
});
