/**
 * The single list of every setting the code reads (shared/ and dev/), in reading order: name,
 * what it controls, what a valid value looks like, default, and whether it is a secret or local-only.
 * `shared/config.ts` reads and validates them; `npm run docs` renders docs/reference/settings.md from
 * this list, and the sample settings and the Bicep are tested against it.
 */
export interface SettingSpec {
  /** The app-setting name. */
  name: string;
  /** What it controls, for the generated settings table (docs/reference/settings.md). */
  meaning: string;
  /** What a valid value looks like, for the error line. */
  expected: string;
  /** Default when absent; `undefined` with `optional: false` means required. */
  default?: string;
  optional?: boolean;
  /** A secret: in Azure this is a Key Vault reference, never a literal. */
  secret?: boolean;
  /** Local runs only; never set in Azure (infra/ neither computes it nor takes it as a parameter). */
  localOnly?: boolean;
}

/** Every setting the code reads (shared/ and dev/). Order is the order of docs/reference/settings.md. */
export const SETTINGS: readonly SettingSpec[] = Object.freeze([
  {
    name: 'AzureWebJobsStorage',
    meaning:
      'Storage for queues, tables and blobs, as a connection string (`UseDevelopmentStorage=true` for Azurite). In Azure use the identity-based settings below instead.',
    expected: 'a Storage connection string, or the identity-based AzureWebJobsStorage__* settings',
    optional: true,
    localOnly: true,
  },
  {
    name: 'AzureWebJobsStorage__blobServiceUri',
    meaning: 'Identity-based Storage: the blob service URL.',
    expected: 'the https URL of the blob service',
    optional: true,
  },
  {
    name: 'AzureWebJobsStorage__queueServiceUri',
    meaning: 'Identity-based Storage: the queue service URL.',
    expected: 'the https URL of the queue service',
    optional: true,
  },
  {
    name: 'AzureWebJobsStorage__tableServiceUri',
    meaning: 'Identity-based Storage: the table service URL.',
    expected: 'the https URL of the table service',
    optional: true,
  },
  {
    name: 'AzureWebJobsStorage__credential',
    meaning: '`managedidentity` for identity-based Storage (read by the Functions host).',
    expected: '"managedidentity"',
    optional: true,
  },
  {
    name: 'AzureWebJobsStorage__clientId',
    meaning: 'Client id of the user-assigned managed identity used for Storage.',
    expected: 'the client id of the user-assigned managed identity',
    optional: true,
  },
  {
    name: 'AZURE_CLIENT_ID',
    meaning: "The app's own identity for Key Vault (and Storage): the managed identity's client id in Azure, a service principal locally.",
    expected: 'the client id of the managed identity (Azure) or of a service principal (local)',
    optional: true,
  },
  {
    name: 'AZURE_TENANT_ID',
    meaning: 'Local runs only: tenant of that service principal.',
    expected: 'a tenant GUID (local service-principal runs only)',
    optional: true,
    localOnly: true,
  },
  {
    name: 'AZURE_CLIENT_SECRET',
    meaning: 'Local runs only: secret of that service principal.',
    expected: 'a client secret (local service-principal runs only)',
    optional: true,
    secret: true,
    localOnly: true,
  },
  {
    name: 'KEY_VAULT_URL',
    meaning: 'The Key Vault holding every org secret.',
    expected: 'the https URL of the Key Vault, e.g. https://kv-name.vault.azure.net',
  },
  {
    name: 'PUBLIC_BASE_URL',
    meaning: 'Public origin of the function app; OAuth redirect URIs are `${PUBLIC_BASE_URL}/api/oauth/{microsoft,google}/callback`.',
    expected: 'the public origin of the function app, e.g. https://func-name.azurewebsites.net',
  },
  {
    name: 'RETURN_URL_ALLOWLIST',
    meaning: 'Comma-separated origins that consent and admin links may return to (`PUBLIC_BASE_URL` is always allowed).',
    expected: 'comma-separated origins that consent and admin links may return to',
    optional: true,
  },
  {
    name: 'MICROSOFT_CLIENT_ID',
    meaning: "The platform's multi-tenant Entra app registration.",
    expected: 'the GUID of the platform multi-tenant app registration',
  },
  {
    name: 'MICROSOFT_CREDENTIAL',
    meaning: 'How that app authenticates: `secret`, or `managed-identity` (federated credential, no secret).',
    expected: '"secret" or "managed-identity"',
    default: 'secret',
  },
  {
    name: 'MICROSOFT_CLIENT_SECRET',
    meaning: "The platform app's client secret (a Key Vault reference in Azure); not used with `managed-identity`.",
    expected: 'the platform app client secret (required unless MICROSOFT_CREDENTIAL=managed-identity)',
    optional: true,
    secret: true,
  },
  {
    name: 'MICROSOFT_DIRECTORY_CLIENT_ID',
    meaning:
      'A SEPARATE platform app registration for directory reads, with the application permissions `User.Read.All` and `Group.Read.All` only (docs/directory.md). Unset: `application` directory connections answer `DIRECTORY_MODE_UNAVAILABLE`.',
    expected:
      'the GUID of the separate platform app registration for directory reads (application-mode directory connections); absent = that mode is unavailable',
    optional: true,
  },
  {
    name: 'MICROSOFT_DIRECTORY_CLIENT_SECRET',
    meaning: "That directory app's client secret (a Key Vault reference in Azure); both settings or neither.",
    expected: 'the client secret of that directory app registration',
    optional: true,
    secret: true,
  },
  { name: 'GOOGLE_CLIENT_ID', meaning: "The platform's Google OAuth web client.", expected: 'the platform Google OAuth web client id' },
  { name: 'GOOGLE_CLIENT_SECRET', meaning: 'Its secret.', expected: 'the platform Google OAuth client secret', secret: true },
  {
    name: 'STATE_SIGNING_KEY',
    meaning: 'At least 32 characters of key material signing OAuth state and admin links.',
    expected: 'at least 32 characters of random key material',
    secret: true,
  },
  {
    name: 'MICROSOFT_AUTHORITY_HOST',
    meaning: 'Entra ID login host.',
    expected: 'an https URL',
    default: 'https://login.microsoftonline.com',
  },
  { name: 'MICROSOFT_GRAPH_URL', meaning: 'Microsoft Graph.', expected: 'an https URL', default: 'https://graph.microsoft.com' },
  {
    name: 'GOOGLE_AUTH_URL',
    meaning: "Google's authorization endpoint.",
    expected: 'an https URL',
    default: 'https://accounts.google.com/o/oauth2/v2/auth',
    localOnly: true,
  },
  {
    name: 'GOOGLE_TOKEN_URL',
    meaning: "Google's token endpoint.",
    expected: 'an https URL',
    default: 'https://oauth2.googleapis.com/token',
    localOnly: true,
  },
  { name: 'GMAIL_API_URL', meaning: 'The Gmail API.', expected: 'an https URL', default: 'https://gmail.googleapis.com', localOnly: true },
  {
    name: 'GOOGLE_ADMIN_API_URL',
    meaning: 'The Google Admin SDK (Directory API) that directory connections read.',
    expected: 'an https URL',
    default: 'https://admin.googleapis.com',
    localOnly: true,
  },
  {
    name: 'SECRET_CACHE_TTL_SECONDS',
    meaning: 'How long secrets read from Key Vault stay cached in memory.',
    expected: 'a whole number of seconds from 1 to 86400',
    default: '300',
  },
  {
    name: 'MAILBOX_CONCURRENCY',
    meaning: 'Concurrent provider calls per sending mailbox, across all instances (Graph allows 4; permit leases, docs/delivery.md).',
    expected: 'a whole number from 1 to 16',
    default: '4',
  },
  {
    name: 'MICROSOFT_MAILBOX_RATE_PER_MINUTE',
    meaning: 'Messages per minute per Microsoft 365 mailbox (Exchange Online allows about 30).',
    expected: 'a whole number from 1 to 10000',
    default: '30',
  },
  {
    name: 'GOOGLE_MAILBOX_RATE_PER_MINUTE',
    meaning: 'Messages per minute per Google mailbox.',
    expected: 'a whole number from 1 to 10000',
    default: '60',
  },
  {
    name: 'DELIVERY_RETRY_BASE_SECONDS',
    meaning: 'First retry back-off of a transient failure; doubles per attempt.',
    expected: 'a whole number of seconds from 1 to 3600 (first retry back-off; doubles per attempt)',
    default: '30',
  },
  {
    name: 'TEST_SEND_LIMIT',
    meaning:
      "Save-and-test sends (`POST .../sender/test`, and the settings page's) allowed per org in any `TEST_SEND_WINDOW_SECONDS`, across instances; the next answers 429 `TEST_SEND_LIMIT` with `Retry-After`.",
    expected: 'a whole number from 1 to 1000 (test sends per organization per TEST_SEND_WINDOW_SECONDS)',
    default: '5',
  },
  {
    name: 'TEST_SEND_WINDOW_SECONDS',
    meaning: 'The sliding window of `TEST_SEND_LIMIT`, in seconds.',
    expected: 'a whole number of seconds from 1 to 86400',
    default: '600',
  },
  {
    name: 'TEST_CONNECTION_LIMIT',
    meaning:
      "Test connection calls (`POST .../sender/verify`, named senders and the settings page's included) allowed per org in any `TEST_CONNECTION_WINDOW_SECONDS`, across instances; each reads Key Vault and asks for a token, so the next answers 429 `TEST_CONNECTION_LIMIT` with `Retry-After`.",
    expected: 'a whole number from 1 to 1000 (connection tests per organization per TEST_CONNECTION_WINDOW_SECONDS)',
    default: '5',
  },
  {
    name: 'TEST_CONNECTION_WINDOW_SECONDS',
    meaning: 'The sliding window of `TEST_CONNECTION_LIMIT`, in seconds.',
    expected: 'a whole number of seconds from 1 to 86400',
    default: '600',
  },
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING',
    meaning: 'Application Insights (set by `infra/`); metrics are exported only when it is set (docs/operations.md, "Telemetry").',
    expected: 'the Application Insights connection string (set by infra/); metrics are exported only when it is set',
    optional: true,
  },
  {
    name: 'MICROSOFT_CLIENT_SECRET_EXPIRES_ON',
    meaning:
      "ISO date the platform app's client secret expires: feeds the `mailer.platform_secret.days_left` metric, its alert and the operator summary.",
    expected: 'the ISO date the platform app client secret expires, e.g. 2027-06-30 (feeds the expiry metric and alert)',
    optional: true,
  },
  {
    name: 'PROVIDER_CALL_TIMEOUT_SECONDS',
    meaning:
      'Deadline of every single outbound call (Entra ID and Google token endpoints, Graph, Gmail, Key Vault, managed identity), 1 to 60. A call past it is `PROVIDER_TIMEOUT` and retried; the claim lease is derived from it.',
    expected: 'a whole number of seconds from 1 to 60 (deadline of each call to Entra ID, Graph, Google, Gmail and Key Vault)',
    default: '30',
  },
  {
    name: 'LOCAL_FUNCTION_KEY',
    meaning: 'Local runs only: the key the local host demands for function-level routes (header `x-functions-key` or query `code`).',
    expected: 'the function key the local host demands',
    optional: true,
    localOnly: true,
  },
  {
    name: 'WEBHOOK_TIMEOUT_SECONDS',
    meaning: 'Deadline of one webhook POST (connect, answer and body).',
    expected: 'a whole number of seconds from 1 to 60 (deadline of one webhook POST)',
    default: '10',
  },
  {
    name: 'WEBHOOK_RETRY_BASE_SECONDS',
    meaning: 'First back-off of a failed webhook delivery; doubles per try (at most 2 h, with jitter), for up to 24 h.',
    expected: 'a whole number of seconds from 1 to 3600 (first webhook retry back-off; doubles per attempt)',
    default: '30',
  },
  {
    name: 'WEBHOOK_ALLOW_PRIVATE_TARGETS',
    meaning:
      '`true` lets webhook URLs resolve to loopback, private and link-local addresses (tests, private networks). Off, they are refused (SSRF).',
    expected: '"true" or "false" (webhook URLs may resolve to loopback, private or link-local addresses)',
    default: 'false',
  },
  {
    name: 'WEBHOOK_ALLOW_HTTP_LOCALHOST',
    meaning: 'Local runs only: `true` allows plain `http://localhost` webhook URLs.',
    expected: '"true" or "false" (local runs: plain http to localhost webhook URLs)',
    default: 'false',
    localOnly: true,
  },
  {
    name: 'DNS_SERVERS',
    meaning:
      'DNS servers for the sender-domain checks (SPF, DKIM, DMARC), comma-separated `ip` or `ip:port`. `npm start` and the tests point it at the sandbox DNS server.',
    expected: 'comma-separated DNS servers as ip or ip:port (e.g. 10.0.0.4,10.0.0.5:53); absent = the system resolvers',
    optional: true,
  },
  {
    name: 'DNS_CHECK_TIMEOUT_SECONDS',
    meaning: 'Deadline of one sender-domain check (each lookup: 2 s, 2 tries, within it); later reads "could not check".',
    expected: 'a whole number of seconds from 1 to 60 (deadline of one sender-domain check)',
    default: '5',
  },
  {
    name: 'SENDER_KEEPALIVE_IDLE_DAYS',
    meaning:
      'The daily health run refreshes the sign-in of every active delegated Microsoft and Google OAuth sender unused this long, so inactivity never expires it (1-80).',
    expected: 'a whole number of days from 1 to 80 (refresh a sign-in unused this long)',
    default: '14',
  },
  {
    name: 'DIRECTORY_SYNC_INTERVAL_HOURS',
    meaning:
      'How often each active directory connection is synced (1-168): a timer every 15 minutes syncs those whose last sync is older. `POST .../connections/{id}/sync` syncs at once.',
    expected: 'a whole number of hours from 1 to 168 (sync each active directory connection this often)',
    default: '6',
  },
  {
    name: 'DIRECTORY_SYNC_BUDGET_SECONDS',
    meaning:
      "How long one queue invocation of a directory sync reads pages before it saves its place and hands on to a new queue message, so a large tenant never runs into the host's function timeout.",
    expected:
      'a whole number of seconds from 10 to 240 (one queue invocation of a directory sync reads pages this long, then hands on to a new message; under host.json functionTimeout of 5 minutes)',
    default: '120',
  },
  {
    name: 'DIRECTORY_GROUP_MAX_RECIPIENTS',
    meaning:
      'The most members a message to directory groups may reach: a group with more users (nested groups included), or groups and addresses adding up to more distinct recipients, is refused with `DIRECTORY_GROUP_TOO_LARGE` (1-10000).',
    expected: 'a whole number from 1 to 10000 (members a message to a directory group may reach, nested groups included)',
    default: '1000',
  },
] as const);
