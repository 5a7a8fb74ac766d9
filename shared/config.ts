/**
 * Settings, read once from the environment (app settings in Azure, local.settings.json locally),
 * validated, and frozen. A missing or malformed setting stops start-up with ONE line that names it
 * and says what is expected: operators read that line in the Functions log, nothing else.
 *
 * `SETTINGS` is the single list of every setting the code reads; the infra test holds it against
 * the app settings that infra/ sets, so the two cannot drift.
 */

export class ConfigError extends Error {
  constructor(readonly setting: string, expected: string, found?: string) {
    super(`Setting ${setting} ${found === undefined ? 'is missing' : `is malformed (${found})`}: expected ${expected}.`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

interface SettingSpec {
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

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
  { name: 'GOOGLE_CLIENT_ID', expected: 'the platform Google OAuth web client id' },
  { name: 'GOOGLE_CLIENT_SECRET', expected: 'the platform Google OAuth client secret', secret: true },
  { name: 'STATE_SIGNING_KEY', expected: 'at least 32 characters of random key material', secret: true },
  { name: 'MICROSOFT_AUTHORITY_HOST', expected: 'an https URL', default: 'https://login.microsoftonline.com' },
  { name: 'MICROSOFT_GRAPH_URL', expected: 'an https URL', default: 'https://graph.microsoft.com' },
  { name: 'GOOGLE_AUTH_URL', expected: 'an https URL', default: 'https://accounts.google.com/o/oauth2/v2/auth' },
  { name: 'GOOGLE_TOKEN_URL', expected: 'an https URL', default: 'https://oauth2.googleapis.com/token' },
  { name: 'GMAIL_API_URL', expected: 'an https URL', default: 'https://gmail.googleapis.com' },
  { name: 'SECRET_CACHE_TTL_SECONDS', expected: 'a whole number of seconds from 1 to 86400', default: '300' },
  { name: 'MAILBOX_CONCURRENCY', expected: 'a whole number from 1 to 16', default: '4' },
  { name: 'MICROSOFT_MAILBOX_RATE_PER_MINUTE', expected: 'a whole number from 1 to 10000', default: '30' },
  { name: 'GOOGLE_MAILBOX_RATE_PER_MINUTE', expected: 'a whole number from 1 to 10000', default: '60' },
  { name: 'DELIVERY_RETRY_BASE_SECONDS', expected: 'a whole number of seconds from 1 to 3600 (first retry back-off; doubles per attempt)', default: '30' },
  { name: 'TEST_SEND_LIMIT', expected: 'a whole number from 1 to 1000 (test sends per organization per TEST_SEND_WINDOW_SECONDS)', default: '5' },
  { name: 'TEST_SEND_WINDOW_SECONDS', expected: 'a whole number of seconds from 1 to 86400', default: '600' },
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
] as const);

export type StorageConfig =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; blobServiceUri: string; queueServiceUri: string; tableServiceUri: string; clientId?: string };

/** Credentials the app itself uses for Key Vault (and identity-based Storage). */
export type AzureIdentityConfig =
  | { kind: 'servicePrincipal'; tenantId: string; clientId: string; clientSecret: string }
  | { kind: 'managedIdentity'; clientId?: string };

export interface Config {
  storage: StorageConfig;
  azureIdentity: AzureIdentityConfig;
  keyVaultUrl: string;
  publicBaseUrl: string;
  returnUrlAllowlist: readonly string[];
  microsoft: {
    clientId: string;
    credential: 'secret' | 'managed-identity';
    clientSecret?: string;
    authorityHost: string;
    graphUrl: string;
  };
  google: { clientId: string; clientSecret: string; authUrl: string; tokenUrl: string; gmailApiUrl: string };
  stateSigningKey: string;
  secretCacheTtlMs: number;
  mailboxConcurrency: number;
  mailboxRatePerMinute: { microsoft: number; google: number };
  /** First back-off step of delivery retries without Retry-After (doubles per attempt). */
  retryBaseMs: number;
  /** Save-and-test sends allowed per org within a sliding window (across instances). */
  testSendLimit: { count: number; windowMs: number };
  /** Application Insights, when metrics are exported (shared/telemetry/setup.ts). */
  telemetryConnectionString?: string;
  /** When the platform app's client secret expires (epoch ms), if the operator recorded it. */
  platformSecretExpiresAt?: number;
  /** Webhook dispatch: POST deadline, first retry back-off, and the SSRF / plain-http exceptions. */
  webhooks: { timeoutMs: number; retryBaseMs: number; allowPrivateTargets: boolean; allowHttpLocalhost: boolean };
  /** Deadline of every single outbound call (token endpoints, Graph, Gmail, Key Vault); see shared/delivery/timing.ts. */
  providerCallTimeoutMs: number;
  /** Sender-domain checks: DNS servers (`ip` or `ip:port`; empty = the system's) and the deadline of one check. */
  dns: { servers: readonly string[]; checkTimeoutMs: number };
  /** The daily health run refreshes delegated/OAuth sign-ins unused for this long. */
  keepAliveIdleMs: number;
}

function read(env: Env, name: string): string | undefined {
  const spec = SETTINGS.find((s) => s.name === name);
  if (!spec) throw new Error(`internal: setting ${name} is not declared in SETTINGS`);
  const raw = env[name]?.trim();
  // App Service leaves a Key Vault reference it cannot resolve in place as the literal text, so an
  // unreadable STATE_SIGNING_KEY would otherwise become a publicly known key.
  // https://learn.microsoft.com/azure/app-service/app-service-key-vault-references#troubleshooting-key-vault-references
  if (raw?.startsWith('@Microsoft.KeyVault(')) {
    throw new ConfigError(name, 'the secret value: the app identity needs read access to the vault and the secret must exist', 'an unresolved Key Vault reference');
  }
  if (raw) return raw;
  if (spec.default !== undefined) return spec.default;
  if (spec.optional) return undefined;
  throw new ConfigError(name, spec.expected);
}

function required(env: Env, name: string): string {
  const value = read(env, name);
  if (value === undefined) throw new ConfigError(name, SETTINGS.find((s) => s.name === name)!.expected);
  return value;
}

function url(env: Env, name: string, protocols: string[] = ['https:']): string {
  const value = required(env, name);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(name, `an absolute ${protocols.join(' or ')} URL`, 'not a URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `an absolute ${protocols.join(' or ')} URL`, `protocol ${parsed.protocol}`);
  }
  return value.replace(/\/+$/, '');
}

function integer(env: Env, name: string, min: number, max: number): number {
  const value = required(env, name);
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(name, SETTINGS.find((s) => s.name === name)!.expected, JSON.stringify(value));
  }
  return n;
}

