/**
 * What the sandbox's Entra ID token endpoint (`entra.ts`) and its sign-in / consent pages
 * (`entra-pages.ts`) share: the per-sandbox state of authorization codes and refresh tokens, the
 * AADSTS error envelope, and tenant and scope parsing. Wire shapes: docs/providers.md "Entra ID".
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Sandbox, SandboxResponse } from './server';
import { findTenant, MicrosoftWorld, Tenant } from './world';
import { GRAPH_APP_ID, GRAPH_RESOURCE, VAULT_APP_ID, VAULT_RESOURCE } from './tokens';

export interface AuthorizationCode {
  clientId: string;
  tenantId: string;
  userId: string;
  redirectUri: string;
  /** Every scope asked for, as normalized by `parseScope` (OIDC scopes included). */
  scope: ParsedScope;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  nonce?: string;
  expiresAt: number;
  redeemed: boolean;
}

export interface RefreshTokenRecord {
  clientId: string;
  tenantId: string;
  userId: string;
  scope: ParsedScope;
  issuedAt: number;
}

/** One token the endpoint issued (never the token itself): the sandbox's answer to "how many?". */
export interface IssuedToken {
  at: string;
  grantType: string;
  clientId: string;
  tenantId: string;
  audience: string;
  userId?: string;
}

export interface EntraState {
  codes: Map<string, AuthorizationCode>;
  refreshTokens: Map<string, RefreshTokenRecord>;
  /** Refresh tokens issued to a user before this instant are revoked (revokeSignInSessions). */
  tokensValidFrom: Map<string, number>;
  issued: IssuedToken[];
  /**
   * How long a service principal created by admin consent stays invisible to the token endpoint
   * (Entra's replication delay: seconds to minutes, AADSTS700016 meanwhile). 0 unless a test sets it.
   */
  replicationDelayMs: number;
}

/** Authorization codes are short-lived (AADSTS70008 after that). */
export const CODE_LIFETIME_MS = 10 * 60 * 1000;

const states = new WeakMap<Sandbox, EntraState>();

/** The Entra state of one sandbox, emptied on `POST /_sandbox/reset`. */
export function entraState(sandbox: Sandbox): EntraState {
  let state = states.get(sandbox);
  if (!state) {
    const created: EntraState = {
      codes: new Map(),
      refreshTokens: new Map(),
      tokensValidFrom: new Map(),
      issued: [],
      replicationDelayMs: 0,
    };
    states.set(sandbox, created);
    sandbox.onReset(() => {
      created.codes.clear();
      created.refreshTokens.clear();
      created.tokensValidFrom.clear();
      created.issued.length = 0;
      created.replicationDelayMs = 0;
    });
    state = created;
  }
  return state;
}

/** Opaque, unguessable strings shaped like Entra's codes and refresh tokens. */
export const opaqueToken = (prefix: string) => `${prefix}${randomBytes(48).toString('base64url')}`;

/** Entra's timestamp format in error bodies: `2026-11-22 04:30:00Z`. */
export const entraTimestamp = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ') + 'Z';

/** `AADSTS<code>: <text>` followed by the trace lines Entra appends to every description. */
export function errorDescription(
  sandbox: Sandbox,
  code: number,
  text: string,
  ids = { trace: randomUUID(), correlation: randomUUID() },
): string {
  return `AADSTS${code}: ${text}\r\nTrace ID: ${ids.trace}\r\nCorrelation ID: ${ids.correlation}\r\nTimestamp: ${entraTimestamp(sandbox.now())}`;
}

