/**
 * The directory connections' logic (docs/directory.md): create, list, get, delete,
 * the consent link, and the consent callback's applier for directory purposes. No per-mode `if`s:
 * what differs by mode is the table in modes.ts, and what differs by provider is the provider
 * module (consent flows, DirectoryAccess, create-time check).
 *
 * Order of writes, so nothing is half-written: a connection linked by consent gets its consent
 * link (signed state naming the new id) BEFORE its row is written; a service account is verified
 * against the provider, then its key goes to Key Vault, then the row (the key is deleted again when
 * the row cannot be written). Delete removes the secrets first (strict), then the synced copy,
 * then the row, so a failed delete can simply be repeated.
 */
import { randomBytes } from 'node:crypto';
import type { AppliedConsent } from '../../consent/callback';
import { orgNameSchema } from '../../consent/orgName';
import type { ConsentService } from '../../consent/service';
import type { ConsentState } from '../../consent/state';
import type { ConsentOutcome } from '../../consent/types';
import { MailerError } from '../../errors';
import type { ProviderContext, ProviderModule } from '../../providers/module';
import type { DirectoryConnectionStore, StoredConnection } from '../../store/directoryConnectionStore';
import { directorySecretName } from '../../store/secretNames';
import { MAX_CONNECTIONS_PER_ORG, type DirectoryConnection, type SyncedCopy } from '../../model/directory';
import { modeRules, SECRET_PURPOSE, type ConnectionModeRules } from './modes';
import { parseConnectionInput } from './schema';
import { toConnectionView, type ConnectionView } from './view';

