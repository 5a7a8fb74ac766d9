/**
 * `SecretStore` on Azure Key Vault (@azure/keyvault-secrets), with an in-memory cache: secrets are
 * read once per TTL, never per message (Key Vault allows ~4,000 secret transactions per 10 s per
 * vault, docs/providers.md), and concurrent reads of one name share one request.
 *
 * Every failure is classified here, once:
 * - unreachable, timeout, 429, 5xx, a token that cannot be had -> SECRET_STORE_UNAVAILABLE
 *   (retryable: the delivery pipeline re-enqueues);
 * - 401/403 -> KEY_VAULT_ACCESS_DENIED: the app's identity lacks its role on the vault, a deployment
 *   fault an operator fixes (still retried, so messages go out once the role is assigned);
 * - 404 SecretNotFound -> SECRET_NOT_FOUND;
 * - 409 ObjectIsDeletedButRecoverable -> SECRET_NAME_DELETED: a soft-deleted name stays reserved,
 *   so callers move the secret generation forward (docs/providers.md "Azure Key Vault"), never reuse the name;
 * - a bad name or a value over 25,600 characters -> VALIDATION_FAILED, before any request.
 * Messages name the secret, never its value.
 */
import { SecretClient } from '@azure/keyvault-secrets';
import type { TokenCredential } from '@azure/identity';
import type { Config } from '../config';
import { boundedCache } from '../cache/bounded';
import { MailerError } from '../errors';
import { createAppCredential } from './azureCredential';
import type { SecretStore } from './types';

/** Key Vault's limits: names `^[0-9a-zA-Z-]{1,127}$`, values up to 25,600 characters. */
const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
export const MAX_SECRET_VALUE_LENGTH = 25600;

/** Vault DNS suffixes of the Azure clouds; for any other host the SDK's challenge check must be off. */
const VAULT_HOST_SUFFIXES = [
  '.vault.azure.net',
  '.vault.azure.cn',
  '.vault.usgovcloudapi.net',
  '.vault.microsoftazure.de',
  '.managedhsm.azure.net',
];

/**
 * Short SDK retries (default: 3 with exponential back-off from 800 ms): an outage must surface as
 * SECRET_STORE_UNAVAILABLE within seconds, because retrying belongs to the delivery pipeline.
 */
const RETRY_OPTIONS = { maxRetries: 1, retryDelayInMs: 200, maxRetryDelayInMs: 1000 };
/** Secrets kept in memory at most (a few per sender: thousands of orgs fit); the least recently read go first. */
export const MAX_CACHED_SECRETS = 5000;
/** A name no secret is ever given (secretName() always starts with `org-`): ping reads it and expects 404. */
const PING_NAME = 'org-mailer-health-probe';

export interface SecretStoreOptions {
  /** Milliseconds since the epoch; tests move it to expire the cache. */
  clock?: () => number;
  /** Per operation, token acquisition included (the SDK passes the signal to the credential). Default PROVIDER_CALL_TIMEOUT_SECONDS. */
  timeoutMs?: number;
}

export function isAzureVaultHost(vaultUrl: string): boolean {
  const host = new URL(vaultUrl).hostname.toLowerCase();
  return VAULT_HOST_SUFFIXES.some((suffix) => host.endsWith(suffix));
}

export function createSecretStore(
  config: Readonly<Config>,
  credential: TokenCredential = createAppCredential(config),
  options: SecretStoreOptions = {},
): SecretStore {
  const client = new SecretClient(config.keyVaultUrl, credential, {
    // Only off for a vault that is not on an Azure vault domain (the local sandbox); production keeps the check.
    disableChallengeResourceVerification: !isAzureVaultHost(config.keyVaultUrl),
    retryOptions: RETRY_OPTIONS,
  });
  return new KeyVaultSecretStore(
    client,
    config.secretCacheTtlMs,
    options.clock ?? Date.now,
    options.timeoutMs ?? config.providerCallTimeoutMs,
  );
}

class KeyVaultSecretStore implements SecretStore {
  /** Bounded by count and by SECRET_CACHE_TTL_SECONDS since the read; an expired secret is read again. */
  private readonly cache;
  /** Only while a read runs (each under its deadline): removed when it settles. */
  private readonly inflight = new Map<string, Promise<string>>();
  /** Bumped by every invalidation: a read that started before one must not fill the cache. */
  private generation = 0;

  constructor(
    private readonly client: SecretClient,
    ttlMs: number,
    now: () => number,
    private readonly timeoutMs: number,
  ) {
    this.cache = boundedCache<string, string>({ max: MAX_CACHED_SECRETS, ttlMs, clock: now });
  }

  async get(name: string): Promise<string> {
    checkName(name);
    const hit = this.cache.get(name);
    if (hit !== undefined) return hit;
    const pending = this.inflight.get(name);
    if (pending) return pending;
    const startedAt = this.generation;
    const request = this.call('reading', name, (abortSignal) => this.client.getSecret(name, { abortSignal }))
      .then((secret) => {
        if (secret.value === undefined) throw new MailerError('SECRET_NOT_FOUND', `Secret ${name} has no value in Key Vault.`);
        if (this.generation === startedAt) this.cache.set(name, secret.value);
        return secret.value;
      })
      .finally(() => {
        if (this.inflight.get(name) === request) this.inflight.delete(name);
      });
    this.inflight.set(name, request);
    return request;
  }

