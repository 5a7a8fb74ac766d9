/**
 * The Microsoft classifier against the exact bodies of docs/providers.md, turned into errors the way
 * the real SDKs do it (the Graph client's own GraphErrorHandler; @azure/identity's message text).
 */
import { GraphErrorHandler } from '@microsoft/microsoft-graph-client/lib/src/GraphErrorHandler';
import { boundedCache } from '@shared/cache/bounded';
import { MailerError } from '@shared/errors';
import { createMessageIdRefusals, refusesMessageId } from '@shared/providers/microsoft/messageIdFallback';
import { classifyCredentialError, classifyGraphError, classifyTokenEndpointError } from '@shared/providers/microsoft/errors';
import { parseRetryAfter } from '@shared/providers/retryAfter';

const innerError = {
  date: '2026-11-22T04:30:00',
  'request-id': 'b1a8c9b4-0000-4000-8000-000000000001',
  'client-request-id': 'b1a8c9b4-0000-4000-8000-000000000002',
};

/** A GraphError exactly as @microsoft/microsoft-graph-client builds it from a Graph answer. */
async function graphError(status: number, code: string, message: string, headers: Record<string, string> = {}) {
  const body = { error: { code, message, innerError } };
  const raw = new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
  return GraphErrorHandler.getError(body, status, undefined, raw);
}

const entraDescription = (code: number, text: string) =>
  `AADSTS${code}: ${text}\r\nTrace ID: 0f8a0e3a-0000-4000-8000-000000000000\r\nCorrelation ID: 5b7c1d2e-0000-4000-8000-000000000000\r\nTimestamp: 2026-11-22 04:30:00Z`;

/** What @azure/identity throws: the whole description inside the message, no structured body. */
const credentialError = (code: number, text: string) =>
  Object.assign(new Error(`ClientSecretCredential authentication failed: ${entraDescription(code, text)}`), {
    name: 'AuthenticationRequiredError',
  });

describe('Entra ID errors from @azure/identity (AADSTS code read from the message)', () => {
  it.each([
    [
      7000215,
      "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '22222222-2222-4222-8222-222222222222'.",
      'MS_SECRET_INVALID',
    ],
    [
      7000222,
      "The provided client secret keys for app '22222222-2222-4222-8222-222222222222' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.",
      'MS_SECRET_EXPIRED',
    ],
    [
      700016,
      "Application with identifier '33333333-3333-4333-8333-333333333333' was not found in the directory '11111111-1111-4111-8111-111111111111'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
      'MS_APP_NOT_IN_TENANT',
    ],
    [7000229, 'The client application is missing service principal in the tenant.', 'MS_APP_NOT_IN_TENANT'],
    [
      90002,
      "Tenant '99999999-9999-4999-8999-999999999999' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.",
      'MS_TENANT_NOT_FOUND',
    ],
    [
      65001,
      "The user or administrator has not consented to use the application with ID '00000000-0000-4000-8000-0000000000aa' named 'org-mailer'.",
      'MS_CONSENT_MISSING',
    ],
    [53003, 'Access has been blocked by Conditional Access policies.', 'MS_CONDITIONAL_ACCESS'],
  ])('AADSTS%d -> %s', (code, text, expected) => {
    const error = classifyCredentialError(credentialError(code, text), { clientId: '22222222-2222-4222-8222-222222222222' });
    expect(error.code).toBe(expected);
    expect(error.providerCode).toBe(`AADSTS${code}`);
    expect(error.retryable).toBe(false);
    expect(error.hint.length).toBeGreaterThan(20);
    // Only the first line of the description: no trace/correlation noise in what admins read.
    expect(error.message).not.toMatch(/Trace ID|Correlation ID/);
  });

  it('MS_SECRET_INVALID says the secret ID was probably pasted instead of the value, naming the app', () => {
    const error = classifyCredentialError(credentialError(7000215, 'Invalid client secret provided.'), {
      clientId: '22222222-2222-4222-8222-222222222222',
    });
    expect(error.hint).toMatch(/secret ID was pasted instead of the secret VALUE/);
    expect(error.hint).toContain('22222222-2222-4222-8222-222222222222');
  });

  it('a refused federated credential (managed identity) gets a hint about the federated credential, not about secrets', () => {
    const error = classifyCredentialError(credentialError(70021, 'No matching federated identity record found for presented assertion.'));
    expect(error.code).toBe('MS_SECRET_INVALID');
    expect(error.hint).toMatch(/federated credential/);
    expect(error.hint).toMatch(/api:\/\/AzureADTokenExchange/);
  });

  it('an unreachable authority is PROVIDER_UNAVAILABLE (retryable), not an auth failure', () => {
    const error = classifyCredentialError(
      Object.assign(new Error('endpoints_resolution_error: Endpoints cannot be resolved'), { name: 'AuthenticationError' }),
    );
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.retryable).toBe(true);
  });
});

