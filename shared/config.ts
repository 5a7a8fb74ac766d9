/**
 * Settings, read once from the environment (app settings in Azure, local.settings.json locally),
 * validated, and frozen. A missing or malformed setting stops start-up with ONE line that names it
 * and says what is expected: operators read that line in the Functions log, nothing else.
 *
 * `SETTINGS` (shared/settings.ts) is the single list of every setting the code reads; the infra test holds it against
 * the app settings that infra/ sets, so the two cannot drift.
 */

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    expected: string,
    found?: string,
  ) {
    super(`Setting ${setting} ${found === undefined ? 'is missing' : `is malformed (${found})`}: expected ${expected}.`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export { SETTINGS } from './settings';
import { SETTINGS } from './settings';

export type StorageConfig =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; blobServiceUri: string; queueServiceUri: string; tableServiceUri: string; clientId?: string };

/** Credentials the app itself uses for Key Vault (and identity-based Storage). */
export type AzureIdentityConfig =
  { kind: 'servicePrincipal'; tenantId: string; clientId: string; clientSecret: string } | { kind: 'managedIdentity'; clientId?: string };

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
    /** The separate app registration for `application` directory connections; absent = that mode is unavailable. */
    directoryApp?: { clientId: string; clientSecret: string };
  };
  google: { clientId: string; clientSecret: string; authUrl: string; tokenUrl: string; gmailApiUrl: string; adminApiUrl: string };
  stateSigningKey: string;
  secretCacheTtlMs: number;
  mailboxConcurrency: number;
  mailboxRatePerMinute: { microsoft: number; google: number };
  /** First back-off step of delivery retries without Retry-After (doubles per attempt). */
  retryBaseMs: number;
  /** Save-and-test sends allowed per org within a sliding window (across instances). */
  testSendLimit: { count: number; windowMs: number };
  /** Test connection (verify) per org: same sliding window as Save and test. */
  testConnectionLimit: { count: number; windowMs: number };
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
  /** DIRECTORY_SYNC_INTERVAL_HOURS: how often the timer syncs each active directory connection. */
  directorySyncIntervalMs: number;
  /** DIRECTORY_SYNC_BUDGET_SECONDS: how long one queue invocation of a directory sync reads pages before it hands on. */
  directorySyncBudgetMs: number;
  /** The most members a message to a directory group may reach (shared/delivery/groupFanout.ts). */
  directoryGroupMaxRecipients: number;
}

function read(env: Env, name: string): string | undefined {
  const spec = SETTINGS.find((s) => s.name === name);
  if (!spec) throw new Error(`internal: setting ${name} is not declared in SETTINGS`);
  const raw = env[name]?.trim();
  // App Service leaves a Key Vault reference it cannot resolve in place as the literal text, so an
  // unreadable STATE_SIGNING_KEY would otherwise become a publicly known key.
  // https://learn.microsoft.com/azure/app-service/app-service-key-vault-references#troubleshooting-key-vault-references
  if (raw?.startsWith('@Microsoft.KeyVault(')) {
    throw new ConfigError(
      name,
      'the secret value: the app identity needs read access to the vault and the secret must exist',
      'an unresolved Key Vault reference',
    );
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

/** MICROSOFT_DIRECTORY_CLIENT_ID and _SECRET: both or neither (one alone is a deployment mistake worth naming). */
function directoryApp(env: Env): { directoryApp?: { clientId: string; clientSecret: string } } {
  const clientId = read(env, 'MICROSOFT_DIRECTORY_CLIENT_ID');
  const clientSecret = read(env, 'MICROSOFT_DIRECTORY_CLIENT_SECRET');
  if (!clientId && !clientSecret) return {};
  if (!clientSecret)
    throw new ConfigError('MICROSOFT_DIRECTORY_CLIENT_SECRET', 'the directory app client secret (set with MICROSOFT_DIRECTORY_CLIENT_ID)');
  return { directoryApp: Object.freeze({ clientId: guid(env, 'MICROSOFT_DIRECTORY_CLIENT_ID'), clientSecret }) };
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
      ...directoryApp(env),
    }),
    google: Object.freeze({
      clientId: required(env, 'GOOGLE_CLIENT_ID'),
      clientSecret: required(env, 'GOOGLE_CLIENT_SECRET'),
      authUrl: url(env, 'GOOGLE_AUTH_URL'),
      tokenUrl: url(env, 'GOOGLE_TOKEN_URL'),
      gmailApiUrl: url(env, 'GMAIL_API_URL'),
      /** The Admin SDK (directory_v1 users / groups / members) of directory connections. */
      adminApiUrl: url(env, 'GOOGLE_ADMIN_API_URL'),
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
    testConnectionLimit: Object.freeze({
      count: integer(env, 'TEST_CONNECTION_LIMIT', 1, 1000),
      windowMs: integer(env, 'TEST_CONNECTION_WINDOW_SECONDS', 1, 86400) * 1000,
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
    dns: Object.freeze({
      servers: Object.freeze(dnsServers(env)),
      checkTimeoutMs: integer(env, 'DNS_CHECK_TIMEOUT_SECONDS', 1, 60) * 1000,
    }),
    keepAliveIdleMs: integer(env, 'SENDER_KEEPALIVE_IDLE_DAYS', 1, 80) * 24 * 3600 * 1000,
    directorySyncIntervalMs: integer(env, 'DIRECTORY_SYNC_INTERVAL_HOURS', 1, 168) * 3600 * 1000,
    // At most 240 s: host.json's functionTimeout (5 min) must leave room for the page in flight and the sweep.
    directorySyncBudgetMs: integer(env, 'DIRECTORY_SYNC_BUDGET_SECONDS', 10, 240) * 1000,
    directoryGroupMaxRecipients: integer(env, 'DIRECTORY_GROUP_MAX_RECIPIENTS', 1, 10000),
  };
  Object.freeze(config.storage);
  Object.freeze(config.azureIdentity);
  return Object.freeze(config);
}

/** `ip`, `ip:port`, `[ipv6]` or `[ipv6]:port`, the forms `dns.Resolver#setServers` takes. */
function dnsServers(env: Env): string[] {
  const list = read(env, 'DNS_SERVERS');
  if (!list) return [];
  const servers = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const ipv4 = /^\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?$/;
  const ipv6 = /^(?:\[[0-9a-f:.]+\](?::\d{1,5})?|[0-9a-f:.]*:[0-9a-f:.]*)$/i;
  const bad = servers.find((s) => !ipv4.test(s) && !ipv6.test(s));
  if (bad !== undefined)
    throw new ConfigError('DNS_SERVERS', SETTINGS.find((s) => s.name === 'DNS_SERVERS')!.expected, JSON.stringify(bad));
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