export interface DirectoryConnectionDeps {
  store: DirectoryConnectionStore;
  consent: ConsentService;
  context: ProviderContext;
  loadModule(provider: DirectoryConnection['provider']): Promise<ProviderModule>;
  /** The connection's synced copy: its sync state for the view, deleted with the connection. */
  copy: SyncedCopy;
  /** The composition root's clock. */
  now: () => Date;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
/** `dc` + 10 base32 characters (50 random bits): CONNECTION_ID_PATTERN. */
export function newConnectionId(): string {
  return `dc${[...randomBytes(10)].map((byte) => BASE32[byte & 31]).join('')}`;
}

export function createDirectoryConnectionService(deps: DirectoryConnectionDeps) {
  const clock = deps.now;
  const secrets = deps.context.secrets;

  async function load(orgId: string, id: string): Promise<StoredConnection> {
    const stored = await deps.store.get(orgId, id);
    if (!stored) throw new MailerError('DIRECTORY_CONNECTION_NOT_FOUND', `Organization ${orgId} has no directory connection ${id}.`);
    return stored;
  }

  /**
   * The provider's check of a consent's new grant (Google: the account must be a Workspace admin). A
   * refused grant is given back before the refusal is answered: nothing of it is kept here, so nothing
   * of it may stay usable at the provider.
   */
  async function verifyOrGiveBack(candidate: DirectoryConnection, granted: Record<string, string>): Promise<void> {
    const module = await deps.loadModule(candidate.provider);
    try {
      await module.verifyDirectory?.(candidate, deps.context, granted);
    } catch (error) {
      await module.revokeGrant?.(granted, deps.context);
      throw error;
    }
  }

  async function view(connection: DirectoryConnection): Promise<ConnectionView> {
    return toConnectionView(connection, await deps.copy.syncState(connection.orgId, connection.id), clock());
  }

  function rulesOf(connection: Pick<DirectoryConnection, 'provider' | 'mode'>): ConnectionModeRules {
    const rules = modeRules(connection.provider, connection.mode);
    if (!rules) throw new Error(`internal: no directory mode ${connection.provider} ${connection.mode}`);
    return rules;
  }

  function consentLinkFor(connection: DirectoryConnection, request: { returnUrl?: string; loginHint?: string; orgName?: string }) {
    return deps.consent.createLink(
      connection.orgId,
      {
        provider: connection.provider,
        mode: connection.mode,
        returnUrl: request.returnUrl,
        loginHint: request.loginHint,
        orgName: request.orgName,
      },
      { kind: 'directory', connectionId: connection.id },
    );
  }

  /** Writes `values` (purpose -> value) to Key Vault; returns purpose -> secret NAME. */
  async function putSecrets(connection: DirectoryConnection, values: Record<string, string>): Promise<Record<string, string>> {
    const refs: Record<string, string> = {};
    for (const [purpose, value] of Object.entries(values)) {
      const name = directorySecretName(connection.orgId, connection.id, SECRET_PURPOSE[purpose]);
      await secrets.set(name, value);
      refs[purpose] = name;
    }
    return refs;
  }

  const dropSecrets = (names: string[]) => Promise.all(names.map((name) => secrets.delete(name)));

  return {
    async list(orgId: string): Promise<ConnectionView[]> {
      return Promise.all((await deps.store.listOrg(orgId)).map(({ connection }) => view(connection)));
    },

    async get(orgId: string, id: string): Promise<ConnectionView> {
      return view((await load(orgId, id)).connection);
    },

    /** Connection only: the sync's access (never shown to anyone). */
    async find(orgId: string, id: string): Promise<DirectoryConnection | undefined> {
      return (await deps.store.get(orgId, id))?.connection;
    },

    async create(orgId: string, body: unknown): Promise<{ connection: ConnectionView; consentUrl?: string }> {
      const input = parseConnectionInput(body);
      const rules = rulesOf(input);
      if (!rules.available(deps.context.config)) {
        throw new MailerError(
          'DIRECTORY_MODE_UNAVAILABLE',
          `Directory connections of mode ${input.provider} ${input.mode} are not set up on this platform.`,
        );
      }
      if ((await deps.store.listOrg(orgId)).length >= MAX_CONNECTIONS_PER_ORG) {
        throw new MailerError(
          'TOO_MANY_DIRECTORY_CONNECTIONS',
          `Organization ${orgId} already has ${MAX_CONNECTIONS_PER_ORG} directory connections.`,
        );
      }
      const at = clock().toISOString();
      const connection: DirectoryConnection = {
        orgId,
        id: newConnectionId(),
        name: input.name,
        provider: input.provider,
        mode: input.mode,
        status: rules.consent ? 'connecting' : 'active',
        ...(input.adminEmail ? { adminEmail: input.adminEmail, domain: input.adminEmail.split('@')[1] } : {}),
        secretRefs: {},
        createdAt: at,
        updatedAt: at,
      };
      if (rules.consent) {
        // The link first (it checks the return URL): a refused link leaves no row behind.
        const link = await consentLinkFor(connection, input);
        await deps.store.create(connection);
        return { connection: await view(connection), consentUrl: link.url };
      }
      const values = { serviceAccountKey: input.serviceAccountKey! };
      const module = await deps.loadModule(connection.provider);
      await module.verifyDirectory?.(connection, deps.context, values);
      connection.secretRefs = await putSecrets(connection, values);
      try {
        await deps.store.create(connection);
      } catch (error) {
        await dropSecrets(Object.values(connection.secretRefs)).catch(() => undefined);
        throw error;
      }
      return { connection: await view(connection) };
    },

    async remove(orgId: string, id: string): Promise<void> {
      const stored = await load(orgId, id);
      await dropSecrets(Object.values(stored.connection.secretRefs));
      await deps.copy.remove(orgId, id);
      await deps.store.delete(orgId, id);
    },

    /** A new consent link (reconnect after needs_attention). Service-account connections take a new key by re-creating. */
    async consentLink(orgId: string, id: string, body: unknown): Promise<{ consentUrl: string }> {
      const { connection } = await load(orgId, id);
      if (!rulesOf(connection).consent) {
        throw new MailerError(
          'DIRECTORY_INVALID_CONNECTION',
          `A ${connection.provider} ${connection.mode} connection has no consent link: delete it and create it again with a new key.`,
          {
            fields: { mode: `${connection.mode} is verified with its key, not by consent` },
          },
        );
      }
      const request = (typeof body === 'object' && body !== null ? body : {}) as {
        returnUrl?: unknown;
        loginHint?: unknown;
        orgName?: unknown;
      };
      const orgName = request.orgName === undefined ? undefined : orgNameSchema.safeParse(request.orgName);
      if (orgName && !orgName.success) {
        throw new MailerError('VALIDATION_FAILED', 'The orgName of the consent link request is not valid.', {
          fields: { orgName: orgName.error.issues[0]?.message ?? 'is not valid' },
        });
      }
      const link = await consentLinkFor(connection, {
        returnUrl: typeof request.returnUrl === 'string' ? request.returnUrl : undefined,
        loginHint: typeof request.loginHint === 'string' ? request.loginHint.slice(0, 256) : undefined,
        orgName: orgName?.data,
      });
      return { consentUrl: link.url };
    },

    /** The consent callback's applier for directory purposes: secrets to Key Vault, then the row (active). */
    async applyConsent(state: ConsentState, outcome: ConsentOutcome): Promise<AppliedConsent> {
      const id = state.purpose?.kind === 'directory' ? state.purpose.connectionId : '';
      const stored = await load(state.orgId, id);
      const before = stored.connection;
      if (before.provider !== state.provider || before.mode !== state.mode)
        throw new MailerError('STATE_INVALID', 'This consent link belongs to another kind of connection; nothing was saved.');
      const fields = rulesOf(before).fromConsent?.(outcome.fields) ?? {};
      // A reconnect must link the same directory: another tenant would mix two directories' copies.
      if (before.tenantId && fields.tenantId && fields.tenantId !== before.tenantId) {
        throw new MailerError(
          'CONSENT_TENANT_MISMATCH',
          `The sign-in proved tenant ${fields.tenantId}, but this connection reads tenant ${before.tenantId}. Nothing was saved.`,
        );
      }
      const candidate: DirectoryConnection = { ...before, ...fields };
      // Google: one directory read with the new grant proves the account is an admin before anything is kept.
      if (Object.keys(outcome.secrets).length) await verifyOrGiveBack(candidate, outcome.secrets);
      const refs = await putSecrets(before, outcome.secrets);
      const connection: DirectoryConnection = {
        ...candidate,
        status: 'active',
        secretRefs: { ...before.secretRefs, ...refs },
        updatedAt: clock().toISOString(),
      };
      delete connection.lastError;
      await deps.store.replace(connection, stored.etag);
      return { tenantId: connection.tenantId, accountEmail: connection.adminEmail ?? connection.consentedBy?.username };
    },
  };
}

export type DirectoryConnectionService = ReturnType<typeof createDirectoryConnectionService>;