describe('token-endpoint bodies (our refresh-token and code requests)', () => {
  const body = (error: string, code: number, text: string, suberror?: string) => ({
    error,
    error_description: entraDescription(code, text),
    error_codes: [code],
    timestamp: '2026-11-22 04:30:00Z',
    trace_id: '0f8a0e3a-0000-4000-8000-000000000000',
    correlation_id: '5b7c1d2e-0000-4000-8000-000000000000',
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    ...(suberror ? { suberror } : {}),
  });

  it.each([
    [700082, 'The refresh token has expired due to inactivity.', undefined],
    [50173, 'The provided grant has expired due to it being revoked, a fresh auth token is needed.', 'bad_token'],
    [70008, 'The provided authorization code or refresh token has expired due to inactivity.', undefined],
    [54005, 'OAuth2 Authorization code was already redeemed.', undefined],
  ])('invalid_grant AADSTS%d -> MS_REAUTH_REQUIRED', (code, text, suberror) => {
    const error = classifyTokenEndpointError(400, body('invalid_grant', code, text, suberror));
    expect(error.code).toBe('MS_REAUTH_REQUIRED');
    expect(error.retryable).toBe(false);
  });

  it('65001 consent_required -> MS_CONSENT_MISSING', () => {
    expect(
      classifyTokenEndpointError(400, body('invalid_grant', 65001, 'The user or administrator has not consented.', 'consent_required'))
        .code,
    ).toBe('MS_CONSENT_MISSING');
  });

  it('an invalid_grant without a known code still means "sign in again"', () => {
    expect(classifyTokenEndpointError(400, { error: 'invalid_grant', error_description: 'Bad Request' }).code).toBe('MS_REAUTH_REQUIRED');
  });

  it('429 with Retry-After -> PROVIDER_THROTTLED with the delay; 503 -> PROVIDER_UNAVAILABLE', () => {
    const throttled = classifyTokenEndpointError(429, { error: 'temporarily_unavailable' }, {}, '7');
    expect(throttled.code).toBe('PROVIDER_THROTTLED');
    expect(throttled.retryAfterSeconds).toBe(7);
    expect(classifyTokenEndpointError(503, undefined).code).toBe('PROVIDER_UNAVAILABLE');
  });
});

