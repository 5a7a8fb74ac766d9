/**
 * The sandbox's Key Vault (secrets only) on the `keyVault` origin, as @azure/keyvault-secrets sees
 * the real one (docs/providers.md "Key Vault"): the unauthenticated 401 challenge naming the tenant,
 * bearer tokens from the sandbox's Entra with the vault audience, RBAC-style 403 for any identity
 * not allowed, versions, soft delete, purge (refused under purge protection, ON by default like our
 * Bicep), recover, and the 409 for setting a name that is deleted but recoverable.
 *
 * Values are never logged and never leave through `/_sandbox/keyvault/*`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Sandbox, SandboxRequest, SandboxResponse } from './server';
import { PLATFORM_TENANT_ID, VAULT_CLIENT_ID } from './world';
import { bearerToken, checkSandboxJwt, v1Issuer, VAULT_RESOURCE } from './tokens';

/** Secret names: 1-127 letters, digits and dashes. */
const NAME = /^[0-9a-zA-Z-]{1,127}$/;
/** "Secret is beyond the maximum permitted length of 25600 characters." (SecretTooLarge) */
export const MAX_SECRET_LENGTH = 25600;
const DAY = 24 * 3600 * 1000;

interface SecretVersion {
  version: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  enabled: boolean;
  created: number;
  updated: number;
  nbf?: number;
  exp?: number;
}

interface StoredSecret {
  name: string;
  versions: SecretVersion[];
  deleted?: { deletedDate: number; scheduledPurgeDate: number };
}

export interface VaultOptions {
  purgeProtection: boolean;
  retentionDays: number;
  /** Client ids (in the platform tenant) with a Key Vault Secrets Officer role assignment. */
  allowedClientIds: string[];
}

const defaultOptions = (): VaultOptions => ({ purgeProtection: true, retentionDays: 90, allowedClientIds: [VAULT_CLIENT_ID] });

interface VaultState {
  options: VaultOptions;
  secrets: Map<string, StoredSecret>;
}

type Handler = (req: SandboxRequest, state: VaultState) => SandboxResponse;

export function registerKeyVault(sandbox: Sandbox): void {
  const state: VaultState = { options: defaultOptions(), secrets: new Map() };
  sandbox.onReset(() => {
    state.options = defaultOptions();
    state.secrets.clear();
  });
  const vault = () => sandbox.urls.keyVault;
  const route = (method: string, path: string, action: string, handler: Handler) =>
    sandbox.route('keyVault', method, path, async (req) => {
      const denied = await authorize(sandbox, req, state, action);
      if (denied) return withHeaders(req, denied);
      sweepPurged(state, sandbox.now());
      if (req.params.name !== undefined && !NAME.test(req.params.name)) {
        return withHeaders(req, kvError(400, 'BadParameter', `The request URI contains an invalid name: ${req.params.name}`));
      }
      return withHeaders(req, handler(req, state));
    });

  route('GET', '/secrets', 'getSecret', (_req, s) => ({
    status: 200,
    body: { value: live(s).map((secret) => item(vault(), secret, latest(secret), s.options, false)), nextLink: null },
  }));
  route('GET', '/deletedsecrets', 'getDeletedSecret', (_req, s) => ({
    status: 200,
    body: {
      value: [...s.secrets.values()].filter((x) => x.deleted).map((x) => deletedBundle(vault(), x, s.options, true)),
      nextLink: null,
    },
  }));
  route('GET', '/secrets/:name/versions', 'getSecret', (req, s) => {
    const secret = find(s, req.params.name);
    if (!secret) return secretNotFound(req.params.name);
    return { status: 200, body: { value: secret.versions.map((v) => item(vault(), secret, v, s.options, true)), nextLink: null } };
  });
  route('PUT', '/secrets/:name', 'setSecret', (req, s) => setSecret(sandbox, req, s));
  route('GET', '/secrets/:name', 'getSecret', (req, s) => readSecret(vault(), s, req.params.name));
  route('GET', '/secrets/:name/:version', 'getSecret', (req, s) => readSecret(vault(), s, req.params.name, req.params.version));
  route('DELETE', '/secrets/:name', 'deleteSecret', (req, s) => {
    const secret = find(s, req.params.name);
    if (!secret) return secretNotFound(req.params.name);
    const now = sandbox.now();
    secret.deleted = { deletedDate: now, scheduledPurgeDate: now + s.options.retentionDays * DAY };
    return { status: 200, body: deletedBundle(vault(), secret, s.options) };
  });
  route('GET', '/deletedsecrets/:name', 'getDeletedSecret', (req, s) => {
    const secret = findDeleted(s, req.params.name);
    return secret ? { status: 200, body: deletedBundle(vault(), secret, s.options) } : deletedNotFound();
  });
  route('DELETE', '/deletedsecrets/:name', 'purgeDeletedSecret', (req, s) => {
    const secret = findDeleted(s, req.params.name);
    if (!secret) return deletedNotFound();
    if (s.options.purgeProtection) {
      return kvError(
        403,
        'Forbidden',
        `Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.\r\nVault: ${vaultName(vault())};location=westeurope`,
      );
    }
    s.secrets.delete(secret.name.toLowerCase());
    return { status: 204 };
  });
  route('POST', '/deletedsecrets/:name/recover', 'recoverDeletedSecret', (req, s) => {
    const secret = findDeleted(s, req.params.name);
    if (!secret) return deletedNotFound();
    delete secret.deleted;
    return { status: 200, body: bundle(vault(), secret, latest(secret), s.options, false) };
  });

  registerVaultControl(sandbox, state);
}

