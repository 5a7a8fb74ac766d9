/**
 * The single list of every setting the code reads (shared/ and dev/), in the README's order: name,
 * what a valid value looks like, default, and whether it is a secret or local-only. `shared/config.ts`
 * reads and validates them; the README, the sample settings and the Bicep are tested against this list.
 */
export interface SettingSpec {
  /** The app-setting name. */
  name: string;
  /** What a valid value looks like, for the error line. */
  expected: string;
  /** Default when absent; `undefined` with `optional: false` means required. */
  default?: string;
  optional?: boolean;
  /** A secret: in Azure this is a Key Vault reference, never a literal. */
  secret?: boolean;
  /** Local runs only; never set in Azure. */
  localOnly?: boolean;
}

/** Every setting the code reads (shared/ and dev/). Order is the README's order. */
export const SETTINGS: readonly SettingSpec[] = Object.freeze([
  { name: 'AzureWebJobsStorage', expected: 'a Storage connection string, or the identity-based AzureWebJobsStorage__* settings', optional: true },
  { name: 'AzureWebJobsStorage__blobServiceUri', expected: 'the https URL of the blob service', optional: true },
  { name: 'AzureWebJobsStorage__queueServiceUri', expected: 'the https URL of the queue service', optional: true },
  { name: 'AzureWebJobsStorage__tableServiceUri', expected: 'the https URL of the table service', optional: true },
  { name: 'AzureWebJobsStorage__credential', expected: '"managedidentity"', optional: true },
  { name: 'AzureWebJobsStorage__clientId', expected: 'the client id of the user-assigned managed identity', optional: true },
  { name: 'AZURE_CLIENT_ID', expected: 'the client id of the managed identity (Azure) or of a service principal (local)', optional: true },
  { name: 'AZURE_TENANT_ID', expected: 'a tenant GUID (local service-principal runs only)', optional: true, localOnly: true },
  { name: 'AZURE_CLIENT_SECRET', expected: 'a client secret (local service-principal runs only)', optional: true, secret: true, localOnly: true },
  { name: 'KEY_VAULT_URL', expected: 'the https URL of the Key Vault, e.g. https://kv-name.vault.azure.net' },
  { name: 'PUBLIC_BASE_URL', expected: 'the public origin of the function app, e.g. https://func-name.azurewebsites.net' },
  { name: 'RETURN_URL_ALLOWLIST', expected: 'comma-separated origins that consent and admin links may return to', optional: true },
  { name: 'MICROSOFT_CLIENT_ID', expected: 'the GUID of the platform multi-tenant app registration' },
  { name: 'MICROSOFT_CREDENTIAL', expected: '"secret" or "managed-identity"', default: 'secret' },
  { name: 'MICROSOFT_CLIENT_SECRET', expected: 'the platform app client secret (required unless MICROSOFT_CREDENTIAL=managed-identity)', optional: true, secret: true },
  { name: 'MICROSOFT_DIRECTORY_CLIENT_ID', expected: 'the GUID of the separate platform app registration for directory reads (application-mode directory connections); absent = that mode is unavailable', optional: true },
  { name: 'MICROSOFT_DIRECTORY_CLIENT_SECRET', expected: 'the client secret of that directory app registration', optional: true, secret: true },
  { name: 'GOOGLE_CLIENT_ID', expected: 'the platform Google OAuth web client id' },
  { name: 'GOOGLE_CLIENT_SECRET', expected: 'the platform Google OAuth client secret', secret: true },
  { name: 'STATE_SIGNING_KEY', expected: 'at least 32 characters of random key material', secret: true },
  { name: 'MICROSOFT_AUTHORITY_HOST', expected: 'an https URL', default: 'https://login.microsoftonline.com' },
  { name: 'MICROSOFT_GRAPH_URL', expected: 'an https URL', default: 'https://graph.microsoft.com' },
  { name: 'GOOGLE_AUTH_URL', expected: 'an https URL', default: 'https://accounts.google.com/o/oauth2/v2/auth' },
  { name: 'GOOGLE_TOKEN_URL', expected: 'an https URL', default: 'https://oauth2.googleapis.com/token' },
  { name: 'GMAIL_API_URL', expected: 'an https URL', default: 'https://gmail.googleapis.com' },
  { name: 'GOOGLE_ADMIN_API_URL', expected: 'an https URL', default: 'https://admin.googleapis.com' },
  { name: 'SECRET_CACHE_TTL_SECONDS', expected: 'a whole number of seconds from 1 to 86400', default: '300' },
  { name: 'MAILBOX_CONCURRENCY', expected: 'a whole number from 1 to 16', default: '4' },
  { name: 'MICROSOFT_MAILBOX_RATE_PER_MINUTE', expected: 'a whole number from 1 to 10000', default: '30' },
  { name: 'GOOGLE_MAILBOX_RATE_PER_MINUTE', expected: 'a whole number from 1 to 10000', default: '60' },
  { name: 'DELIVERY_RETRY_BASE_SECONDS', expected: 'a whole number of seconds from 1 to 3600 (first retry back-off; doubles per attempt)', default: '30' },
  { name: 'TEST_SEND_LIMIT', expected: 'a whole number from 1 to 1000 (test sends per organization per TEST_SEND_WINDOW_SECONDS)', default: '5' },
  { name: 'TEST_SEND_WINDOW_SECONDS', expected: 'a whole number of seconds from 1 to 86400', default: '600' },
  { name: 'TEST_CONNECTION_LIMIT', expected: 'a whole number from 1 to 1000 (connection tests per organization per TEST_CONNECTION_WINDOW_SECONDS)', default: '5' },
  { name: 'TEST_CONNECTION_WINDOW_SECONDS', expected: 'a whole number of seconds from 1 to 86400', default: '600' },
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', expected: 'the Application Insights connection string (set by infra/); metrics are exported only when it is set', optional: true },
  { name: 'MICROSOFT_CLIENT_SECRET_EXPIRES_ON', expected: 'the ISO date the platform app client secret expires, e.g. 2027-06-30 (feeds the expiry metric and alert)', optional: true },
  { name: 'PROVIDER_CALL_TIMEOUT_SECONDS', expected: 'a whole number of seconds from 1 to 60 (deadline of each call to Entra ID, Graph, Google, Gmail and Key Vault)', default: '30' },
  { name: 'LOCAL_FUNCTION_KEY', expected: 'the function key the local host demands', optional: true, localOnly: true },
  { name: 'WEBHOOK_TIMEOUT_SECONDS', expected: 'a whole number of seconds from 1 to 60 (deadline of one webhook POST)', default: '10' },
  { name: 'WEBHOOK_RETRY_BASE_SECONDS', expected: 'a whole number of seconds from 1 to 3600 (first webhook retry back-off; doubles per attempt)', default: '30' },
  { name: 'WEBHOOK_ALLOW_PRIVATE_TARGETS', expected: '"true" or "false" (webhook URLs may resolve to loopback, private or link-local addresses)', default: 'false' },
  { name: 'WEBHOOK_ALLOW_HTTP_LOCALHOST', expected: '"true" or "false" (local runs: plain http to localhost webhook URLs)', default: 'false', localOnly: true },
  { name: 'DNS_SERVERS', expected: 'comma-separated DNS servers as ip or ip:port (e.g. 10.0.0.4,10.0.0.5:53); absent = the system resolvers', optional: true },
  { name: 'DNS_CHECK_TIMEOUT_SECONDS', expected: 'a whole number of seconds from 1 to 60 (deadline of one sender-domain check)', default: '5' },
  { name: 'SENDER_KEEPALIVE_IDLE_DAYS', expected: 'a whole number of days from 1 to 80 (refresh a sign-in unused this long)', default: '14' },
  { name: 'DIRECTORY_SYNC_INTERVAL_HOURS', expected: 'a whole number of hours from 1 to 168 (sync each active directory connection this often)', default: '6' },
  { name: 'DIRECTORY_GROUP_MAX_RECIPIENTS', expected: 'a whole number from 1 to 10000 (members a message to a directory group may reach, nested groups included)', default: '1000' },
] as const);
