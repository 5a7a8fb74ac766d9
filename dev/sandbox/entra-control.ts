/**
 * Control endpoints of the sandbox's Entra ID, under `/_sandbox/entra/` on every origin: what tests
 * (and a person running `npm start`) need to shape the directory and to look at what was issued.
 * Answers never contain a secret value, code or token, except the stand-in managed-identity
 * assertion, which is the point of its endpoint.
 */
import { randomUUID } from 'node:crypto';
import type { Sandbox, SandboxResponse } from './server';
import { ensureGrant, findApp, findTenant, MANAGED_IDENTITY_ISSUER, PLATFORM_MI_PRINCIPAL_ID, PLATFORM_TENANT_ID } from './world';
import { issueFederatedAssertion, TOKEN_EXCHANGE_AUDIENCE } from './tokens';
import { entraState } from './entra-common';

const DAY = 24 * 3600 * 1000;
const bad = (message: string): SandboxResponse => ({ status: 400, body: { error: message } });
const notFound = (what: string): SandboxResponse => ({ status: 404, body: { error: `${what} not found` } });
const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;

export function registerEntraControl(sandbox: Sandbox): void {
  /** The stand-in for the managed identity's token for api://AzureADTokenExchange. */
  sandbox.route('*', 'POST', '/_sandbox/entra/federated-assertion', async (req) => {
    const input = req.json() ?? {};
    const assertion = await issueFederatedAssertion({
      issuer: typeof input.issuer === 'string' ? input.issuer : MANAGED_IDENTITY_ISSUER,
      subject: typeof input.subject === 'string' ? input.subject : PLATFORM_MI_PRINCIPAL_ID,
      audience: typeof input.audience === 'string' ? input.audience : TOKEN_EXCHANGE_AUDIENCE,
      tenantId: PLATFORM_TENANT_ID,
      now: sandbox.now(),
    });
    return { status: 200, body: { assertion } };
  });

  sandbox.route('*', 'GET', '/_sandbox/entra/apps', () => ({
    status: 200,
    body: sandbox.microsoft.apps.map((app) => ({
      ...app,
      secrets: app.secrets.map((s) => ({ id: s.id, expiresAt: new Date(s.expiresAt).toISOString() })),
    })),
  }));

  sandbox.route('*', 'POST', '/_sandbox/entra/apps', (req) => {
    const input = req.json() ?? {};
    if (typeof input.displayName !== 'string') return bad('displayName is required');
    const homeTenantId = typeof input.homeTenantId === 'string' ? input.homeTenantId : PLATFORM_TENANT_ID;
    if (!findTenant(sandbox.microsoft, homeTenantId)) return bad(`unknown tenant ${homeTenantId}`);
    const clientId = typeof input.clientId === 'string' ? input.clientId.toLowerCase() : randomUUID();
    if (findApp(sandbox.microsoft, clientId)) return { status: 409, body: { error: `app ${clientId} exists` } };
    const secretId = randomUUID();
    sandbox.microsoft.apps.push({
      clientId,
      displayName: input.displayName,
      homeTenantId,
      multiTenant: input.multiTenant === true,
      secrets: typeof input.secret === 'string' ? [{ id: secretId, value: input.secret, expiresAt: sandbox.now() + 365 * DAY }] : [],
      redirectUris: strings(input.redirectUris) ?? [],
      federatedCredentials: [],
      requiredAppRoles: strings(input.requiredAppRoles) ?? ['Mail.Send'],
      requiredScopes: strings(input.requiredScopes),
    });
    return { status: 201, body: { clientId, ...(typeof input.secret === 'string' ? { secretId } : {}) } };
  });

  sandbox.route('*', 'POST', '/_sandbox/entra/apps/:clientId/secrets', (req) => {
    const app = findApp(sandbox.microsoft, req.params.clientId);
    if (!app) return notFound('app');
    const input = req.json() ?? {};
    if (typeof input.value !== 'string' || !input.value) return bad('value is required');
    const days = typeof input.expiresInDays === 'number' ? input.expiresInDays : 365;
    const secret = { id: randomUUID(), value: input.value, expiresAt: sandbox.now() + days * DAY };
    app.secrets.push(secret);
    return { status: 201, body: { id: secret.id, expiresAt: new Date(secret.expiresAt).toISOString() } };
  });

  sandbox.route('*', 'POST', '/_sandbox/entra/apps/:clientId/redirect-uris', (req) => {
    const app = findApp(sandbox.microsoft, req.params.clientId);
    if (!app) return notFound('app');
    const uri = req.json()?.uri;
    if (typeof uri !== 'string' || !/^https?:\/\//.test(uri)) return bad('uri must be an http(s) URL');
    if (!app.redirectUris.includes(uri)) app.redirectUris.push(uri);
    return { status: 201, body: { redirectUris: app.redirectUris } };
  });

  /** The manifest's groupMembershipClaims (`DirectoryRole` or `All` put the user's roles in `wids`). */
  sandbox.route('*', 'POST', '/_sandbox/entra/apps/:clientId/group-membership-claims', (req) => {
    const app = findApp(sandbox.microsoft, req.params.clientId);
    if (!app) return notFound('app');
    const value = req.json()?.value;
    if (!['None', 'SecurityGroup', 'DirectoryRole', 'ApplicationGroup', 'All'].includes(value))
      return bad('value must be None, SecurityGroup, DirectoryRole, ApplicationGroup or All');
    app.groupMembershipClaims = value;
    return { status: 200, body: { groupMembershipClaims: value } };
  });

  sandbox.route('*', 'POST', '/_sandbox/entra/apps/:clientId/federated-credentials', (req) => {
    const app = findApp(sandbox.microsoft, req.params.clientId);
    if (!app) return notFound('app');
    const input = req.json() ?? {};
    if (typeof input.issuer !== 'string' || typeof input.subject !== 'string') return bad('issuer and subject are required');
    const credential = {
      issuer: input.issuer,
      subject: input.subject,
      audience: typeof input.audience === 'string' ? input.audience : TOKEN_EXCHANGE_AUDIENCE,
    };
    app.federatedCredentials.push(credential);
    return { status: 201, body: credential };
  });

  sandbox.route('*', 'GET', '/_sandbox/entra/grants', () => ({ status: 200, body: sandbox.microsoft.grants }));
  sandbox.route('*', 'POST', '/_sandbox/entra/grants', (req) => {
    const input = req.json() ?? {};
    if (typeof input.tenantId !== 'string' || !findTenant(sandbox.microsoft, input.tenantId)) return bad('tenantId must name a tenant');
    if (typeof input.clientId !== 'string' || !findApp(sandbox.microsoft, input.clientId)) return bad('clientId must name an app');
    const grant = ensureGrant(sandbox.microsoft, input.tenantId, input.clientId);
    grant.appRoles = strings(input.appRoles) ?? grant.appRoles;
    grant.delegatedScopes = strings(input.delegatedScopes) ?? grant.delegatedScopes;
    if (input.accessPolicyUserIds !== undefined) grant.accessPolicyUserIds = strings(input.accessPolicyUserIds);
    if (input.exchangeMailSendUserIds !== undefined) grant.exchangeMailSendUserIds = strings(input.exchangeMailSendUserIds);
    return { status: 200, body: grant };
  });

  /**
   * Entra's replication delay: service principals that a consent (a user's or an admin's) creates from now on stay invisible
   * to client-credentials requests (AADSTS700016) for `seconds` of sandbox clock
   * (https://learn.microsoft.com/entra/identity-platform/reference-error-codes, AADSTS700016).
   */
  sandbox.route('*', 'POST', '/_sandbox/entra/replication-delay', (req) => {
    const seconds = req.json()?.seconds;
    if (typeof seconds !== 'number' || !(seconds >= 0)) return bad('seconds must be a number >= 0');
    entraState(sandbox).replicationDelayMs = seconds * 1000;
    return { status: 200, body: { seconds } };
  });

  sandbox.route('*', 'GET', '/_sandbox/entra/consents', () => ({ status: 200, body: sandbox.microsoft.userConsents }));

  /** Like Graph's revokeSignInSessions: every refresh token issued to the user so far stops working. */
  sandbox.route('*', 'POST', '/_sandbox/entra/users/:user/revoke-sessions', (req) => {
    const key = req.params.user.toLowerCase();
    const user = sandbox.microsoft.users.find((u) => u.id === key || u.userPrincipalName === key);
    if (!user) return notFound('user');
    const state = entraState(sandbox);
    // +1 ms: tokens issued in this same millisecond are revoked too.
    state.tokensValidFrom.set(user.id, sandbox.now() + 1);
    const revoked = [...state.refreshTokens.values()].filter((t) => t.userId === user.id).length;
    return { status: 200, body: { userId: user.id, revoked } };
  });

  /** Counts of tokens issued (never the tokens), filterable by clientId, tenantId, grantType. */
  sandbox.route('*', 'GET', '/_sandbox/entra/tokens', (req) => {
    const q = req.url.searchParams;
    const rows = entraState(sandbox).issued.filter((t) =>
      ['clientId', 'tenantId', 'grantType'].every((k) => !q.get(k) || q.get(k) === t[k as 'clientId' | 'tenantId' | 'grantType']),
    );
    const countBy = (key: 'grantType' | 'clientId') =>
      rows.reduce<Record<string, number>>((acc, t) => ({ ...acc, [t[key]]: (acc[t[key]] ?? 0) + 1 }), {});
    return { status: 200, body: { count: rows.length, byGrantType: countBy('grantType'), byClient: countBy('clientId'), tokens: rows } };
  });
}
