/**
 * The error-code registry. Every failure is classified ONCE, near where it happens (a provider, a
 * store, the validator), into a `MailerError` with a stable code. Everything downstream (delivery
 * retries, sender status, HTTP answers) switches on `code`, never on message text.
 *
 * Messages and hints are written for an org admin; they never contain secrets, tokens or bodies.
 */

export type ErrorCategory = 'auth' | 'permission' | 'mailbox' | 'throttle' | 'transient' | 'input' | 'state';

interface CodeSpec {
  retryable: boolean;
  category: ErrorCategory;
  /** HTTP status when this error answers an API call directly. */
  status: number;
  hint: string;
}

const spec = (category: ErrorCategory, retryable: boolean, status: number, hint: string): CodeSpec => ({
  category,
  retryable,
  status,
  hint,
});

export const ERROR_CODES = {
  // Microsoft Entra ID (token endpoint)
  MS_SECRET_INVALID: spec(
    'auth',
    false,
    422,
    'Entra ID rejected the client secret (AADSTS7000215). This usually means the secret ID was pasted instead of the secret VALUE: in the app registration, under Certificates & secrets, copy the "Value" column of a new secret.',
  ),
  MS_SECRET_EXPIRED: spec(
    'auth',
    false,
    422,
    'The client secret has expired (AADSTS7000222). Create a new secret under Certificates & secrets in the app registration, then Reset the sender here and save the new value.',
  ),
  MS_SECRET_EXPIRING: spec(
    'auth',
    false,
    422,
    'The client secret expires soon (or already has): when it does, Entra ID refuses it and mail stops going out from this mailbox. In the app registration, under Certificates & secrets, create a new client secret, then Reset the sender here, save the new secret VALUE with its expiry date, and run Save and test.',
  ),
  MS_APP_NOT_IN_TENANT: spec(
    'auth',
    false,
    422,
    'The application is not known in this tenant (AADSTS700016): admin consent has not been granted there, or the client ID or tenant ID is wrong. Follow the consent link as a Global Administrator, or check both IDs.',
  ),
  MS_TENANT_NOT_FOUND: spec(
    'auth',
    false,
    422,
    'No Entra tenant has this ID (AADSTS90002). Copy the Directory (tenant) ID from the Overview page of the app registration.',
  ),
  MS_CONSENT_MISSING: spec(
    'permission',
    false,
    422,
    'The application has no Mail.Send permission in this tenant. In Entra ID, under API permissions, add Microsoft Graph > Application permissions > Mail.Send and click "Grant admin consent".',
  ),
  MS_MAILBOX_ACCESS_DENIED: spec(
    'permission',
    false,
    422,
    'Exchange Online refused access to this mailbox ("Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings"): an application access policy (New-ApplicationAccessPolicy) limits which mailboxes the app may use, and this mailbox is outside it. Add the mailbox to the mail-enabled security group the policy names; Test-ApplicationAccessPolicy shows the result. Changes can take up to an hour.',
  ),
  MS_RBAC_SCOPE_DENIED: spec(
    'permission',
    false,
    422,
    'Exchange Online refused this mailbox to the app, whose token carries no Mail.Send granted in Entra ID: the app may send only where Exchange RBAC for Applications gives it the "Application Mail.Send" role, and this mailbox is outside that role\'s management scope. Add the mailbox to the scope (or assign the role for it: New-ManagementRoleAssignment -App <app> -Role "Application Mail.Send" -CustomResourceScope <scope>); Test-ServicePrincipalAuthorization -Resource <mailbox> shows InScope. Changes can take up to two hours.',
  ),
  MS_MAILBOX_NOT_FOUND: spec(
    'mailbox',
    false,
    422,
    'Microsoft Graph does not know this mailbox. Check the sender email, or the mailbox object ID (Entra ID > Users > the user > Object ID), which must belong to the same tenant.',
  ),
  MS_MAILBOX_NOT_ENABLED: spec(
    'mailbox',
    false,
    422,
    'The mailbox exists but is not enabled for the REST API: it has no Exchange Online licence, is not provisioned yet, is soft-deleted, or is hosted on-premises. Assign an Exchange Online licence (or use a shared mailbox) and try again after provisioning.',
  ),
  MS_SEND_AS_DENIED: spec(
    'permission',
    false,
    422,
    'The signed-in account may not send as this mailbox. In the Exchange admin center, give the account "Send as" permission on the mailbox, or sign in as an account that has it.',
  ),
  MS_MESSAGE_TOO_LARGE: spec(
    'input',
    false,
    413,
    'Microsoft Graph refused the message as too large (about 4 MB per sendMail request, attachments included).',
  ),
  MS_MAILBOX_FULL: spec(
    'mailbox',
    false,
    422,
    'The sending mailbox is over its storage quota (ErrorQuotaExceeded). Free space or raise the quota.',
  ),
  MS_CONDITIONAL_ACCESS: spec(
    'auth',
    false,
    422,
    'A Conditional Access policy blocked the sign-in (AADSTS53003). Exclude the application or the sign-in from the policy.',
  ),
  MS_REAUTH_REQUIRED: spec(
    'auth',
    false,
    422,
    'The saved Microsoft sign-in is no longer valid (revoked, expired after 90 days of inactivity, or the password changed). Reset the sender and sign in again.',
  ),
  // Google
  GOOGLE_REAUTH_REQUIRED: spec(
    'auth',
    false,
    422,
    'Google no longer accepts the saved sign-in (invalid_grant): it was revoked or expired. Reset the sender and sign in again.',
  ),
  GOOGLE_SCOPE_MISSING: spec(
    'permission',
    false,
    422,
    'The Google sign-in did not grant the gmail.send permission. Sign in again and tick "Send email on your behalf".',
  ),
  GOOGLE_DELEGATION_NOT_AUTHORIZED: spec(
    'permission',
    false,
    422,
    'The service account is not authorized for domain-wide delegation of the gmail.send scope. In the Google Admin console, Security > API controls > Domain-wide delegation, add its client ID with the scope https://www.googleapis.com/auth/gmail.send.',
  ),
  GOOGLE_GMAIL_DISABLED: spec(
    'mailbox',
    false,
    422,
    'Gmail is not enabled for this user (failedPrecondition). Turn Gmail on for the user in the Google Admin console, or pick another sender.',
  ),
  GOOGLE_ALIAS_NOT_VERIFIED: spec(
    'mailbox',
    false,
    422,
    'This address is not a verified "Send mail as" alias of the Google account, and Gmail would silently replace it with the account\'s own address. Add and verify it in Gmail settings > Accounts > Send mail as.',
  ),
  GOOGLE_SENDING_LIMIT: spec(
    'throttle',
    true,
    429,
    'The Google account reached its sending limit (about 2,000 messages a day for Workspace). Messages are retried later.',
  ),
  // Sender domain checks (warnings only: they never block activation; the message names the exact record)
  DOMAIN_SPF_MISSING: spec(
    'state',
    false,
    422,
    "The sender domain publishes no SPF record, so receivers cannot tell that the mail provider may send for it. Add the TXT record named in the message at the domain's DNS host.",
  ),
  DOMAIN_SPF_INVALID: spec(
    'state',
    false,
    422,
    'The SPF record of the sender domain is broken (several v=spf1 records, or more than 10 DNS lookups): receivers treat it as a permanent error and SPF fails. Merge the records into one and remove includes you no longer use.',
  ),
  DOMAIN_SPF_PROVIDER_MISSING: spec(
    'state',
    false,
    422,
    "The SPF record of the sender domain does not authorise the mail provider, so its messages fail SPF. Add the provider's include to the existing record (do not add a second record).",
  ),
  DOMAIN_DKIM_MISSING: spec(
    'state',
    false,
    422,
    'The sender domain has no DKIM key for the mail provider, so messages are not signed with this domain and DMARC can rely on SPF alone. Publish the DKIM record named in the message and turn DKIM signing on at the provider.',
  ),
  DOMAIN_DMARC_MISSING: spec(
    'state',
    false,
    422,
    'The sender domain publishes no DMARC record; large mailbox providers expect one from senders. Add the _dmarc TXT record named in the message (p=none to start, then quarantine).',
  ),
  DOMAIN_DMARC_INVALID: spec(
    'state',
    false,
    422,
    'The DMARC record of the sender domain cannot be used (several records, or no valid p= policy), so receivers ignore it. Keep one _dmarc TXT record starting with v=DMARC1 and a p= tag.',
  ),
  DOMAIN_DMARC_NOT_ALIGNED: spec(
    'state',
    false,
    422,
    'DMARC cannot pass for this sender: neither SPF nor DKIM is set up for the mail provider on the sender domain. Fix the SPF and DKIM warnings.',
  ),
  DOMAIN_CHECK_UNAVAILABLE: spec(
    'transient',
    true,
    503,
    'The DNS records of the sender domain could not be checked (no answer in time, or the DNS server failed). This says nothing about the records; Test connection checks again.',
  ),
  // Generic
  PROVIDER_THROTTLED: spec('throttle', true, 429, 'The mail provider asked us to slow down. Messages are retried automatically.'),
  PROVIDER_UNAVAILABLE: spec(
    'transient',
    true,
    503,
    'The mail provider is unavailable or did not answer. Messages are retried automatically.',
  ),
  PROVIDER_TIMEOUT: spec(
    'transient',
    true,
    503,
    'The mail provider (or its sign-in service) did not answer within the deadline (PROVIDER_CALL_TIMEOUT_SECONDS). Messages are retried automatically.',
  ),
  PROVIDER_FORBIDDEN_UNKNOWN: spec(
    'state',
    false,
    422,
    "The mail provider refused the request (HTTP 403) for a reason org-mailer does not recognise; the provider's own code is in the message. The sender is left as it is: check the code in the provider's documentation, and contact support if it persists.",
  ),
  KEY_VAULT_ACCESS_DENIED: spec(
    'state',
    true,
    503,
    'Key Vault refused the function app\'s identity (HTTP 401/403): a deployment configuration fault (role assignment), not an outage. Give the app\'s managed identity (locally: the service principal) the "Key Vault Secrets Officer" role on the vault, as infra/main.bicep assigns it ("Key Vault Secrets User" only reads, and the app also writes org secrets), and check that the secret is enabled. Messages are retried automatically until it is fixed.',
  ),
  SECRET_STORE_UNAVAILABLE: spec('transient', true, 503, 'Key Vault is unavailable. Messages are retried automatically.'),
  SECRET_NOT_FOUND: spec(
    'state',
    false,
    404,
    'A secret this sender needs is missing from Key Vault (deleted, or never saved). Reset the sender and connect it again.',
  ),
  SECRET_NAME_DELETED: spec(
    'state',
    false,
    409,
    'Key Vault keeps a deleted secret name reserved until its retention period ends, so it cannot be written again. The secret generation must move forward (Reset the sender); never reuse a deleted name.',
  ),
  STORAGE_UNAVAILABLE: spec('transient', true, 503, 'Azure Storage is unavailable. Messages are retried automatically.'),
  INVALID_MESSAGE: spec('input', false, 422, 'The message was refused as invalid; see the message for the field.'),
  POISON: spec('input', false, 422, 'The message failed repeatedly or could not be read, and was set aside in the poison queue.'),
  // API input and state
  VALIDATION_FAILED: spec('input', false, 422, 'Some fields are missing or invalid; see "fields".'),
  BAD_REQUEST: spec('input', false, 400, 'The request could not be read.'),
  NOT_FOUND: spec('input', false, 404, 'Nothing exists at this address.'),
  SENDER_NOT_FOUND: spec('state', false, 404, 'This organization has no sender configured; it uses the default sender.'),
  SENDER_LOCKED: spec('state', false, 409, 'The sender configuration is locked after a successful test. Reset it to change it.'),
  CONCURRENT_UPDATE: spec('state', false, 409, 'Someone else changed this at the same moment. Reload it and try again.'),
  SENDER_EXISTS: spec(
    'state',
    false,
    409,
    'The organization already has a sender with this key. Pick another key, or change that sender with PUT.',
  ),
  TOO_MANY_SENDERS: spec('input', false, 422, 'An organization can have at most 20 senders. Delete one it no longer uses first.'),
  SENDER_IN_USE: spec(
    'state',
    false,
    409,
    'A routing rule sends messages to this sender. Change or remove that rule (PUT /routing) first, then delete the sender.',
  ),
  STATE_INVALID: spec('input', false, 400, 'The consent link is invalid, expired or already used. Start again from the settings page.'),
  CONSENT_DECLINED: spec(
    'auth',
    false,
    400,
    'Consent was declined, so nothing was saved. Start again and approve the requested permissions.',
  ),
  CONSENT_ID_TOKEN_INVALID: spec(
    'auth',
    false,
    400,
    'Microsoft did not give us a valid proof of who signed in, so the connection was not saved. Start again from the settings page and sign in with your work account; if it keeps failing, the platform operator should check the app registration.',
  ),
  CONSENT_NOT_ADMIN: spec(
    'permission',
    false,
    400,
    'Ask a Global Administrator or Privileged Role Administrator of your Microsoft 365 tenant to open the consent link and sign in: only they can grant Microsoft Graph application permissions for the whole organization (Application Administrator and Cloud Application Administrator cannot). If you are eligible for one of these roles in Privileged Identity Management, activate it first (Entra admin center > ID Governance > Privileged Identity Management > My roles > Activate), then start again.',
  ),
  CONSENT_PERMISSION_NOT_GRANTED: spec(
    'permission',
    false,
    400,
    "The consent answer came back, but the app's token in your tenant does not carry the permission the consent grants, so the consent did not happen (the consent page was skipped, or the permission was removed right after). Nothing was saved. A Global Administrator or Privileged Role Administrator must open the consent link and click Accept on the Microsoft page.",
  ),
  CONSENT_REPLICATION_TIMEOUT: spec(
    'transient',
    true,
    503,
    'Microsoft Entra ID accepted the consent, but after about two minutes the app was still not visible in your tenant (Entra copies a new service principal to its regions one by one, AADSTS700016 / AADSTS7000229 until then). Nothing was saved. Wait a few minutes and open the consent link again; accepting a second time is harmless.',
  ),
  CONSENT_TENANT_MISMATCH: spec(
    'auth',
    false,
    400,
    'The consent came back for a different Microsoft 365 tenant than the administrator who signed in belongs to, so nothing was saved. Start again from the settings page and approve in your own tenant.',
  ),
  CONSENT_BROWSER_MISMATCH: spec(
    'auth',
    false,
    403,
    'This consent was started in another browser, so nothing was saved. A consent link works only in the browser that opened it first: start again from the settings page in this browser, and do not forward consent links.',
  ),
  CONSENT_LINK_CLAIMED: spec(
    'state',
    false,
    409,
    'This consent link was already opened in another browser, so it cannot be used here. Ask for a new link from the settings page; consent links must not be forwarded.',
  ),
  CONSENT_FRAMED: spec('input', false, 400, 'Consent cannot run inside a frame. Open the link in its own browser tab.'),
  RETURN_URL_NOT_ALLOWED: spec('input', false, 400, 'The return URL is not in the allowed list (RETURN_URL_ALLOWLIST).'),
  PAYLOAD_TOO_LARGE: spec('input', false, 413, 'The request body is too large.'),
  UNAUTHORIZED: spec('auth', false, 401, 'A valid function key is required.'),
  ADMIN_LINK_INVALID: spec(
    'auth',
    false,
    401,
    'This settings link is invalid, has expired (links work for 60 minutes) or was revoked (a Reset revokes every link). Open the email settings again from the application to get a new link.',
  ),
  TEST_SEND_LIMIT: spec(
    'throttle',
    true,
    429,
    'Test sends are limited for each organization (by default 5 in 10 minutes), so that a settings link cannot be used to send mail in bulk. Wait until the time given in Retry-After has passed, then try again.',
  ),
  TEST_CONNECTION_LIMIT: spec(
    'throttle',
    true,
    429,
    'Connection tests are limited for each organization (by default 5 in 10 minutes), because each one asks Key Vault and the provider for a fresh credential. Wait until the time given in Retry-After has passed, then try again.',
  ),
  IDEMPOTENCY_CONFLICT: spec(
    'input',
    false,
    409,
    'A message with this id was already accepted with different content. Message ids are idempotency keys: send new content under a new id, or repeat the original content exactly.',
  ),
  DELIVERY_UNCERTAIN: spec(
    'state',
    false,
    409,
    'The mail provider accepted this message, but recording that failed, or a worker stopped between sending and recording; it may have been delivered. It is not sent again automatically, so that nobody gets it twice: check with the recipient, and send it again under a new id if it did not arrive.',
  ),
  INTERNAL: spec('transient', true, 500, 'An unexpected error occurred; it has been logged.'),
  // Directory connections (shared/directory/connections)
  DIRECTORY_CONNECTION_NOT_FOUND: spec(
    'state',
    false,
    404,
    'This organization has no directory connection with this id. List the connections (GET .../directory/connections) to see their ids.',
  ),
  DIRECTORY_INVALID_CONNECTION: spec(
    'input',
    false,
    422,
    'The connection is invalid: provider must be microsoft (modes delegated, application) or google (modes oauth, service_account), and the name 1 to 64 printable characters. See "fields".',
  ),
  DIRECTORY_MODE_UNAVAILABLE: spec(
    'input',
    false,
    422,
    'This kind of directory connection is not set up on this platform (the operator has not configured the directory app registration, MICROSOFT_DIRECTORY_CLIENT_ID). Use the delegated mode, or ask the platform operator.',
  ),
  TOO_MANY_DIRECTORY_CONNECTIONS: spec(
    'input',
    false,
    422,
    'An organization can have at most 10 directory connections. Delete one it no longer uses first.',
  ),
  DIRECTORY_CONSENT_DENIED: spec(
    'permission',
    false,
    400,
    'Reading the directory needs User.Read.All and Group.Read.All, which only an administrator can grant. Ask a Global Administrator (or Privileged Role Administrator) of your Microsoft 365 tenant to open the consent link and approve for the organization.',
  ),
  DIRECTORY_NOT_ADMIN: spec(
    'permission',
    false,
    422,
    'The Google account is not a Workspace administrator who may read users and groups (notAuthorized). Connect with a super administrator, or an admin whose role includes the Admin API privileges Users > Read and Groups > Read; for a service account, impersonate such an admin.',
  ),
  DIRECTORY_REAUTH_REQUIRED: spec(
    'auth',
    false,
    422,
    'The saved sign-in for the directory no longer works (revoked, expired, or the password changed: invalid_grant). Use "Reconnect" on the connection (POST .../consent-link) and sign in again as an administrator.',
  ),
  DIRECTORY_API_DISABLED: spec(
    'permission',
    false,
    422,
    'The Admin SDK API is not enabled in the Google Cloud project the directory calls go through (accessNotConfigured). For a service_account connection that is your own service account\'s project: in the Google Cloud console, APIs & Services > Library, enable "Admin SDK API", wait a few minutes, and try again. For an oauth connection it is the platform\'s own Google project, which only the platform operator can fix: tell them (infra/README.md, Google project for directory connections).',
  ),
  // Sending to a directory group (shared/delivery/groupFanout.ts)
  DIRECTORY_GROUP_NOT_FOUND: spec(
    'input',
    false,
    422,
    "No group with this id or mail is in the synced copy of the organization's directory (or in the named connection). Check the group id or mail (GET /api/orgs/{orgId}/directory/groups lists them), or sync the connection if the group was created recently.",
  ),
  DIRECTORY_GROUP_TOO_LARGE: spec(
    'input',
    false,
    422,
    'The group has more members than one message may be sent to (DIRECTORY_GROUP_MAX_RECIPIENTS, 1,000 by default), nested groups included. Send to smaller groups, or ask the operator to raise the setting.',
  ),
  DIRECTORY_TOO_MANY_GROUPS: spec(
    'input',
    false,
    422,
    'One message may name at most 20 different directory groups (the same group named again counts once). Send to fewer groups, or split the message.',
  ),
  DIRECTORY_GROUP_EMPTY: spec(
    'input',
    false,
    422,
    "After expanding the groups, no one is left to send to: every member is disabled or has no mail address. Check the group's members in the directory.",
  ),
  // Webhooks
  WEBHOOK_URL_REFUSED: spec(
    'input',
    false,
    422,
    'Webhook URLs must be https, without credentials, and resolve only to public addresses (not loopback, private, link-local or cloud metadata addresses). Use the public https address of your receiver.',
  ),
  WEBHOOK_EVENT_UNKNOWN: spec(
    'input',
    false,
    422,
    'An event type is not in the catalogue; see the `webhooks` section of /api/openapi.json for the types.',
  ),
  WEBHOOK_LIMIT_REACHED: spec(
    'input',
    false,
    422,
    'An organization (and the all-orgs scope) may have at most 20 webhook endpoints. Delete one first.',
  ),
  WEBHOOK_NOT_FOUND: spec('input', false, 404, "No webhook endpoint has this id in this scope (pass ?orgId= for an org's endpoint)."),
  WEBHOOK_EVENT_NOT_FOUND: spec('input', false, 404, "No event with this id was handed to webhooks for this endpoint's scope."),
  WEBHOOK_SIGNATURE_INVALID: spec(
    'auth',
    false,
    401,
    'The webhook signature did not verify: a wrong or rotated secret, a body changed in transit (verify the raw body, not re-serialized JSON), or a timestamp outside the tolerance (a replay or a skewed clock).',
  ),
  // Directory sync, reading and group sends (shared/directory/)
  DIRECTORY_THROTTLED: spec(
    'throttle',
    true,
    429,
    'The directory provider asked us to slow down (HTTP 429/503 with Retry-After) for longer than one sync waits. The sync stopped without losing its place and runs again at the next interval; Sync now later also works.',
  ),
  DIRECTORY_CONNECTION_NOT_READY: spec(
    'state',
    false,
    409,
    'This directory connection has not been connected yet: its consent link was not completed, so there is nothing to sync. Open the consent link (or create the connection again for a new one) as an administrator, then sync.',
  ),
  DIRECTORY_SYNC_RUNNING: spec(
    'state',
    false,
    409,
    'A sync of this directory connection is already running (one at a time across all instances). Wait for it to finish; its start time is in the answer.',
  ),
  INVALID_CURSOR: spec(
    'input',
    false,
    400,
    'The cursor was not handed out by this listing (or belongs to another search or organization). Start again without a cursor and use the nextCursor of each answer.',
  ),
} as const satisfies Record<string, CodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

