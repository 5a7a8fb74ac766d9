/**
 * Every Entra ID and Microsoft Graph failure is classified HERE, once, into a stable code of the error registry
 * (shared/errors.ts). Callers (send, verify, consent) pass what they were doing (`mailbox`, `account`) so hints can
 * name the mailbox an admin has to fix.
 *
 * Three shapes arrive:
 * - @azure/identity errors: no structured body worth trusting, the AADSTS number is in the message
 *   (docs/providers.md), so it is read with /AADSTS(\d+)/.
 * - Token-endpoint JSON from our own refresh / code exchange: `{error, error_description, error_codes}`
 *   (docs/providers.md "Entra ID").
 * - `GraphError` from @microsoft/microsoft-graph-client: `statusCode`, `code`, `message`, `headers`
 *   (docs/providers.md "Microsoft Graph"). A network failure arrives as a GraphError with statusCode -1.
 */
import { ErrorCode, MailerError, isMailerError } from '../../errors';
import { parseRetryAfter } from '../retryAfter';

export interface MicrosoftErrorContext {
  /** The mailbox the call was about (sender address or object id). */
  mailbox?: string;
  /** The signed-in account (delegated mode), for send-as hints. */
  account?: string;
  /** The app whose credential was used, for hints about secrets. */
  clientId?: string;
  /** The credential is the platform's federated credential (managed identity), not a secret. */
  federated?: boolean;
  /**
   * App-only calls: did the token carry Mail.Send in `roles` (granted in Entra ID)? `false` means any
   * sending right comes from Exchange RBAC for Applications, so a refusal is about its scope.
   */
  entraMailSend?: boolean;
}

/** A token-endpoint error body as Entra sends it. */
export interface EntraErrorBody {
  error?: string;
  error_description?: string;
  error_codes?: number[];
  suberror?: string;
}

const AADSTS_CODES: Record<number, ErrorCode> = {
  7000215: 'MS_SECRET_INVALID', // invalid client secret (often the secret ID pasted as the value)
  7000222: 'MS_SECRET_EXPIRED',
  700016: 'MS_APP_NOT_IN_TENANT', // app not found in the directory: no consent / wrong tenant
  7000229: 'MS_APP_NOT_IN_TENANT', // app has no service principal in the tenant
  7000112: 'MS_APP_NOT_IN_TENANT', // application is disabled
  90002: 'MS_TENANT_NOT_FOUND',
  90013: 'MS_TENANT_NOT_FOUND', // invalid input received from the user (malformed tenant)
  900023: 'MS_TENANT_NOT_FOUND', // specified tenant identifier is neither a valid DNS name nor a GUID
  65001: 'MS_CONSENT_MISSING',
  53003: 'MS_CONDITIONAL_ACCESS',
  // Refresh token / code no longer usable: a person has to sign in again.
  700082: 'MS_REAUTH_REQUIRED', // expired after 90 days of inactivity
  50173: 'MS_REAUTH_REQUIRED', // grant revoked (password change)
  70008: 'MS_REAUTH_REQUIRED', // code or refresh token expired
  54005: 'MS_REAUTH_REQUIRED', // code already redeemed
  70000: 'MS_REAUTH_REQUIRED', // invalid grant
  70043: 'MS_REAUTH_REQUIRED', // sign-in frequency (Conditional Access) ended the session
  50076: 'MS_REAUTH_REQUIRED', // MFA required
  50079: 'MS_REAUTH_REQUIRED', // MFA registration required
  // The platform's federated credential (managed identity as client assertion) was refused.
  70021: 'MS_SECRET_INVALID',
  700024: 'MS_SECRET_INVALID',
  700027: 'MS_SECRET_INVALID',
  700211: 'MS_SECRET_INVALID',
  700213: 'MS_SECRET_INVALID',
};

const FEDERATED_CODES = new Set([70021, 700024, 700027, 700211, 700213]);

const FEDERATED_HINT =
  "Entra ID refused the platform's federated credential (the managed identity used as client assertion). " +
  'On the platform app registration, under Certificates & secrets > Federated credentials, check issuer ' +
  "(https://login.microsoftonline.com/<tenant>/v2.0), subject (the managed identity's object id) and audience api://AzureADTokenExchange.";

/** The first line of an AADSTS description: drops the Trace ID / Correlation ID / Timestamp lines. */
function firstLine(text: string): string {
  return text.split(/\r?\n/)[0].trim().slice(0, 400);
}

function aadstsCode(text: string | undefined): number | undefined {
  const match = text ? /AADSTS(\d+)/.exec(text) : null;
  return match ? Number(match[1]) : undefined;
}