function date(env: Env, name: string): number | undefined {
  const value = read(env, name);
  if (value === undefined) return undefined;
  const at = /^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(at)) throw new ConfigError(name, 'an ISO date like 2027-06-30', JSON.stringify(value));
  return at;
}

function flag(env: Env, name: string): boolean {
  const value = required(env, name).toLowerCase();
  if (value !== 'true' && value !== 'false') throw new ConfigError(name, '"true" or "false"', JSON.stringify(value));
  return value === 'true';
}

function guid(env: Env, name: string): string {
  const value = required(env, name);
  if (!GUID.test(value)) throw new ConfigError(name, 'a GUID like 00000000-0000-0000-0000-000000000000', 'not a GUID');
  return value;
}

function storage(env: Env): StorageConfig {
  const connectionString = read(env, 'AzureWebJobsStorage');
  if (connectionString) return { kind: 'connectionString', connectionString };
  const blob = env['AzureWebJobsStorage__blobServiceUri'];
  const queue = env['AzureWebJobsStorage__queueServiceUri'];
  const table = env['AzureWebJobsStorage__tableServiceUri'];
  if (!blob && !queue && !table) {
    throw new ConfigError('AzureWebJobsStorage', SETTINGS[0].expected);
  }
  return {
    kind: 'identity',
    blobServiceUri: url(env, 'AzureWebJobsStorage__blobServiceUri'),
    queueServiceUri: url(env, 'AzureWebJobsStorage__queueServiceUri'),
    tableServiceUri: url(env, 'AzureWebJobsStorage__tableServiceUri'),
    clientId: read(env, 'AzureWebJobsStorage__clientId'),
  };
}

function azureIdentity(env: Env): AzureIdentityConfig {
  const clientSecret = read(env, 'AZURE_CLIENT_SECRET');
  if (clientSecret) {
    return { kind: 'servicePrincipal', tenantId: guid(env, 'AZURE_TENANT_ID'), clientId: guid(env, 'AZURE_CLIENT_ID'), clientSecret };
  }
  return { kind: 'managedIdentity', clientId: read(env, 'AZURE_CLIENT_ID') };
}

function origins(list: string, setting: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      try {
        return new URL(s).origin;
      } catch {
        throw new ConfigError(setting, 'comma-separated origins like https://app.example.com', JSON.stringify(s));
      }
    });
}

