/**
 * The sandbox Key Vault on the wire (plain fetch) and through the real SecretClient: the 401
 * challenge the SDK depends on, token checks, RBAC-style 403, the real error bodies, versions,
 * soft delete, purge protection and recovery.
 */
import { ClientSecretCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { randomBytes } from 'node:crypto';
import {
  CONTOSO_APP_ID,
  CONTOSO_APP_SECRET,
  CONTOSO_TENANT_ID,
  PLATFORM_APP_ID,
  PLATFORM_APP_SECRET,
  PLATFORM_TENANT_ID,
  VAULT_CLIENT_ID,
  VAULT_CLIENT_SECRET,
} from '../../dev/sandbox/world';
import { sandboxControl, sandboxUrls } from '../support/env';

const vault = sandboxUrls.keyVault;
const API = 'api-version=7.6';
const credential = (tenantId: string, clientId: string, secret: string) =>
  new ClientSecretCredential(tenantId, clientId, secret, { authorityHost: sandboxUrls.entra, disableInstanceDiscovery: true });
const vaultIdentity = credential(PLATFORM_TENANT_ID, VAULT_CLIENT_ID, VAULT_CLIENT_SECRET);
const client = new SecretClient(vault, vaultIdentity, { disableChallengeResourceVerification: true });

async function bearer(tenantId: string, clientId: string, secret: string, scope = 'https://vault.azure.net/.default') {
  return `Bearer ${(await credential(tenantId, clientId, secret).getToken(scope))!.token}`;
}

async function call(method: string, path: string, authorization?: string, body?: unknown) {
  const response = await fetch(`${vault}${path}${path.includes('?') ? '&' : '?'}${API}`, {
    method,
    headers: { ...(authorization ? { authorization } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

const uniqueName = () => `wire-${randomBytes(6).toString('hex')}`;

afterEach(() => sandboxControl('POST', 'keyvault/options', { purgeProtection: true, allowedClientIds: [VAULT_CLIENT_ID] }));

describe('sandbox Key Vault: authentication', () => {
  it('challenges an unauthenticated request with the tenant and the vault resource', async () => {
    const { status, headers, body } = await call('GET', '/secrets/anything');
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toBe(
      `Bearer authorization="${sandboxUrls.entra}/${PLATFORM_TENANT_ID}", resource="https://vault.azure.net"`,
    );
    expect(body).toEqual({ error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } });
  });

  it('refuses a token for another audience (401) and an identity without a role (403 Forbidden)', async () => {
    const graphToken = await bearer(PLATFORM_TENANT_ID, VAULT_CLIENT_ID, VAULT_CLIENT_SECRET, 'https://graph.microsoft.com/.default');
    const wrongAudience = await call('GET', '/secrets/anything', graphToken);
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.body.error.message).toMatch(/^AKV10022: Invalid audience/);

    const outsider = await call('GET', '/secrets/anything', await bearer(PLATFORM_TENANT_ID, PLATFORM_APP_ID, PLATFORM_APP_SECRET));
    expect(outsider.status).toBe(403);
    expect(outsider.body.error.code).toBe('Forbidden');
    expect(outsider.body.error.innererror).toEqual({ code: 'ForbiddenByRbac' });
    expect(outsider.body.error.message).toContain(`appid=${PLATFORM_APP_ID}`);

    const otherTenant = await call('GET', '/secrets/anything', await bearer(CONTOSO_TENANT_ID, CONTOSO_APP_ID, CONTOSO_APP_SECRET));
    expect(otherTenant.status).toBe(401);
    expect(otherTenant.body.error.message).toMatch(/^AKV10032: Invalid issuer/);
  });

  it('lets an identity in once it is allowed (a role assignment)', async () => {
    await sandboxControl('POST', 'keyvault/options', { allowedClientIds: [VAULT_CLIENT_ID, PLATFORM_APP_ID] });
    const allowed = await call('GET', '/secrets/anything', await bearer(PLATFORM_TENANT_ID, PLATFORM_APP_ID, PLATFORM_APP_SECRET));
    expect(allowed.status).toBe(404);
  });
});

describe('sandbox Key Vault: secrets', () => {
  it('answers the real error bodies for a missing secret, an invalid name and a value over 25,600 characters', async () => {
    const token = await bearer(PLATFORM_TENANT_ID, VAULT_CLIENT_ID, VAULT_CLIENT_SECRET);
    const missing = await call('GET', '/secrets/no-such-secret/', token);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('SecretNotFound');
    expect(missing.body.error.message).toMatch(/^A secret with \(name\/id\) no-such-secret was not found in this key vault\./);

    const badName = await call('PUT', '/secrets/bad_name', token, { value: 'x' });
    expect(badName.status).toBe(400);
    expect(badName.body.error).toEqual({ code: 'BadParameter', message: 'The request URI contains an invalid name: bad_name' });

    const tooLarge = await call('PUT', `/secrets/${uniqueName()}`, token, { value: 'x'.repeat(25601) });
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.body.error).toEqual({
      code: 'BadParameter',
      message: 'Secret is beyond the maximum permitted length of 25600 characters.',
      innererror: { code: 'SecretTooLarge' },
    });
  });

  it('returns SecretBundles with 32-hex versions and keeps every version readable', async () => {
    const name = uniqueName();
    const first = await client.setSecret(name, 'one', { contentType: 'text/plain', tags: { org: 'acme' } });
    const second = await client.setSecret(name, 'two');
    expect(first.properties.version).toMatch(/^[0-9a-f]{32}$/);
    expect(first.properties.id).toBe(`${vault}/secrets/${name}/${first.properties.version}`);
    expect(first.properties).toMatchObject({
      contentType: 'text/plain',
      tags: { org: 'acme' },
      enabled: true,
      recoveryLevel: 'Recoverable',
      recoverableDays: 90,
    });
    expect((await client.getSecret(name)).value).toBe('two');
    expect((await client.getSecret(name, { version: first.properties.version })).value).toBe('one');
    const versions = [];
    for await (const version of client.listPropertiesOfSecretVersions(name)) versions.push(version.version);
    expect(versions.sort()).toEqual([first.properties.version, second.properties.version].sort());
    const names = [];
    for await (const properties of client.listPropertiesOfSecrets()) names.push(properties.name);
    expect(names).toContain(name);
  });

  it('soft-deletes, refuses purge under purge protection, reserves the name, and recovers', async () => {
    const name = uniqueName();
    await client.setSecret(name, 'kept');
    const deleted = await (await client.beginDeleteSecret(name, { intervalInMs: 10 })).pollUntilDone();
    expect(deleted.recoveryId).toBe(`${vault}/deletedsecrets/${name}`);
    expect(deleted.value).toBeUndefined();
    await expect(client.purgeDeletedSecret(name)).rejects.toMatchObject({ statusCode: 403, code: 'Forbidden' });

    const token = await bearer(PLATFORM_TENANT_ID, VAULT_CLIENT_ID, VAULT_CLIENT_SECRET);
    const conflict = await call('PUT', `/secrets/${name}`, token, { value: 'new' });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toMatchObject({ code: 'Conflict', innererror: { code: 'ObjectIsDeletedButRecoverable' } });

    await (await client.beginRecoverDeletedSecret(name, { intervalInMs: 10 })).pollUntilDone();
    expect((await client.getSecret(name)).value).toBe('kept');
  });

  it('purges without purge protection, and lists names and states (never values) on the control API', async () => {
    await sandboxControl('POST', 'keyvault/options', { purgeProtection: false });
    const kept = uniqueName();
    const purged = uniqueName();
    await client.setSecret(kept, 'value-that-must-not-leak');
    await client.setSecret(purged, 'x');
    await (await client.beginDeleteSecret(purged, { intervalInMs: 10 })).pollUntilDone();
    await client.purgeDeletedSecret(purged);
    const rows: Array<{ name: string; deleted: boolean }> = await sandboxControl('GET', 'keyvault/secrets');
    expect(rows.find((r) => r.name === kept)).toMatchObject({ deleted: false });
    expect(rows.some((r) => r.name === purged)).toBe(false);
    expect(JSON.stringify(rows)).not.toContain('value-that-must-not-leak');
  });

  it('purges a deleted secret by itself once the retention period has passed (sandbox clock)', async () => {
    const name = uniqueName();
    await client.setSecret(name, 'x');
    await (await client.beginDeleteSecret(name, { intervalInMs: 10 })).pollUntilDone();
    await sandboxControl('POST', 'clock', { advanceSeconds: 91 * 24 * 3600 });
    try {
      const rows: Array<{ name: string }> = await sandboxControl('GET', 'keyvault/secrets');
      expect(rows.some((r) => r.name === name)).toBe(false);
    } finally {
      await sandboxControl('POST', 'reset');
    }
  });
});