function hintFor(code: ErrorCode, aadsts: number | undefined, context: MicrosoftErrorContext): string | undefined {
  if (aadsts !== undefined && FEDERATED_CODES.has(aadsts)) return FEDERATED_HINT;
  switch (code) {
    case 'MS_MAILBOX_ACCESS_DENIED':
      return context.mailbox
        ? `Exchange Online refused access to ${context.mailbox} ("[RAOP] Blocked by tenant configured AppOnly AccessPolicy settings"): ` +
            `an application access policy (New-ApplicationAccessPolicy) limits which mailboxes the app may use, and ${context.mailbox} is ` +
            "outside it. Add it to the policy's mail-enabled security group; Test-ApplicationAccessPolicy -Identity " +
            `${context.mailbox} -AppId <app> shows the result. Changes can take up to an hour.`
        : undefined;
    case 'MS_RBAC_SCOPE_DENIED':
      return context.mailbox
        ? `The app's token carries no Mail.Send granted in Entra ID, so it may send only where Exchange RBAC for Applications assigns it ` +
            `the "Application Mail.Send" role, and ${context.mailbox} is outside that role's management scope. Add ${context.mailbox} to the scope ` +
            `(Test-ServicePrincipalAuthorization -Identity <app> -Resource ${context.mailbox} shows InScope), or grant Mail.Send in Entra ID ` +
            '(admin consent). Changes can take up to two hours.'
        : undefined;
    case 'MS_MAILBOX_NOT_FOUND':
      return context.mailbox
        ? `Microsoft Graph does not know the mailbox ${context.mailbox} in this tenant. Check the sender email, or the mailbox ` +
            'object ID (Entra ID > Users > the user > Object ID), which must belong to the same tenant as the app.'
        : undefined;
    case 'MS_MAILBOX_NOT_ENABLED':
      return context.mailbox
        ? `The mailbox ${context.mailbox} exists but is not enabled for the REST API: it has no Exchange Online licence, is not ` +
            'provisioned yet, is soft-deleted, or is hosted on-premises. Assign an Exchange Online licence (or use a shared mailbox) ' +
            'and try again after provisioning.'
        : undefined;
    case 'MS_SEND_AS_DENIED':
      return context.mailbox
        ? `${context.account ?? 'The signed-in account'} may not send as ${context.mailbox}. In the Exchange admin center, open ` +
            `${context.mailbox} > Delegation and add the account under "Send as" (changes can take up to an hour), or sign in as an account that has it.`
        : undefined;
    case 'MS_SECRET_INVALID':
      return context.clientId
        ? `Entra ID rejected the client secret of app ${context.clientId} (AADSTS7000215). This usually means the secret ID was ` +
            'pasted instead of the secret VALUE: in the app registration, under Certificates & secrets, create a new secret and copy ' +
            'its "Value" column, then Reset the sender here and save it.'
        : undefined;
    default:
      return undefined;
  }
}

function fromAadsts(aadsts: number, description: string, context: MicrosoftErrorContext, cause: unknown): MailerError | undefined {
  const code = AADSTS_CODES[aadsts];
  if (!code) return undefined;
  return new MailerError(code, `Entra ID refused the token request: ${firstLine(description)}`, {
    hint: hintFor(code, aadsts, context),
    providerCode: `AADSTS${aadsts}`,
    cause,
  });
}

/** A token-endpoint error body (our own refresh-token and authorization-code requests). */
export function classifyTokenEndpointError(
  status: number,
  body: EntraErrorBody | undefined,
  context: MicrosoftErrorContext = {},
  retryAfter?: string | null,
): MailerError {
  const description = body?.error_description ?? body?.error ?? `HTTP ${status}`;
  const aadsts = body?.error_codes?.[0] ?? aadstsCode(description);
  if (aadsts !== undefined) {
    const known = fromAadsts(aadsts, description, context, undefined);
    if (known) return known;
  }
  if (status === 429) {
    return new MailerError('PROVIDER_THROTTLED', 'Entra ID asked us to slow down (HTTP 429).', {
      retryAfterSeconds: parseRetryAfter(retryAfter),
      providerCode: body?.error,
    });
  }
  if (status >= 500 || status === 0) {
    return new MailerError('PROVIDER_UNAVAILABLE', `Entra ID token endpoint answered HTTP ${status}.`, {
      retryAfterSeconds: parseRetryAfter(retryAfter),
      providerCode: body?.error,
    });
  }
  if (body?.error === 'invalid_grant') {
    return new MailerError('MS_REAUTH_REQUIRED', `Entra ID no longer accepts the saved sign-in: ${firstLine(description)}`, {
      providerCode: aadsts === undefined ? 'invalid_grant' : `AADSTS${aadsts}`,
    });
  }
  if (body?.error === 'invalid_client') {
    return new MailerError('MS_SECRET_INVALID', `Entra ID refused the client credentials: ${firstLine(description)}`, {
      hint: context.federated ? FEDERATED_HINT : hintFor('MS_SECRET_INVALID', undefined, context),
      providerCode: 'invalid_client',
    });
  }
  return new MailerError('PROVIDER_UNAVAILABLE', `Entra ID refused the token request: ${firstLine(description)}`, {
    providerCode: body?.error,
  });
}