/** Names, versions and deleted state for tests: never values. */
function registerVaultControl(sandbox: Sandbox, state: VaultState): void {
  sandbox.route('*', 'GET', '/_sandbox/keyvault/secrets', () => {
    sweepPurged(state, sandbox.now());
    return {
      status: 200,
      body: [...state.secrets.values()].map((s) => ({
        name: s.name,
        versions: s.versions.map((v) => v.version),
        enabled: latest(s).enabled,
        deleted: Boolean(s.deleted),
        ...(s.deleted ? { deletedDate: iso(s.deleted.deletedDate), scheduledPurgeDate: iso(s.deleted.scheduledPurgeDate) } : {}),
      })),
    };
  });
  sandbox.route('*', 'GET', '/_sandbox/keyvault/options', () => ({ status: 200, body: state.options }));
  sandbox.route('*', 'POST', '/_sandbox/keyvault/options', (req) => {
    const input = req.json() ?? {};
    if (typeof input.purgeProtection === 'boolean') state.options.purgeProtection = input.purgeProtection;
    if (Number.isInteger(input.retentionDays) && input.retentionDays >= 7 && input.retentionDays <= 90)
      state.options.retentionDays = input.retentionDays;
    if (Array.isArray(input.allowedClientIds))
      state.options.allowedClientIds = input.allowedClientIds.filter((c: unknown) => typeof c === 'string');
    return { status: 200, body: state.options };
  });
}

/**
 * The bearer check: no token -> 401 challenge (the SDK then asks Entra for `resource/.default` in
 * the tenant named by `authorization`); a bad token -> 401; a good token of an identity without a
 * role assignment -> 403 ForbiddenByRbac, as a vault with RBAC authorization answers.
 */