/** Headers of every token-endpoint answer (docs/providers.md). */
export function tokenHeaders(): Record<string, string> {
  return { 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache', 'x-ms-request-id': randomUUID() };
}

/** The token endpoint's error envelope, exactly as Entra sends it. */
export function entraError(
  sandbox: Sandbox,
  status: number,
  error: string,
  code: number,
  text: string,
  suberror?: string,
): SandboxResponse {
  const ids = { trace: randomUUID(), correlation: randomUUID() };
  return {
    status,
    headers: tokenHeaders(),
    body: {
      error,
      error_description: errorDescription(sandbox, code, text, ids),
      error_codes: [code],
      timestamp: entraTimestamp(sandbox.now()),
      trace_id: ids.trace,
      correlation_id: ids.correlation,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
      ...(suberror ? { suberror } : {}),
    },
  };
}

/** AADSTS texts used by more than one endpoint. */
export const TEXT = {
  tenantNotFound: (tenant: string) =>
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  appNotFound: (clientId: string, tenant: string) =>
    `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  redirectMismatch: (uri: string, clientId: string) =>
    `The redirect URI '${uri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
  missingParameter: (name: string) => `The request body must contain the following parameter: '${name}'.`,
};

/** Tells a ready answer (an error to send) from a value a step computed. */
export const isAnswer = (value: unknown): value is SandboxResponse => typeof value === 'object' && value !== null && 'status' in value;

/** The `{tenant}` path segment: a tenant (GUID or domain), or one of the multi-tenant aliases. */
export type TenantSegment = { kind: 'tenant'; tenant: Tenant } | { kind: 'alias'; alias: 'organizations' | 'common' };

export function resolveTenantSegment(world: MicrosoftWorld, segment: string): TenantSegment | undefined {
  const lower = segment.toLowerCase();
  if (lower === 'organizations' || lower === 'common') return { kind: 'alias', alias: lower };
  const tenant = findTenant(world, lower);
  return tenant ? { kind: 'tenant', tenant } : undefined;
}

export const OIDC_SCOPES: ReadonlySet<string> = new Set(['openid', 'profile', 'email', 'offline_access']);
const RESOURCE_BY_ID: Record<string, string> = { [GRAPH_APP_ID]: GRAPH_RESOURCE, [VAULT_APP_ID]: VAULT_RESOURCE };
export const KNOWN_RESOURCES = new Set([GRAPH_RESOURCE, VAULT_RESOURCE]);

/** A `scope` parameter split into its one resource, that resource's permissions, and OIDC scopes. */
export interface ParsedScope {
  resource: string;
  /** Permission names without the resource prefix (`Mail.Send`); `.default` stays as is. */
  permissions: string[];
  oidc: string[];
}

/**
 * Parses `Mail.Send offline_access`, `https://graph.microsoft.com/Mail.Send` or
 * `https://vault.azure.net/.default`. Unprefixed permissions belong to Graph, as on the v2 endpoint.
 */
export function parseScope(raw: string): ParsedScope | { error: 'multipleResources' } | { error: 'unknownResource'; resource: string } {
  const resources = new Set<string>();
  const permissions: string[] = [];
  const oidc: string[] = [];
  for (const item of raw.split(/\s+/).filter(Boolean)) {
    if (OIDC_SCOPES.has(item.toLowerCase())) {
      oidc.push(item.toLowerCase());
      continue;
    }
    const slash = item.lastIndexOf('/');
    const prefix = slash > 0 ? item.slice(0, slash).replace(/\/$/, '') : GRAPH_RESOURCE;
    const resource = RESOURCE_BY_ID[prefix.toLowerCase()] ?? prefix.toLowerCase();
    resources.add(resource);
    permissions.push(item.slice(slash + 1));
  }
  if (resources.size > 1) return { error: 'multipleResources' };
  const resource = [...resources][0] ?? GRAPH_RESOURCE;
  if (!KNOWN_RESOURCES.has(resource)) return { error: 'unknownResource', resource };
  return { resource, permissions, oidc };
}

/** The `scope` string Entra returns and puts in `scp`: permissions, then the OIDC scopes (never offline_access). */
export function grantedScopeString(scope: ParsedScope): string {
  return [...scope.permissions, ...scope.oidc.filter((s) => s !== 'offline_access')].join(' ');
}