/**
 * Why Entra refused to redeem an authorization code, in words for the person at the callback. Every
 * `invalid_grant` of a code redemption is about the code and the consent link it came back with, never
 * about a saved sign-in (there is none yet): AADSTS501481 / AADSTS50148 the PKCE verifier does not match
 * (a code from a sign-in this link did not start, e.g. injected), AADSTS54005 already redeemed,
 * AADSTS70008 expired, AADSTS9002313 / AADSTS700005 not a code of this app or tenant
 * (https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
 */
const CODE_REFUSALS: Readonly<Record<string, string>> = {
  AADSTS501481: 'it was issued to a sign-in that this consent link did not start (the PKCE proof does not match)',
  AADSTS50148: 'it was issued to a sign-in that this consent link did not start (the PKCE proof does not match)',
  AADSTS54005: 'it was already used',
  AADSTS70008: 'it expired',
};

/** A refused code redemption (consent callback): STATE_INVALID, "start again", not "Reset and sign in again". */
export function classifyCodeRedemptionError(error: MailerError): MailerError {
  if (error.code !== 'MS_REAUTH_REQUIRED') return error;
  const why = CODE_REFUSALS[error.providerCode ?? ''] ?? 'Entra ID does not accept it for this consent link';
  return new MailerError('STATE_INVALID', `The sign-in answer cannot be used: ${why}. Nothing was saved.`, {
    providerCode: error.providerCode,
  });
}