/** Reads and validates every setting. Throws ConfigError naming the first bad one. */
export function loadConfig(env: Env = process.env): Readonly<Config> {
  const credential = required(env, 'MICROSOFT_CREDENTIAL');
  if (credential !== 'secret' && credential !== 'managed-identity') {
    throw new ConfigError('MICROSOFT_CREDENTIAL', '"secret" or "managed-identity"', JSON.stringify(credential));
  }
  const microsoftClientSecret = read(env, 'MICROSOFT_CLIENT_SECRET');
  if (credential === 'secret' && !microsoftClientSecret) {
    throw new ConfigError('MICROSOFT_CLIENT_SECRET', 'the platform app client secret (or set MICROSOFT_CREDENTIAL=managed-identity)');
  }
  const stateSigningKey = required(env, 'STATE_SIGNING_KEY');
  if (stateSigningKey.length < 32) {
    throw new ConfigError('STATE_SIGNING_KEY', 'at least 32 characters of random key material', `${stateSigningKey.length} characters`);
  }
  const publicBaseUrl = url(env, 'PUBLIC_BASE_URL', ['https:', 'http:']);
  const allowlist = read(env, 'RETURN_URL_ALLOWLIST');
  const config: Config = {
    storage: storage(env),
    azureIdentity: azureIdentity(env),
    keyVaultUrl: url(env, 'KEY_VAULT_URL'),
    publicBaseUrl,
    returnUrlAllowlist: Object.freeze(
      Array.from(new Set([new URL(publicBaseUrl).origin, ...(allowlist ? origins(allowlist, 'RETURN_URL_ALLOWLIST') : [])])),
    ),
    microsoft: Object.freeze({
      clientId: guid(env, 'MICROSOFT_CLIENT_ID'),
      credential,
      clientSecret: microsoftClientSecret,
      authorityHost: url(env, 'MICROSOFT_AUTHORITY_HOST'),
      graphUrl: url(env, 'MICROSOFT_GRAPH_URL'),
    }),
    google: Object.freeze({
      clientId: required(env, 'GOOGLE_CLIENT_ID'),
      clientSecret: required(env, 'GOOGLE_CLIENT_SECRET'),
      authUrl: url(env, 'GOOGLE_AUTH_URL'),
      tokenUrl: url(env, 'GOOGLE_TOKEN_URL'),
      gmailApiUrl: url(env, 'GMAIL_API_URL'),
    }),
    stateSigningKey,
    secretCacheTtlMs: integer(env, 'SECRET_CACHE_TTL_SECONDS', 1, 86400) * 1000,
    mailboxConcurrency: integer(env, 'MAILBOX_CONCURRENCY', 1, 16),
    mailboxRatePerMinute: Object.freeze({
      microsoft: integer(env, 'MICROSOFT_MAILBOX_RATE_PER_MINUTE', 1, 10000),
      google: integer(env, 'GOOGLE_MAILBOX_RATE_PER_MINUTE', 1, 10000),
    }),
    retryBaseMs: integer(env, 'DELIVERY_RETRY_BASE_SECONDS', 1, 3600) * 1000,
    testSendLimit: Object.freeze({
      count: integer(env, 'TEST_SEND_LIMIT', 1, 1000),
      windowMs: integer(env, 'TEST_SEND_WINDOW_SECONDS', 1, 86400) * 1000,
    }),
    telemetryConnectionString: read(env, 'APPLICATIONINSIGHTS_CONNECTION_STRING'),
    platformSecretExpiresAt: date(env, 'MICROSOFT_CLIENT_SECRET_EXPIRES_ON'),
    webhooks: Object.freeze({
      timeoutMs: integer(env, 'WEBHOOK_TIMEOUT_SECONDS', 1, 60) * 1000,
      retryBaseMs: integer(env, 'WEBHOOK_RETRY_BASE_SECONDS', 1, 3600) * 1000,
      allowPrivateTargets: flag(env, 'WEBHOOK_ALLOW_PRIVATE_TARGETS'),
      allowHttpLocalhost: flag(env, 'WEBHOOK_ALLOW_HTTP_LOCALHOST'),
    }),
    providerCallTimeoutMs: integer(env, 'PROVIDER_CALL_TIMEOUT_SECONDS', 1, 60) * 1000,
    dns: Object.freeze({ servers: Object.freeze(dnsServers(env)), checkTimeoutMs: integer(env, 'DNS_CHECK_TIMEOUT_SECONDS', 1, 60) * 1000 }),
    keepAliveIdleMs: integer(env, 'SENDER_KEEPALIVE_IDLE_DAYS', 1, 80) * 24 * 3600 * 1000,
  };
  Object.freeze(config.storage);
  Object.freeze(config.azureIdentity);
  return Object.freeze(config);
}

/** `ip`, `ip:port`, `[ipv6]` or `[ipv6]:port`, the forms `dns.Resolver#setServers` takes. */
function dnsServers(env: Env): string[] {
  const list = read(env, 'DNS_SERVERS');
  if (!list) return [];
  const servers = list.split(',').map((s) => s.trim()).filter(Boolean);
  const ipv4 = /^\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?$/;
  const ipv6 = /^(?:\[[0-9a-f:.]+\](?::\d{1,5})?|[0-9a-f:.]*:[0-9a-f:.]*)$/i;
  const bad = servers.find((s) => !ipv4.test(s) && !ipv6.test(s));
  if (bad !== undefined) throw new ConfigError('DNS_SERVERS', SETTINGS.find((s) => s.name === 'DNS_SERVERS')!.expected, JSON.stringify(bad));
  return servers;
}

let current: Readonly<Config> | undefined;

/** The process-wide configuration, read on first use. */
export function getConfig(): Readonly<Config> {
  current ??= loadConfig();
  return current;
}

/** Tests and the local host replace the environment between runs. */
export function resetConfigForTests(): void {
  current = undefined;
}