  async set(name: string, value: string): Promise<void> {
    checkName(name);
    if (value.length > MAX_SECRET_VALUE_LENGTH) {
      throw new MailerError(
        'VALIDATION_FAILED',
        `Secret ${name} is longer than Key Vault's limit of ${MAX_SECRET_VALUE_LENGTH} characters.`,
        {
          fields: { value: `at most ${MAX_SECRET_VALUE_LENGTH} characters` },
        },
      );
    }
    this.invalidate(name);
    try {
      await this.call('writing', name, (abortSignal) => this.client.setSecret(name, value, { abortSignal }));
    } finally {
      this.invalidate(name);
    }
  }

  async delete(name: string): Promise<void> {
    checkName(name);
    this.invalidate(name);
    try {
      await this.call('deleting', name, async (abortSignal) => {
        const poller = await this.client.beginDeleteSecret(name, { abortSignal, intervalInMs: 250 });
        await poller.pollUntilDone({ abortSignal });
      });
    } catch (error) {
      if (error instanceof MailerError && error.code === 'SECRET_NOT_FOUND') return; // already gone
      throw error;
    }
    // Purge frees the name at once where the vault allows it. With purge protection (our Bicep's
    // default) it is refused with 403 until the retention period ends: that is fine, names carry a
    // generation and are never reused (docs/providers.md "Azure Key Vault": never rely on purge).
    await this.client.purgeDeletedSecret(name, { abortSignal: AbortSignal.timeout(this.timeoutMs) }).catch(() => undefined);
  }

  forget(prefix: string): void {
    for (const name of [...this.cache.keys(), ...this.inflight.keys()]) if (name.startsWith(prefix)) this.invalidate(name);
  }

  async ping(): Promise<void> {
    try {
      await this.call('reading', PING_NAME, (abortSignal) => this.client.getSecret(PING_NAME, { abortSignal }));
    } catch (error) {
      // Not found proves the vault answered an authenticated, authorized request.
      if (!(error instanceof MailerError && error.code === 'SECRET_NOT_FOUND')) throw error;
    }
  }

  private invalidate(name: string): void {
    this.generation += 1;
    this.cache.delete(name);
    this.inflight.delete(name);
  }

  /** Runs one SDK call with a deadline and classifies whatever it throws. */
  private async call<T>(action: string, name: string, run: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await run(AbortSignal.timeout(this.timeoutMs));
    } catch (error) {
      throw classifyVaultError(error, action, name);
    }
  }
}

function checkName(name: string): void {
  if (!SECRET_NAME.test(name)) {
    throw new MailerError('VALIDATION_FAILED', 'A Key Vault secret name must be 1-127 letters, digits and dashes.', {
      fields: { secretName: 'must match ^[0-9a-zA-Z-]{1,127}$' },
    });
  }
}

/** What a RestError (or an @azure/identity error) exposes: the body's `error.code`, not its innererror. */
interface SdkError {
  name?: string;
  statusCode?: number;
  code?: string;
  message?: string;
  response?: { headers?: { get(name: string): string | undefined } };
}

/** Turns an SDK error into the one MailerError the rest of the app switches on. */
export function classifyVaultError(error: unknown, action: string, name: string): MailerError {
  if (error instanceof MailerError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkError;
  const status = e.statusCode;
  const retryAfter = Number(e.response?.headers?.get('retry-after'));
  const options = {
    cause: error,
    providerCode: e.code,
    ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
  };

  if (status === 404) return new MailerError('SECRET_NOT_FOUND', `Secret ${name} was not found in Key Vault.`, options);
  // The only conflict a write meets is a name that is deleted (or being deleted) but recoverable:
  // 409 Conflict, innererror ObjectIsDeletedButRecoverable (the SDK keeps only `Conflict`).
  if (status === 409 && action === 'writing') {
    return new MailerError(
      'SECRET_NAME_DELETED',
      `Secret ${name} was deleted and Key Vault keeps its name reserved; write it under a new generation.`,
      options,
    );
  }
  if (status === 400)
    return new MailerError(
      'VALIDATION_FAILED',
      `Key Vault refused ${action} secret ${name} as invalid (${e.code ?? 'BadParameter'}).`,
      options,
    );
  if (status === 401 || status === 403) {
    // https://learn.microsoft.com/azure/key-vault/general/rbac-guide#azure-built-in-roles-for-key-vault-data-plane-operations
    return new MailerError(
      'KEY_VAULT_ACCESS_DENIED',
      `Key Vault refused ${action} secret ${name} (HTTP ${status}${e.code ? ` ${e.code}` : ''}).`,
      options,
    );
  }
  if (isCredentialError(e)) {
    const aadsts = /AADSTS\d+/.exec(e.message ?? '')?.[0];
    return new MailerError(
      'SECRET_STORE_UNAVAILABLE',
      `Could not get a Key Vault token for the function app's identity${aadsts ? ` (${aadsts})` : ''}.`,
      {
        ...options,
        providerCode: aadsts ?? e.name,
        hint: "Check the function app's identity settings (AZURE_CLIENT_ID; locally AZURE_TENANT_ID and AZURE_CLIENT_SECRET). Messages are retried automatically.",
      },
    );
  }
  // 429, 5xx, 409 "being deleted", no answer, timeout: transient.
  const why = status ? `HTTP ${status}` : e.name === 'AbortError' || e.name === 'TimeoutError' ? 'timed out' : 'unreachable';
  return new MailerError('SECRET_STORE_UNAVAILABLE', `Key Vault is unavailable (${why}) while ${action} secret ${name}.`, options);
}

function isCredentialError(e: SdkError): boolean {
  return (
    e.name === 'AuthenticationError' ||
    e.name === 'CredentialUnavailableError' ||
    e.name === 'AggregateAuthenticationError' ||
    e.name === 'AuthenticationRequiredError'
  );
}