/** Errors thrown by @azure/identity credentials (ClientSecretCredential, ClientAssertionCredential). */
export function classifyCredentialError(error: unknown, context: MicrosoftErrorContext = {}): MailerError {
  if (isMailerError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const aadsts = aadstsCode(message);
  if (aadsts !== undefined) {
    const start = message.indexOf(`AADSTS${aadsts}`);
    const known = fromAadsts(aadsts, message.slice(start), context, error);
    if (known) return known;
  }
  const status = (error as { statusCode?: number } | null)?.statusCode;
  if (status === 429) {
    return new MailerError('PROVIDER_THROTTLED', 'Entra ID asked us to slow down (HTTP 429).', { cause: error });
  }
  return new MailerError(
    'PROVIDER_UNAVAILABLE',
    `Could not get a token from Entra ID${aadsts ? ` (AADSTS${aadsts})` : ''}: ${firstLine(message)}`,
    { cause: error, providerCode: aadsts ? `AADSTS${aadsts}` : (error as Error | undefined)?.name },
  );
}

/**
 * Graph's 403 codes for a token without the permission the call needs
 * (https://learn.microsoft.com/graph/errors#code-property, https://learn.microsoft.com/graph/resolve-auth-errors#403-forbidden-error).
 */
const CONSENT_MISSING_CODES: ReadonlySet<string> = new Set([
  'ErrorAccessDenied',
  'NoPermissionsInAccessToken',
  'Authorization_RequestDenied',
  'AccessDenied',
]);

/** The parts of a GraphError (from @microsoft/microsoft-graph-client) this classifier reads. */
export interface GraphErrorLike {
  statusCode?: number;
  code?: string | null;
  message?: string;
  headers?: { get(name: string): string | null } | Record<string, string>;
}

function header(headers: GraphErrorLike['headers'], name: string): string | null {
  if (!headers) return null;
  if (typeof (headers as { get?: unknown }).get === 'function') return (headers as { get(n: string): string | null }).get(name);
  const record = headers as Record<string, string>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  return key ? record[key] : null;
}

const TRANSIENT_CODES = new Set(['ErrorServerBusy', 'ErrorMailboxStoreUnavailable', 'ErrorTimeoutExpired', 'ServiceNotAvailable']);

const INPUT_CODES = new Set([
  'ErrorInvalidRecipients',
  'InvalidInternetMessageHeader',
  'RequestBodyRead',
  'ErrorInvalidRequest',
  'ErrorInvalidArgument',
  'ErrorMimeContentInvalidBase64String',
  'ErrorInvalidIdMalformed',
  'BadRequest',
]);

/** Errors from Microsoft Graph calls (sendMail and the verify probes). */
export function classifyGraphError(error: unknown, context: MicrosoftErrorContext = {}): MailerError {
  if (isMailerError(error)) return error;
  const graph = (error ?? {}) as GraphErrorLike;
  const status = typeof graph.statusCode === 'number' ? graph.statusCode : -1;
  const code = graph.code ?? '';
  const text = graph.message ?? '';
  const retryAfterSeconds = parseRetryAfter(header(graph.headers, 'retry-after'));
  const mailbox = context.mailbox ? ` for ${context.mailbox}` : '';
  const detail = `${text}${code ? ` (${code})` : ''}`.trim();
  const make = (errorCode: ErrorCode, message: string) =>
    new MailerError(errorCode, message, {
      hint: hintFor(errorCode, undefined, context),
      providerCode: code || (status > 0 ? `HTTP ${status}` : undefined),
      retryAfterSeconds,
      cause: error,
    });

  if (status === 429) return make('PROVIDER_THROTTLED', `Microsoft Graph throttled the request${mailbox}: ${detail}`);
  if (code === 'MailboxNotEnabledForRESTAPI' || code === 'MailboxNotSupportedForRESTAPI') {
    return make('MS_MAILBOX_NOT_ENABLED', `The mailbox is not enabled for the REST API${mailbox}: ${detail}`);
  }
  if (code === 'ErrorSendAsDenied') return make('MS_SEND_AS_DENIED', `Send as refused${mailbox}: ${detail}`);
  if (code === 'ErrorQuotaExceeded') return make('MS_MAILBOX_FULL', `The mailbox is full${mailbox}: ${detail}`);
  // Exchange's own submission limits (about 30 messages/minute, 10,000 recipients/day per mailbox).
  if (code === 'ErrorSubmissionQuotaExceeded')
    return make('PROVIDER_THROTTLED', `Exchange Online sending limit reached${mailbox}: ${detail}`);
  if (TRANSIENT_CODES.has(code)) return make('PROVIDER_UNAVAILABLE', `Microsoft Graph is busy${mailbox}: ${detail}`);
  if (status === 413 || code === 'ErrorMessageSizeExceeded' || /maximum request length/i.test(text)) {
    return make('MS_MESSAGE_TOO_LARGE', `The message is too large for Microsoft Graph: ${detail}`);
  }
  if (status === 403) {
    // The same code, ErrorAccessDenied, means three different fixes. An application access policy says so
    // in its text ("Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy
    // settings.", https://learn.microsoft.com/graph/auth-limit-mailbox-access). Exchange RBAC for Applications
    // documents no text of its own for a mailbox outside its scope; what reaches us is a plain access denied
    // for a token without Entra's Mail.Send, so the token tells it apart from missing consent.
    if (/OData is disabled/i.test(text)) return make('MS_MAILBOX_ACCESS_DENIED', `Access to the mailbox was refused${mailbox}: ${detail}`);
    if (context.entraMailSend === false && CONSENT_MISSING_CODES.has(code)) {
      return make(
        'MS_RBAC_SCOPE_DENIED',
        `Exchange Online refused the mailbox${mailbox} to this app, which has no Mail.Send in Entra ID and no RBAC for Applications role covering it: ${detail}`,
      );
    }
    if (CONSENT_MISSING_CODES.has(code)) {
      return make(
        'MS_CONSENT_MISSING',
        `Microsoft Graph refused the request${mailbox}: the token carries no Mail.Send permission. ${detail}`,
      );
    }
    // Any other 403 is not known to need an admin's fix: it must not mark a working sender broken.
    return make(
      'PROVIDER_FORBIDDEN_UNKNOWN',
      `Microsoft Graph refused the request${mailbox} with HTTP 403 ${code || 'and no error code'}: ${text || 'no message'}`,
    );
  }
  if (status === 404 || code === 'ErrorInvalidUser' || code === 'ResourceNotFound' || code === 'Request_ResourceNotFound') {
    return make('MS_MAILBOX_NOT_FOUND', `The mailbox was not found${mailbox}: ${detail}`);
  }
  if (status === 401) {
    // A token we just obtained was refused (expired, revoked by continuous access evaluation): the
    // provider drops its cached token, and a retry gets a fresh one.
    return make('PROVIDER_UNAVAILABLE', `Microsoft Graph did not accept the access token: ${detail}`);
  }
  if (status >= 500 || status <= 0) {
    return make('PROVIDER_UNAVAILABLE', `Microsoft Graph is unavailable${status > 0 ? ` (HTTP ${status})` : ''}: ${detail || 'no answer'}`);
  }
  if (INPUT_CODES.has(code) || (status >= 400 && status < 500)) {
    return make('INVALID_MESSAGE', `Microsoft Graph refused the message: ${detail}`);
  }
  return make('PROVIDER_UNAVAILABLE', `Unexpected answer from Microsoft Graph (HTTP ${status}): ${detail}`);
}