async function authorize(sandbox: Sandbox, req: SandboxRequest, state: VaultState, action: string): Promise<SandboxResponse | undefined> {
  const challenge = {
    'WWW-Authenticate': `Bearer authorization="${sandbox.urls.entra}/${PLATFORM_TENANT_ID}", resource="${VAULT_RESOURCE}"`,
  };
  const token = bearerToken(req.headers);
  if (!token) return { ...kvError(401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.'), headers: challenge };
  const check = await checkSandboxJwt(token, { now: sandbox.now(), audience: VAULT_RESOURCE });
  if (!check.ok) {
    const message =
      check.reason === 'expired'
        ? "[TokenExpired] Error validating token: 'S2S12086'."
        : check.reason === 'audience'
          ? `AKV10022: Invalid audience. Expected ${VAULT_RESOURCE}, found: ${String(check.audience)}.`
          : 'AKV10000: Request is missing a Bearer or PoP token.';
    return { ...kvError(401, 'Unauthorized', message), headers: challenge };
  }
  const { tid, appid, oid, iss } = check.claims as Record<string, string>;
  if (tid !== PLATFORM_TENANT_ID) {
    return {
      ...kvError(401, 'Unauthorized', `AKV10032: Invalid issuer. Expected one of ${v1Issuer(PLATFORM_TENANT_ID)}, found ${iss}.`),
      headers: challenge,
    };
  }
  if (!state.options.allowedClientIds.includes(appid)) {
    return kvError(
      403,
      'Forbidden',
      `Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: appid=${appid};oid=${oid};iss=${iss}\r\nAction: 'Microsoft.KeyVault/vaults/secrets/${action}/action'\r\nResource: '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg-sandbox/providers/microsoft.keyvault/vaults/${vaultName(sandbox.urls.keyVault)}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: null \r\nVault: ${vaultName(sandbox.urls.keyVault)};location=westeurope\r\n`,
      'ForbiddenByRbac',
    );
  }
  return undefined;
}

function setSecret(sandbox: Sandbox, req: SandboxRequest, state: VaultState): SandboxResponse {
  const input = req.json();
  if (!input || typeof input.value !== 'string') return kvError(400, 'BadParameter', "Property 'value' is required and must be a string.");
  if (input.value.length > MAX_SECRET_LENGTH) {
    return kvError(
      400,
      'BadParameter',
      `Secret is beyond the maximum permitted length of ${MAX_SECRET_LENGTH} characters.`,
      'SecretTooLarge',
    );
  }
  const key = req.params.name.toLowerCase();
  const existing = state.secrets.get(key);
  if (existing?.deleted) {
    return kvError(
      409,
      'Conflict',
      `Secret ${existing.name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
      'ObjectIsDeletedButRecoverable',
    );
  }
  const now = Math.floor(sandbox.now() / 1000);
  const attributes = input.attributes ?? {};
  const version: SecretVersion = {
    version: randomBytes(16).toString('hex'),
    value: input.value,
    contentType: typeof input.contentType === 'string' ? input.contentType : undefined,
    tags: input.tags && typeof input.tags === 'object' ? input.tags : undefined,
    enabled: attributes.enabled !== false,
    created: now,
    updated: now,
    nbf: typeof attributes.nbf === 'number' ? attributes.nbf : undefined,
    exp: typeof attributes.exp === 'number' ? attributes.exp : undefined,
  };
  const secret = existing ?? { name: req.params.name, versions: [] };
  secret.versions.push(version);
  state.secrets.set(key, secret);
  return { status: 200, body: bundle(sandbox.urls.keyVault, secret, version, state.options, true) };
}

function readSecret(vault: string, state: VaultState, name: string, versionId?: string): SandboxResponse {
  const secret = find(state, name);
  if (!secret) return secretNotFound(name);
  const version = versionId ? secret.versions.find((v) => v.version === versionId.toLowerCase()) : latest(secret);
  if (!version) return secretNotFound(`${name}/${versionId}`);
  if (!version.enabled) return kvError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled');
  return { status: 200, body: bundle(vault, secret, version, state.options, true) };
}

const iso = (ms: number) => new Date(ms).toISOString();
const latest = (secret: StoredSecret) => secret.versions[secret.versions.length - 1];
const live = (state: VaultState) => [...state.secrets.values()].filter((s) => !s.deleted);
const find = (state: VaultState, name: string) => {
  const secret = state.secrets.get(name.toLowerCase());
  return secret && !secret.deleted ? secret : undefined;
};
const findDeleted = (state: VaultState, name: string) => {
  const secret = state.secrets.get(name.toLowerCase());
  return secret?.deleted ? secret : undefined;
};
const vaultName = (vault: string) => new URL(vault).hostname.split('.')[0];

/** Deleted secrets past their scheduled purge date disappear, as the service purges them. */
function sweepPurged(state: VaultState, now: number): void {
  for (const [key, secret] of state.secrets) if (secret.deleted && secret.deleted.scheduledPurgeDate <= now) state.secrets.delete(key);
}

function attributes(version: SecretVersion, options: VaultOptions) {
  const customized = options.retentionDays < 90 ? 'Customized' : '';
  return {
    enabled: version.enabled,
    ...(version.nbf !== undefined ? { nbf: version.nbf } : {}),
    ...(version.exp !== undefined ? { exp: version.exp } : {}),
    created: version.created,
    updated: version.updated,
    recoveryLevel: `${customized}Recoverable${options.purgeProtection ? '' : '+Purgeable'}`,
    recoverableDays: options.retentionDays,
  };
}

/** SecretBundle; `withValue` false for delete/recover answers, which carry no value. */
function bundle(vault: string, secret: StoredSecret, version: SecretVersion, options: VaultOptions, withValue: boolean) {
  return {
    ...(withValue ? { value: version.value } : {}),
    id: `${vault}/secrets/${secret.name}/${version.version}`,
    ...(version.contentType ? { contentType: version.contentType } : {}),
    ...(version.tags ? { tags: version.tags } : {}),
    attributes: attributes(version, options),
  };
}

/** SecretItem of the list operations: no value; the id has a version only when listing versions. */
function item(vault: string, secret: StoredSecret, version: SecretVersion, options: VaultOptions, versioned: boolean) {
  const { id, ...rest } = bundle(vault, secret, version, options, false);
  return { id: versioned ? id : `${vault}/secrets/${secret.name}`, ...rest };
}

function deletedBundle(vault: string, secret: StoredSecret, options: VaultOptions, asItem = false) {
  const base = asItem ? item(vault, secret, latest(secret), options, false) : bundle(vault, secret, latest(secret), options, false);
  return {
    recoveryId: `${vault}/deletedsecrets/${secret.name}`,
    deletedDate: Math.floor(secret.deleted!.deletedDate / 1000),
    scheduledPurgeDate: Math.floor(secret.deleted!.scheduledPurgeDate / 1000),
    ...base,
  };
}

function kvError(status: number, code: string, message: string, innerCode?: string): SandboxResponse {
  return { status, body: { error: { code, message, ...(innerCode ? { innererror: { code: innerCode } } : {}) } } };
}

const secretNotFound = (nameOrId: string) =>
  kvError(
    404,
    'SecretNotFound',
    `A secret with (name/id) ${nameOrId} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
  );
const deletedNotFound = () => kvError(404, 'SecretNotFound', 'Deleted Secret not found');

function withHeaders(req: SandboxRequest, answer: SandboxResponse): SandboxResponse {
  const clientRequestId = req.headers['x-ms-client-request-id'];
  return {
    ...answer,
    headers: {
      ...(answer.headers ?? {}),
      'x-ms-request-id': randomUUID(),
      'x-ms-keyvault-region': 'westeurope',
      'x-ms-keyvault-service-version': '1.9.2164.1',
      ...(typeof clientRequestId === 'string' ? { 'x-ms-client-request-id': clientRequestId } : {}),
    },
  };
}