describe('Microsoft Graph errors (GraphError as the Graph client builds it)', () => {
  const context = { mailbox: 'restricted@contoso.example', account: 'admin@contoso.example' };

  it('403 "Access to OData is disabled: [RAOP] ..." -> MS_MAILBOX_ACCESS_DENIED, hint names the mailbox and the application access policy', async () => {
    const error = classifyGraphError(
      await graphError(
        403,
        'ErrorAccessDenied',
        'Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.',
      ),
      context,
    );
    expect(error.code).toBe('MS_MAILBOX_ACCESS_DENIED');
    expect(error.hint).toContain('restricted@contoso.example');
    expect(error.hint).toMatch(/application access policy/);
    expect(error.hint).toMatch(/Test-ApplicationAccessPolicy/);
  });

  it('the same ErrorAccessDenied with "Access is denied. Check credentials" is a missing Mail.Send permission when the token had Entra\'s Mail.Send (or is delegated)', async () => {
    expect(
      classifyGraphError(await graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.'), context).code,
    ).toBe('MS_CONSENT_MISSING');
    expect(
      classifyGraphError(
        await graphError(403, 'NoPermissionsInAccessToken', 'The token contains no permissions, or permissions can not be understood.'),
        context,
      ).code,
    ).toBe('MS_CONSENT_MISSING');
  });

  it("for an app token WITHOUT Entra's Mail.Send it is a mailbox outside the Exchange RBAC for Applications scope: MS_RBAC_SCOPE_DENIED, hint names the mechanism and the mailbox", async () => {
    const error = classifyGraphError(await graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.'), {
      ...context,
      entraMailSend: false,
    });
    expect(error.code).toBe('MS_RBAC_SCOPE_DENIED');
    expect(error.hint).toMatch(/RBAC for Applications/);
    expect(error.hint).toMatch(/Test-ServicePrincipalAuthorization .*restricted@contoso\.example/);
    // The application access policy keeps its own code whatever the token says.
    expect(
      classifyGraphError(await graphError(403, 'ErrorAccessDenied', 'Access to OData is disabled.'), { ...context, entraMailSend: false })
        .code,
    ).toBe('MS_MAILBOX_ACCESS_DENIED');
  });

  it('403 ErrorSendAsDenied -> MS_SEND_AS_DENIED naming account and mailbox', async () => {
    const error = classifyGraphError(
      await graphError(
        403,
        'ErrorSendAsDenied',
        'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account., Cannot submit message.',
      ),
      { mailbox: 'privacy@contoso.example', account: 'notifications@contoso.example' },
    );
    expect(error.code).toBe('MS_SEND_AS_DENIED');
    expect(error.hint).toContain('notifications@contoso.example may not send as privacy@contoso.example');
  });

  it('404 ErrorInvalidUser and ResourceNotFound -> MS_MAILBOX_NOT_FOUND', async () => {
    const error = classifyGraphError(
      await graphError(404, 'ErrorInvalidUser', "The requested user 'c0000000-0000-4000-8000-00000000ffff' is invalid."),
      { mailbox: 'c0000000-0000-4000-8000-00000000ffff' },
    );
    expect(error.code).toBe('MS_MAILBOX_NOT_FOUND');
    expect(error.hint).toContain('c0000000-0000-4000-8000-00000000ffff');
    expect(classifyGraphError(await graphError(404, 'ResourceNotFound', 'Resource could not be discovered.')).code).toBe(
      'MS_MAILBOX_NOT_FOUND',
    );
  });

  it('MailboxNotEnabledForRESTAPI -> MS_MAILBOX_NOT_ENABLED (licence hint)', async () => {
    const error = classifyGraphError(
      await graphError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.'),
      { mailbox: 'unlicensed@contoso.example' },
    );
    expect(error.code).toBe('MS_MAILBOX_NOT_ENABLED');
    expect(error.hint).toMatch(/Exchange Online licence/);
  });

  it('size: 413 and ErrorMessageSizeExceeded -> MS_MESSAGE_TOO_LARGE; ErrorQuotaExceeded -> MS_MAILBOX_FULL', async () => {
    expect(classifyGraphError(await graphError(413, 'BadRequest', 'The maximum request length supported is 4MB.')).code).toBe(
      'MS_MESSAGE_TOO_LARGE',
    );
    expect(
      classifyGraphError(await graphError(400, 'ErrorMessageSizeExceeded', 'The message exceeds the maximum supported size.')).code,
    ).toBe('MS_MESSAGE_TOO_LARGE');
    expect(classifyGraphError(await graphError(403, 'ErrorQuotaExceeded', 'The process failed to get the correct properties.')).code).toBe(
      'MS_MAILBOX_FULL',
    );
  });

  it.each([
    ['ErrorInvalidRecipients', "At least one recipient isn't valid., A message can't be sent because it contains no recipients."],
    ['InvalidInternetMessageHeader', "The internet message header name 'In-Reply-To' should start with 'x-' or 'X-'."],
    ['RequestBodyRead', "The property 'foo' does not exist on type 'microsoft.graph.message'."],
  ])('400 %s -> INVALID_MESSAGE (never retried, never falls back)', async (code, message) => {
    const error = classifyGraphError(await graphError(400, code, message));
    expect(error.code).toBe('INVALID_MESSAGE');
    expect(error.category).toBe('input');
    expect(error.providerCode).toBe(code);
  });

  it('429 with fractional Retry-After -> PROVIDER_THROTTLED carrying the seconds', async () => {
    const error = classifyGraphError(await graphError(429, 'TooManyRequests', 'Please retry again later.', { 'Retry-After': '2.128' }));
    expect(error.code).toBe('PROVIDER_THROTTLED');
    expect(error.retryable).toBe(true);
    expect(error.retryAfterSeconds).toBeCloseTo(2.128);
    const concurrency = classifyGraphError(
      await graphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', { 'Retry-After': '1' }),
    );
    expect(concurrency.code).toBe('PROVIDER_THROTTLED');
    expect(concurrency.retryAfterSeconds).toBe(1);
  });

  it('5xx, 401 and network failures are PROVIDER_UNAVAILABLE (retryable)', async () => {
    expect(classifyGraphError(await graphError(503, 'ServiceNotAvailable', 'Service unavailable.')).code).toBe('PROVIDER_UNAVAILABLE');
    expect(
      classifyGraphError(await graphError(401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.')).code,
    ).toBe('PROVIDER_UNAVAILABLE');
    const network = await GraphErrorHandler.getError(new TypeError('fetch failed'));
    const error = classifyGraphError(network);
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.retryable).toBe(true);
  });
});

describe('Retry-After parsing', () => {
  it('reads whole and fractional seconds and HTTP dates, and ignores garbage', () => {
    expect(parseRetryAfter('2')).toBe(2);
    expect(parseRetryAfter('2.128')).toBeCloseTo(2.128);
    expect(parseRetryAfter('Sun, 22 Nov 2026 04:30:10 GMT', Date.parse('2026-11-22T04:30:00Z'))).toBe(10);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('internetMessageId fallback (messageIdFallback.ts)', () => {
  it('recognises a 400 naming the property, in either spelling, and nothing else', () => {
    const invalid = (message: string, providerCode = 'ErrorInvalidProperty') =>
      new MailerError('INVALID_MESSAGE', message, { providerCode });
    expect(refusesMessageId(invalid("The property 'InternetMessageId' can be set only on a draft message."))).toBe(true);
    expect(
      refusesMessageId(
        invalid("The internet message id 'x' is not in the format '<id@domain>' (RFC 2822).", 'ErrorInvalidInternetMessageId'),
      ),
    ).toBe(true);
    expect(
      refusesMessageId(invalid("The internet message header name 'a' should start with 'x-' or 'X-'.", 'InvalidInternetMessageHeader')),
    ).toBe(false);
    expect(refusesMessageId(new MailerError('PROVIDER_UNAVAILABLE', 'internetMessageId'))).toBe(false);
  });

  it('remembers tenants in a bounded cache (the least recently used goes first), never an absent tenant', () => {
    const refusals = createMessageIdRefusals(boundedCache({ max: 2, ttlMs: 60_000 }));
    refusals.remember(undefined);
    expect(refusals.refuses(undefined)).toBe(false);
    for (const tenant of ['t1', 't2', 't3']) refusals.remember(tenant);
    expect(['t1', 't2', 't3'].map((t) => refusals.refuses(t))).toEqual([false, true, true]);
  });
});
