/**
 * SecretStore against the sandbox Key Vault with the real @azure/keyvault-secrets client and
 * ClientSecretCredential tokens from the sandbox Entra (the settings of local.settings.sample.json,
 * as `loadConfig()` reads them in a test run): round trip, the TTL cache and shared in-flight reads
 * (counted in the sandbox's request log), soft delete and the reserved deleted name, purge where
 * allowed, and every failure classified into one MailerError code.
 */
import { randomBytes } from 'node:crypto';
import { ClientSecretCredential } from '@azure/identity';
import { loadConfig } from '@shared/config';
import { checkHealth } from '@shared/health';
import { createAppCredential } from '@shared/store/azureCredential';
import { secretName } from '@shared/store/secretNames';
import { createSecretStore, MAX_SECRET_VALUE_LENGTH } from '@shared/store/secretStore';
import { PLATFORM_APP_ID, PLATFORM_APP_SECRET, PLATFORM_TENANT_ID, VAULT_CLIENT_ID } from '../../dev/sandbox/world';
import { sandboxControl, sandboxUrls } from '../support/env';
import { mailerFailure as failure } from '../support/mailer-error';

const config = loadConfig();
const store = createSecretStore(config);

/** A fresh org id per test: deleted names stay reserved, so tests never share one. */
const org = () => `t${randomBytes(5).toString('hex')}`;
const value = () => `value-${randomBytes(12).toString('hex')}`;

interface VaultRow {
  name: string;
  versions: string[];
  deleted: boolean;
}
const vaultRows = (): Promise<VaultRow[]> => sandboxControl('GET', 'keyvault/secrets');
const vaultRequests = async (name: string): Promise<Array<{ method: string; path: string }>> =>
  (await sandboxControl<Array<{ method: string; path: string }>>('GET', 'requests?service=keyVault')).filter((r) => r.path.includes(name));

afterEach(async () => {
  await sandboxControl('DELETE', 'faults');
  await sandboxControl('POST', 'keyvault/options', { purgeProtection: true, allowedClientIds: [VAULT_CLIENT_ID] });
});