export interface MailerErrorOptions {
  /** Overrides the registry hint (e.g. to name the mailbox). */
  hint?: string;
  /** Field-level validation errors, for 422 answers. */
  fields?: Record<string, string>;
  /** Seconds the caller should wait (provider Retry-After). */
  retryAfterSeconds?: number;
  /** Provider-side code, for logs and support (never a secret). */
  providerCode?: string;
  cause?: unknown;
}

/** The one error class. `message` is safe to show to an admin; it never carries secrets. */
export class MailerError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly category: ErrorCategory;
  readonly status: number;
  readonly hint: string;
  readonly fields?: Record<string, string>;
  readonly retryAfterSeconds?: number;
  readonly providerCode?: string;

  constructor(code: ErrorCode, message: string, options: MailerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const entry = ERROR_CODES[code];
    this.name = 'MailerError';
    this.code = code;
    this.retryable = entry.retryable;
    this.category = entry.category;
    this.status = entry.status;
    this.hint = options.hint ?? entry.hint;
    this.fields = options.fields;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.providerCode = options.providerCode;
  }

  /** The JSON error body of the HTTP API and of `lastError`. */
  toJSON(): { code: ErrorCode; message: string; hint: string; fields?: Record<string, string> } {
    return { code: this.code, message: this.message, hint: this.hint, ...(this.fields ? { fields: this.fields } : {}) };
  }
}

export function isMailerError(error: unknown): error is MailerError {
  return error instanceof MailerError;
}