describe('SecretStore on the sandbox Key Vault', () => {
  it('uses the local service principal from the settings, with sandbox Entra tokens', () => {
    expect(config.azureIdentity).toMatchObject({ kind: 'servicePrincipal', tenantId: PLATFORM_TENANT_ID, clientId: VAULT_CLIENT_ID });
    expect(config.keyVaultUrl).toBe(sandboxUrls.keyVault);
    // One credential per identity per process: it caches its tokens.
    expect(createAppCredential(config)).toBe(createAppCredential(config));
  });

  it('round-trips set, get and delete; delete is a soft delete the vault shows', async () => {
    const name = secretName(org(), 'client-secret', 1);
    const secret = value();
    await store.set(name, secret);
    expect(await store.get(name)).toBe(secret);
    await store.delete(name);
    expect((await failure(store.get(name))).code).toBe('SECRET_NOT_FOUND');
    // Purge protection (the default, as in our Bicep) refuses the purge: the name stays, deleted.
    expect((await vaultRows()).find((r) => r.name === name)).toMatchObject({ deleted: true });
  });

  it('serves a second get within the TTL from memory: no request reaches the vault', async () => {
    const name = secretName(org(), 'refresh-token', 1);
    await store.set(name, value());
    await store.get(name);
    const before = (await vaultRequests(name)).length;
    await store.get(name);
    await store.get(name);
    expect((await vaultRequests(name)).length).toBe(before);
  });

  it('shares one request between concurrent gets of the same name', async () => {
    const name = secretName(org(), 'refresh-token', 1);
    const secret = value();
    await store.set(name, secret);
    const reads = await Promise.all([store.get(name), store.get(name), store.get(name), store.get(name)]);
    expect(reads).toEqual([secret, secret, secret, secret]);
    expect((await vaultRequests(name)).filter((r) => r.method === 'GET')).toHaveLength(1);
  });

  it('reads again after the TTL, and after set or forget', async () => {
    let now = Date.now();
    const timed = createSecretStore(config, createAppCredential(config), { clock: () => now });
    const orgId = org();
    const name = secretName(orgId, 'client-secret', 1);
    await timed.set(name, 'first');
    expect(await timed.get(name)).toBe('first');
    const gets = async () => (await vaultRequests(name)).filter((r) => r.method === 'GET').length;
    const afterFirstRead = await gets();

    now += config.secretCacheTtlMs + 1;
    expect(await timed.get(name)).toBe('first');
    expect(await gets()).toBe(afterFirstRead + 1);

    await timed.set(name, 'second');
    expect(await timed.get(name)).toBe('second');
    expect(await gets()).toBe(afterFirstRead + 2);

    timed.forget(`org-${orgId}-`);
    await timed.get(name);
    expect(await gets()).toBe(afterFirstRead + 3);
  });

  it('writes every set as a new version of the same name', async () => {
    const name = secretName(org(), 'refresh-token', 1);
    await store.set(name, 'v1');
    await store.set(name, 'v2');
    expect(await store.get(name)).toBe('v2');
    const row = (await vaultRows()).find((r) => r.name === name)!;
    expect(row.versions).toHaveLength(2);
    for (const version of row.versions) expect(version).toMatch(/^[0-9a-f]{32}$/);
  });

  it('classifies setting a deleted name (409 ObjectIsDeletedButRecoverable) as SECRET_NAME_DELETED; the next generation works', async () => {
    const orgId = org();
    const name = secretName(orgId, 'client-secret', 1);
    await store.set(name, value());
    await store.delete(name);
    const error = await failure(store.set(name, value()));
    expect(error).toMatchObject({ code: 'SECRET_NAME_DELETED', retryable: false, providerCode: 'Conflict' });
    expect(error.message).toContain(name);

    const next = secretName(orgId, 'client-secret', 2);
    await store.set(next, 'after reset');
    expect(await store.get(next)).toBe('after reset');
  });

  it('purges where the vault allows it, freeing the name', async () => {
    await sandboxControl('POST', 'keyvault/options', { purgeProtection: false });
    const name = secretName(org(), 'client-secret', 1);
    await store.set(name, value());
    await store.delete(name);
    expect((await vaultRows()).some((r) => r.name === name)).toBe(false);
    await store.set(name, 'again');
    expect(await store.get(name)).toBe('again');
  });

  it('treats deleting a missing secret as done', async () => {
    await expect(store.delete(secretName(org(), 'client-secret', 1))).resolves.toBeUndefined();
  });

  it('refuses a value over 25,600 characters before calling the vault', async () => {
    const name = secretName(org(), 'service-account-key', 1);
    const error = await failure(store.set(name, 'x'.repeat(MAX_SECRET_VALUE_LENGTH + 1)));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(await vaultRequests(name)).toHaveLength(0);
    await store.set(name, 'x'.repeat(MAX_SECRET_VALUE_LENGTH));
    expect((await store.get(name)).length).toBe(MAX_SECRET_VALUE_LENGTH);
  });

  it('answers ping when the vault answers', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});

describe('SecretStore failures', () => {
  it('classifies a vault answering 503 as SECRET_STORE_UNAVAILABLE (retryable), for get, set and ping', async () => {
    const name = secretName(org(), 'client-secret', 1);
    await sandboxControl('POST', 'faults', { service: 'keyVault', status: 503 });
    for (const call of [() => store.get(name), () => store.set(name, value()), () => store.ping()]) {
      const error = await failure(call());
      expect(error).toMatchObject({ code: 'SECRET_STORE_UNAVAILABLE', retryable: true, category: 'transient' });
    }
  });

  it('classifies dropped connections and 429 throttling as SECRET_STORE_UNAVAILABLE', async () => {
    const name = secretName(org(), 'client-secret', 1);
    await sandboxControl('POST', 'faults', { service: 'keyVault', drop: true });
    expect((await failure(store.get(name))).code).toBe('SECRET_STORE_UNAVAILABLE');
    await sandboxControl('DELETE', 'faults');
    await sandboxControl('POST', 'faults', {
      service: 'keyVault',
      status: 429,
      body: {
        error: {
          code: 'Throttled',
          message: 'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached',
        },
      },
    });
    expect((await failure(store.get(name))).code).toBe('SECRET_STORE_UNAVAILABLE');
  });

  it('keeps serving a cached secret while the vault is down', async () => {
    const name = secretName(org(), 'refresh-token', 1);
    await store.set(name, 'cached');
    await store.get(name);
    await sandboxControl('POST', 'faults', { service: 'keyVault', status: 503 });
    expect(await store.get(name)).toBe('cached');
  });

  it('classifies an identity without a role on the vault (403 Forbidden) as KEY_VAULT_ACCESS_DENIED (a deployment fault) with a role hint', async () => {
    const outsider = new ClientSecretCredential(PLATFORM_TENANT_ID, PLATFORM_APP_ID, PLATFORM_APP_SECRET, {
      authorityHost: sandboxUrls.entra,
      disableInstanceDiscovery: true,
    });
    const error = await failure(createSecretStore(config, outsider).get(secretName(org(), 'client-secret', 1)));
    expect(error).toMatchObject({ code: 'KEY_VAULT_ACCESS_DENIED', category: 'state', retryable: true });
    expect(error.category).not.toBe('transient');
    expect(error.providerCode).toBe('Forbidden');
    expect(error.hint).toMatch(/Key Vault Secrets Officer/);
    // The health probe says so in plain words.
    expect(
      (await checkHealth({ storage: { ping: async () => undefined } as never, secrets: createSecretStore(config, outsider) })).checks
        .keyVault,
    ).toMatch(/^access denied: HTTP 403.*Key Vault Secrets Officer/);
  });

  it('classifies a credential Entra refuses as SECRET_STORE_UNAVAILABLE naming the AADSTS code, never the secret', async () => {
    const wrong = new ClientSecretCredential(PLATFORM_TENANT_ID, VAULT_CLIENT_ID, 'a-wrong-vault-secret', {
      authorityHost: sandboxUrls.entra,
      disableInstanceDiscovery: true,
    });
    const error = await failure(createSecretStore(config, wrong).get(secretName(org(), 'client-secret', 1)));
    expect(error).toMatchObject({ code: 'SECRET_STORE_UNAVAILABLE', providerCode: 'AADSTS7000215' });
    expect(JSON.stringify(error.toJSON())).not.toContain('a-wrong-vault-secret');
  });

  it('never puts a secret value in an error', async () => {
    const name = secretName(org(), 'client-secret', 1);
    const secret = value();
    await store.set(name, secret);
    await store.delete(name);
    const error = await failure(store.set(name, secret));
    expect(`${error.message} ${error.hint}`).not.toContain(secret);
  });
});
